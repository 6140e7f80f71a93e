package command

import (
	"fmt"
	"strconv"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/conf/xmltree"
)

// blockNode is one storage source of a disk's chain with the node names
// libvirt gives it (libvirt-N-storage / libvirt-N-format).
type blockNode struct {
	src *domain.StorageSource
	id  int
}

func (n blockNode) storageName() string { return fmt.Sprintf("libvirt-%d-storage", n.id) }
func (n blockNode) formatName() string  { return fmt.Sprintf("libvirt-%d-format", n.id) }

const blockNodesKey = "blockdev-nodes"

// diskNodes numbers every disk's chain as libvirt's test set-up ends up
// doing: disks are prepared last to first, each chain top down.
func (b *Builder) diskNodes() map[*domain.Disk][]blockNode {
	if m, ok := b.State(blockNodesKey).(map[*domain.Disk][]blockNode); ok {
		return m
	}
	m := map[*domain.Disk][]blockNode{}
	next := 0
	disks := b.Def.Devices.Disks
	for i := len(disks) - 1; i >= 0; i-- {
		d := disks[i]
		var chain []blockNode
		for s := d.Source; s != nil; s = s.Backing {
			if s != d.Source && s.Type == "" {
				break
			}
			next++
			chain = append(chain, blockNode{src: s, id: next})
		}
		m[d] = chain
	}
	b.SetState(blockNodesKey, m)
	return m
}

func srcAttr(s *domain.StorageSource, name string) string { return attrValue(s.Attrs, name) }

func attrValue(list []xmltree.Attr, name string) string {
	for _, a := range list {
		if a.Name == name {
			return a.Value
		}
	}
	return ""
}

// storageEmpty is virStorageSourceIsEmpty.
func storageEmpty(s *domain.StorageSource) bool {
	if s == nil {
		return true
	}
	switch s.Type {
	case "file", "block", "dir":
		return s.Path() == ""
	case "network":
		return srcAttr(s, "protocol") == "" && len(s.Hosts) == 0 && srcAttr(s, "name") == ""
	case "":
		return true
	}
	return false
}

// cacheFlags is qemuDomainDiskCachemodeFlags.
func cacheFlags(mode string) (writeback, direct, noflush, ok bool) {
	switch mode {
	case "writeback":
		return true, false, false, true
	case "writethrough":
		return false, false, false, true
	case "none":
		return true, true, false, true
	case "directsync":
		return false, true, false, true
	case "unsafe":
		return true, false, true, true
	}
	return false, false, false, false
}

func cacheProps(mode string) *Props {
	_, direct, noflush, ok := cacheFlags(mode)
	if !ok {
		return nil
	}
	return NewProps().Bool("direct", direct).Bool("no-flush", noflush)
}

// storageProps is qemuBlockStorageSourceGetBackendProps for the protocol
// layer, with the common node properties.
func (b *Builder) storageProps(d *domain.Disk, n blockNode) (*Props, error) {
	s := n.src
	p := NewProps()
	switch s.Type {
	case "file":
		p.Str("driver", "file").Str("filename", s.Path())
	case "block":
		drv := "host_device"
		// qemuDomainPrepareDiskSourceData: only a raw top image on a real
		// CD-ROM drive uses host_cdrom.
		if d.Device() == "cdrom" && n.src == d.Source && (s.Format == "" || s.Format == "raw") && hostIsCDROM(s.Path()) {
			drv = "host_cdrom"
		}
		p.Str("driver", drv).Str("filename", s.Path())
	case "dir":
		p.Str("driver", "vvfat").Str("dir", s.Path()).Bool("floppy", d.Device() == "floppy").Bool("rw", !d.ReadOnly)
	case "network":
		if err := networkStorageProps(p, s); err != nil {
			return nil, err
		}
	default:
		return nil, Internal("unsupported storage type '%s'", s.Type)
	}
	p.Str("node-name", n.storageName())
	p.Obj("cache", cacheProps(attrValue(d.Driver, "cache")))
	p.Bool("auto-read-only", true).Str("discard", "unmap")
	return p, nil
}

// networkStorageProps covers the network protocols of
// qemuBlockStorageSourceGetBackendProps.
func networkStorageProps(p *Props, s *domain.StorageSource) error {
	proto := srcAttr(s, "protocol")
	name := srcAttr(s, "name")
	host := func(i int) (string, string, string) {
		if i >= len(s.Hosts) {
			return "", "", ""
		}
		h := s.Hosts[i]
		return attrValue(h, "name"), attrValue(h, "port"), attrValue(h, "transport")
	}
	inetAddr := func(i int) *Props {
		n, port, tr := host(i)
		if tr == "unix" {
			_, _, _ = n, port, tr
			return NewProps().Str("type", "unix").Str("path", attrValue(s.Hosts[i], "socket"))
		}
		return NewProps().Str("type", "inet").Str("host", n).Str("port", port)
	}
	switch proto {
	case "nbd":
		p.Str("driver", "nbd")
		if len(s.Hosts) > 0 {
			p.Obj("server", inetAddr(0))
		}
		p.StrOpt("export", name)
		if tls := srcAttr(s, "tls"); tls == "yes" {
			p.Str("tls-creds", "objlibvirt-storage-tls")
		}
	case "http", "https", "ftp", "ftps":
		n, port, _ := host(0)
		url := proto + "://" + n
		if port != "" && port != networkDefaultPort[proto] {
			url += ":" + port
		}
		if len(name) == 0 || name[0] != '/' {
			url += "/"
		}
		url += name
		p.Str("driver", proto).Str("url", url)
	case "iscsi":
		n, port, _ := host(0)
		target, lun := name, "0"
		for i := len(name) - 1; i >= 0; i-- {
			if name[i] == '/' {
				target, lun = name[:i], name[i+1:]
				break
			}
		}
		portal := n
		if port != "" {
			portal += ":" + port
		}
		l, _ := strconv.Atoi(lun)
		p.Str("driver", "iscsi").Str("portal", portal).Str("target", target).Int("lun", int64(l)).Str("transport", "tcp")
	case "rbd":
		pool, image := name, ""
		for i := 0; i < len(name); i++ {
			if name[i] == '/' {
				pool, image = name[:i], name[i+1:]
				break
			}
		}
		p.Str("driver", "rbd").Str("pool", pool).Str("image", image)
		if len(s.Hosts) > 0 {
			var arr Array
			for i := range s.Hosts {
				hn, hp, _ := host(i)
				arr = append(arr, NewProps().Str("host", hn).Str("port", hp))
			}
			p.Arr("server", arr)
		}
	case "gluster":
		vol, path := name, ""
		for i := 1; i < len(name); i++ {
			if name[i] == '/' {
				vol, path = name[:i], name[i+1:]
				break
			}
		}
		var arr Array
		for i := range s.Hosts {
			arr = append(arr, inetAddr(i))
		}
		p.Str("driver", "gluster").Str("volume", vol).Str("path", path).Arr("server", arr)
	case "ssh":
		p.Str("driver", "ssh").Str("path", name).Obj("server", inetAddr(0))
	default:
		return Internal("unsupported network storage protocol '%s'", proto)
	}
	return nil
}

var networkDefaultPort = map[string]string{"http": "80", "https": "443", "ftp": "21", "ftps": "990"}

// formatProps is qemuBlockStorageSourceGetBlockdevProps for the format
// layer on top of a storage node.
func (b *Builder) formatProps(d *domain.Disk, chain []blockNode, i int) *Props {
	n := chain[i]
	top := i == 0
	ro := true
	if top {
		ro = d.ReadOnly
	}
	p := NewProps().Str("node-name", n.formatName()).Bool("read-only", ro)
	if top {
		discard := attrValue(d.Driver, "discard")
		p.StrOpt("discard", discard)
		p.Obj("cache", cacheProps(attrValue(d.Driver, "cache")))
		dz := attrValue(d.Driver, "detect_zeroes")
		if dz == "unmap" && discard != "unmap" {
			dz = "on"
		}
		p.StrOpt("detect-zeroes", dz)
	} else {
		p.Obj("cache", cacheProps(attrValue(d.Driver, "cache")))
	}
	format := n.src.Format
	if format == "" || format == "none" {
		format = "raw"
	}
	if n.src.Type == "dir" {
		format = "raw"
	}
	p.Str("driver", format).Str("file", n.storageName())
	if i+1 < len(chain) {
		p.Str("backing", chain[i+1].formatName())
	}
	return p
}

// buildDiskSource adds the -blockdev chain of a disk, bottom first
// (qemuBuildDiskSourceCommandLine).
func (b *Builder) buildDiskSource(d *domain.Disk) error {
	if storageEmpty(d.Source) {
		return nil
	}
	chain := b.diskNodes()[d]
	for i := len(chain) - 1; i >= 0; i-- {
		sp, err := b.storageProps(d, chain[i])
		if err != nil {
			return err
		}
		b.AddBlockdev(sp)
		b.AddBlockdev(b.formatProps(d, chain, i))
	}
	return nil
}

// diskBackendAlias is the node the disk's device uses (qemuDomainDiskGetBackendAlias).
func (b *Builder) diskBackendAlias(d *domain.Disk) string {
	if storageEmpty(d.Source) {
		return ""
	}
	chain := b.diskNodes()[d]
	if len(chain) == 0 {
		return ""
	}
	return chain[0].formatName()
}
