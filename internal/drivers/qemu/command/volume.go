package command

import (
	"strconv"
	"strings"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/conf/storage"
	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// StorageVolumes answers the storage driver lookups a <disk type='volume'>
// needs (virStoragePoolLookupByName, virStoragePoolIsActive,
// virStoragePoolGetXMLDesc, virStorageVolLookupByName, virStorageVolGetInfo
// and virStorageVolGetPath). Errors are returned as the storage driver
// reports them.
type StorageVolumes interface {
	// Pool returns the named pool's definition and whether it is active.
	Pool(name string) (def *storage.PoolDef, active bool, err error)
	// Volume returns a volume of an active pool: its type (file, block,
	// dir, network, netdir, ploop) and path.
	Volume(pool, name string) (StorageVolume, error)
}

// StorageVolume is what the storage driver says about one volume.
type StorageVolume struct {
	Type string
	Path string
}

// iscsiDefaultPort is the port of an iSCSI pool host without one.
const iscsiDefaultPort = 3260

// translateVolumes is qemuProcessPrepareDomainStorage's
// virDomainDiskTranslateSourcePool: every volume source of a disk's chain
// is replaced, for this build, by the file, block device, directory or
// iSCSI LUN its pool says it is. The definition gets its volume sources
// back when the build ends, as libvirt keeps type='volume' in the live XML.
func (b *Builder) translateVolumes() error {
	if b.Def.Devices == nil {
		return nil
	}
	for _, d := range b.Def.Devices.Disks {
		volume := d.Source != nil && d.Source.Type == "volume"
		for link := &d.Source; *link != nil && (*link).Type != ""; link = &(*link).Backing {
			src := *link
			if src.Type != "volume" || srcAttr(src, "pool") == "" {
				continue
			}
			t, err := b.translateVolume(src)
			if err != nil {
				return err
			}
			*link = t
			b.restore = append(b.restore, func() { *link = src })
		}
		if volume && srcAttr(d.Source, "startupPolicy") != "" && d.Source.Type != "file" {
			return Errorf(virterr.XMLError, "%s", "'startupPolicy' is only valid for 'file' type volume")
		}
	}
	return nil
}

func (b *Builder) translateVolume(src *domain.StorageSource) (*domain.StorageSource, error) {
	poolName, volName, mode := srcAttr(src, "pool"), srcAttr(src, "volume"), srcAttr(src, "mode")
	pools := b.Ctx.Volumes
	if pools == nil {
		return nil, Errorf(virterr.NoSupport, "%s", "storage pool lookup is not available")
	}
	pool, active, err := pools.Pool(poolName)
	if err != nil {
		return nil, err
	}
	if !active {
		return nil, Unsupported("storage pool '%s' containing volume '%s' is not active", poolName, volName)
	}
	vol, err := pools.Volume(poolName, volName)
	if err != nil {
		return nil, err
	}
	if mode != "" && pool.Type != storage.PoolISCSI {
		return nil, Errorf(virterr.XMLError, "%s", "disk source mode is only valid when storage pool is of iscsi type")
	}

	t := *src
	t.Attrs = nil
	t.Hosts = nil
	t.AuthAtDisk = nil
	t.Children = nil
	for _, c := range src.Children {
		if c.Name != "auth" {
			t.Children = append(t.Children, c)
		}
	}
	keep := func(name string) {
		if v := srcAttr(src, name); v != "" {
			t.Attrs = append(t.Attrs, xmltree.Attr{Name: name, Value: v})
		}
	}
	local := func(typ string) {
		t.Type = typ
		attr := map[string]string{"file": "file", "block": "dev", "dir": "dir"}[typ]
		t.Attrs = append(t.Attrs, xmltree.Attr{Name: attr, Value: vol.Path})
		keep("startupPolicy")
		keep("index")
	}

	switch pool.Type {
	case "dir", "fs", "netfs", "logical", "disk", "scsi", "zfs", "vstorage":
		switch vol.Type {
		case "file", "ploop":
			local("file")
		case "dir":
			local("dir")
		case "block":
			local("block")
		default:
			return nil, Internal("unexpected storage volume type '%s' for storage pool type '%s'", vol.Type, pool.Type)
		}
	case storage.PoolISCSIDirect:
		if err := b.translateISCSIDirect(&t, src, pool); err != nil {
			return nil, err
		}
	case storage.PoolISCSI:
		if mode == "direct" {
			if err := b.translateISCSIDirect(&t, src, pool); err != nil {
				return nil, err
			}
			break
		}
		local("block")
	default:
		return nil, Internal("using '%s' pools for backing 'volume' disks isn't yet supported", pool.Type)
	}
	return &t, nil
}

// translateISCSIDirect is virDomainDiskTranslateISCSIDirect: the volume
// becomes LUN <n> (of its "unit:0:0:<n>" name) of the pool's only host
// and target, with the pool's CHAP credentials and initiator.
func (b *Builder) translateISCSIDirect(t, src *domain.StorageSource, pool *storage.PoolDef) error {
	t.Type = "network"
	if a := pool.Source.Auth; a != nil {
		secret := "uuid='" + a.Secret.UUID.String() + "'"
		if a.Secret.Usage != "" {
			secret = "usage='" + xmlbuf.Escape(a.Secret.Usage) + "'"
		}
		t.Children = append(t.Children, element("<auth username='"+xmlbuf.Escape(a.Username)+"'><secret type='iscsi' "+secret+"/></auth>"))
	}
	if len(pool.Source.Hosts) != 1 {
		return Errorf(virterr.XMLError, "%s", "Expected exactly 1 host for the storage pool")
	}
	h := pool.Source.Hosts[0]
	port := iscsiDefaultPort
	if h.Port != 0 {
		port = int(h.Port)
	}
	volName := srcAttr(src, "volume")
	tokens := strings.Split(volName, ":")
	if len(tokens) != 4 {
		return Internal("unexpected iscsi volume name '%s'", volName)
	}
	if len(pool.Source.Devices) == 0 {
		return Internal("unexpected iscsi volume name '%s'", volName)
	}
	t.Attrs = []xmltree.Attr{
		{Name: "protocol", Value: "iscsi"},
		{Name: "name", Value: pool.Source.Devices[0].Path + "/" + tokens[3]},
	}
	t.Hosts = append(t.Hosts, []xmltree.Attr{
		{Name: "name", Value: h.Name},
		{Name: "port", Value: strconv.Itoa(port)},
		{Name: "transport", Value: "tcp"},
	})
	if pool.Source.InitiatorIQN != "" && !hasChild(src.Children, "initiator") {
		t.Children = append(t.Children, element("<initiator><iqn name='"+xmlbuf.Escape(pool.Source.InitiatorIQN)+"'/></initiator>"))
	}
	return nil
}

func hasChild(nodes []*xmltree.Node, name string) bool {
	for _, n := range nodes {
		if n.Name == name {
			return true
		}
	}
	return false
}

// element builds a source child the way the parser would have read it.
func element(text string) *xmltree.Node {
	n, err := xmltree.Parse([]byte(text), "(storage_source)")
	if err != nil {
		panic("command: bad generated element " + text)
	}
	return n
}
