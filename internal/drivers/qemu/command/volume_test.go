package command

import (
	"errors"
	"strings"
	"testing"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/conf/storage"
	"github.com/govirt/govirt/virt/virterr"
)

// fakeVolumes are three pools: a directory pool, an iSCSI pool with CHAP
// and an initiator, and a stopped one.
type fakeVolumes struct{}

func (fakeVolumes) Pool(name string) (*storage.PoolDef, bool, error) {
	var doc string
	switch name {
	case "images":
		doc = `<pool type='dir'><name>images</name><target><path>/var/lib/images</path></target></pool>`
	case "san":
		doc = `<pool type='iscsi'><name>san</name><source><host name='san.example.org'/><device path='iqn.2024-01.org.example:disks'/>
		<initiator><iqn name='iqn.2024-01.org.example:guest'/></initiator>
		<auth type='chap' username='admin'><secret usage='san-chap'/></auth></source><target><path>/dev/disk/by-path</path></target></pool>`
	case "stopped":
		return nil, false, nil
	default:
		return nil, false, virterr.NewFrom(virterr.FromStorage, virterr.NoStoragePool, "no storage pool with matching name '%s'", name)
	}
	def, err := storage.ParsePool([]byte(doc))
	return def, err == nil, err
}

func (fakeVolumes) Volume(pool, name string) (StorageVolume, error) {
	switch {
	case strings.HasSuffix(name, ".iso"):
		return StorageVolume{Type: "file", Path: "/var/lib/images/" + name}, nil
	case strings.HasPrefix(name, "unit:"):
		return StorageVolume{Type: "block", Path: "/dev/disk/by-path/ip-san-lun-" + name[strings.LastIndex(name, ":")+1:]}, nil
	}
	return StorageVolume{Type: "netdir", Path: name}, nil
}

func volumeDomain(disks string) []byte {
	return []byte(`<domain type='kvm'><name>vol</name><memory>65536</memory>
<os><type arch='x86_64' machine='pc'>hvm</type></os><devices>
<controller type='pci' index='0' model='pci-root'/><controller type='ide' index='0'/>` + disks + `</devices></domain>`)
}

func buildVolumes(t *testing.T, disks string) (string, *domain.Def, error) {
	t.Helper()
	def, err := domain.Parse(volumeDomain(disks), domain.ParseInactive)
	if err != nil {
		t.Fatal(err)
	}
	if err := def.PostParse(domain.PostParseOptions{}); err != nil {
		t.Fatal(err)
	}
	ctx := TestContext(def.Name)
	ctx.Volumes = fakeVolumes{}
	cmd, err := Build(def, testCaps(), ctx)
	if err != nil {
		return "", def, err
	}
	return cmd.String(), def, nil
}

func TestVolumeDisks(t *testing.T) {
	out, def, err := buildVolumes(t, `
<disk type='volume' device='cdrom'><source pool='images' volume='install.iso'/><target dev='hdc' bus='ide'/><readonly/><address type='drive' controller='0' bus='1' target='0' unit='0'/></disk>
<disk type='volume' device='disk'><source pool='san' volume='unit:0:0:4'/><target dev='vda' bus='virtio'/><address type='pci' domain='0' bus='0' slot='4' function='0'/></disk>
<disk type='volume' device='disk'><auth username='ignored'><secret type='iscsi' usage='other'/></auth>
  <source pool='san' volume='unit:0:0:7' mode='direct'/><target dev='vdb' bus='virtio'/><address type='pci' domain='0' bus='0' slot='5' function='0'/></disk>`)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`"driver":"file","filename":"/var/lib/images/install.iso"`,
		`"driver":"host_device","filename":"/dev/disk/by-path/ip-san-lun-4"`,
		// the pool's host, target and credentials, not the disk's
		`"driver":"iscsi","portal":"san.example.org:3260","target":"iqn.2024-01.org.example:disks","lun":7,"transport":"tcp","user":"admin","password-secret":"libvirt-1-storage-auth-secret0","initiator-name":"iqn.2024-01.org.example:guest"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %s in\n%s", want, out)
		}
	}
	// The definition keeps its volume sources.
	for _, d := range def.Devices.Disks {
		if d.Source.Type != "volume" {
			t.Errorf("%s: source type %q after the build", d.Dst(), d.Source.Type)
		}
	}
}

func TestVolumeDiskRefusals(t *testing.T) {
	for _, c := range []struct {
		disk string
		code virterr.Code
		msg  string
	}{
		{`<disk type='volume'><source pool='stopped' volume='a.iso'/><target dev='vda' bus='virtio'/></disk>`,
			virterr.ConfigUnsupported, "unsupported configuration: storage pool 'stopped' containing volume 'a.iso' is not active"},
		{`<disk type='volume'><source pool='nowhere' volume='a.iso'/><target dev='vda' bus='virtio'/></disk>`,
			virterr.NoStoragePool, "no storage pool with matching name 'nowhere'"},
		{`<disk type='volume'><source pool='images' volume='a.iso' mode='host'/><target dev='vda' bus='virtio'/></disk>`,
			virterr.XMLError, "XML error: disk source mode is only valid when storage pool is of iscsi type"},
		{`<disk type='volume'><source pool='images' volume='share'/><target dev='vda' bus='virtio'/></disk>`,
			virterr.InternalError, "internal error: unexpected storage volume type 'netdir' for storage pool type 'dir'"},
		{`<disk type='volume'><source pool='san' volume='lun7' mode='direct'/><target dev='vda' bus='virtio'/></disk>`,
			virterr.InternalError, "internal error: unexpected iscsi volume name 'lun7'"},
		{`<disk type='volume' device='cdrom'><source pool='san' volume='unit:0:0:1' startupPolicy='optional'/><target dev='hdc' bus='ide'/><readonly/></disk>`,
			virterr.XMLError, "XML error: 'startupPolicy' is only valid for 'file' type volume"},
	} {
		_, _, err := buildVolumes(t, c.disk)
		var ve *virterr.Error
		if !errors.As(err, &ve) || ve.Code != c.code || !strings.Contains(ve.Message, c.msg) {
			t.Errorf("%s: got %v, want %q", c.disk, err, c.msg)
		}
	}
}
