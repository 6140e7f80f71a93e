package command

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/internal/drivers/qemu/caps"
)

var updateBlockdev = flag.Bool("update-blockdev", false, "rewrite the blockdev golden files")

// buildStorage runs the disk validation, device preparation and the disks
// step on a definition, under the TLS settings cfg.
func buildStorage(t testing.TB, data []byte, cfg *TLSConfig) (*Builder, error) {
	t.Helper()
	def, err := domain.Parse(data, domain.ParseInactive)
	if err != nil {
		return nil, err
	}
	if err := def.PostParse(domain.PostParseOptions{}); err != nil {
		return nil, err
	}
	qc := deviceTestCaps()
	qc.Set(caps.DeviceVhostUserBlk, caps.DeviceUSBStorage, caps.AioIOUring)
	b := NewBuilder(def, qc, nil)
	if cfg != nil {
		b.Ctx.TLS = cfg
	}
	if err := validateDisks(b); err != nil {
		return nil, err
	}
	if err := prepareDevices(b); err != nil {
		return nil, err
	}
	if err := buildDisks(b); err != nil {
		return nil, err
	}
	return b, nil
}

// storageTestTLS turns on NBD TLS with a key password secret.
func storageTestTLS() *TLSConfig {
	cfg := TestTLSConfig()
	cfg.NBDSecretUUID = "6fd3f62d-9fe7-4a4e-a869-7acd6376d8ea"
	return &cfg
}

func TestBlockdevGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/blockdev/*.xml")
	if len(files) == 0 {
		t.Fatal("no testdata")
	}
	for _, in := range files {
		t.Run(filepath.Base(in), func(t *testing.T) {
			data, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			b, err := buildStorage(t, data, storageTestTLS())
			if err != nil {
				t.Fatal(err)
			}
			got := strings.Join(b.Cmd.Args, "\n") + "\n"
			golden := strings.TrimSuffix(in, ".xml") + ".args"
			if *updateBlockdev {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update-blockdev)", err)
			}
			if got != string(want) {
				t.Errorf("got:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

func TestDiskValidation(t *testing.T) {
	for name, tc := range map[string]struct{ xml, want string }{
		"partition target": {`<disk type='file'><source file='/a'/><target dev='vda1' bus='virtio'/></disk>`,
			"invalid disk target 'vda1', partitions can't appear in disk targets"},
		"iso format": {`<disk type='file'><driver name='qemu' type='iso'/><source file='/a'/><target dev='vda' bus='virtio'/></disk>`,
			"storage format 'iso' is not directly supported by QEMU, use 'raw' instead"},
		"iscsi ceph secret": {`<disk type='network'><source protocol='iscsi' name='iqn.x:y/1'><host name='h'/><auth username='u'><secret type='ceph' usage='x'/></auth></source><target dev='vda' bus='virtio'/></disk>`,
			"invalid secret type 'ceph'"},
		"auth twice": {`<disk type='network'><auth username='u'><secret type='iscsi' usage='x'/></auth><source protocol='iscsi' name='iqn.x:y/1'><host name='h'/><auth username='u'><secret type='iscsi' usage='x'/></auth></source><target dev='vda' bus='virtio'/></disk>`,
			"an <auth> definition already found for disk source"},
		"vmdk encryption": {`<disk type='file'><driver name='qemu' type='vmdk'/><source file='/a'><encryption format='luks'><secret type='passphrase' uuid='0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f'/></encryption></source><target dev='vda' bus='virtio'/></disk>`,
			"encryption is supported only with 'raw' and 'qcow2' image format"},
		"shared qcow2": {`<disk type='file'><driver name='qemu' type='qcow2'/><source file='/a'/><target dev='vda' bus='virtio'/><shareable/></disk>`,
			"shared access for disk 'vda' requires use of supported storage format"},
		"vendor on virtio": {`<disk type='file'><source file='/a'/><target dev='vda' bus='virtio'/><vendor>V</vendor></disk>`,
			"Only scsi disk supports vendor and product"},
		"same drive address": {`<disk type='file'><source file='/a'/><target dev='sda' bus='sata'/></disk><disk type='file'><source file='/b'/><target dev='sdb' bus='sata'/><address type='drive' controller='0' bus='0' target='0' unit='0'/></disk>`,
			"Found duplicate drive address for disk with target name 'sda'"},
	} {
		t.Run(name, func(t *testing.T) {
			doc := "<domain type='kvm'><name>v</name><memory>1024</memory><os><type arch='x86_64' machine='q35'>hvm</type></os><devices>" + tc.xml + "</devices></domain>"
			_, err := buildStorage(t, []byte(doc), nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
}

func TestCookieSecretMatchesLibvirt(t *testing.T) {
	// disk-network-http: the cookies of the third disk, encrypted with
	// libvirt's test key and IV.
	data, _, err := encryptSecret(byteRange(32), byteRange(16), []byte(`test=testcookievalue; test2="blurb"`))
	if err != nil {
		t.Fatal(err)
	}
	if data != "DrPR9NA6GKJb7qi1KbjHaealKEMVtOWUl2h3yvO5lgIh6cyLHemmlg+h9fcgwREA" {
		t.Fatalf("got %s", data)
	}
}

func TestChardevTLS(t *testing.T) {
	doc := `<domain type='kvm'><name>v</name><memory>1024</memory><os><type arch='x86_64' machine='pc'>hvm</type></os><devices>
<serial type='tcp'><source mode='bind' host='127.0.0.1' service='5555' tls='yes'/><target port='0'/></serial>
<serial type='tcp'><source mode='connect' host='127.0.0.1' service='5556'/><target port='1'/></serial>
</devices></domain>`
	def, err := domain.Parse([]byte(doc), domain.ParseInactive)
	if err != nil {
		t.Fatal(err)
	}
	if err := def.PostParse(domain.PostParseOptions{}); err != nil {
		t.Fatal(err)
	}
	b := NewBuilder(def, deviceTestCaps(), nil)
	cfg := TestTLSConfig()
	cfg.ChardevSecretUUID = "6fd3f62d-9fe7-4a4e-a869-7acd6376d8ea"
	b.Ctx.TLS = &cfg
	if err := prepareDevices(b); err != nil {
		t.Fatal(err)
	}
	if err := buildSerials(b); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(b.Cmd.Args, "\n")
	// Only the source asking for TLS gets it; a server verifies clients
	// only when configured, and the key secret needs chardev_tls.
	for _, want := range []string{
		`"id":"objcharserial0_tls0","dir":"/etc/pki/libvirt-chardev","endpoint":"server","verify-peer":false}`,
		"socket,id=charserial0,host=127.0.0.1,port=5555,server=on,wait=off,tls-creds=objcharserial0_tls0",
		"socket,id=charserial1,host=127.0.0.1,port=5556\n",
	} {
		if !strings.Contains(got+"\n", want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
	if strings.Contains(got, "secret0") {
		t.Errorf("key secret without chardev_tls:\n%s", got)
	}
}

func FuzzBlockdev(f *testing.F) {
	files, _ := filepath.Glob("testdata/blockdev/*.xml")
	for _, in := range files {
		if data, err := os.ReadFile(in); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// building the storage must never panic, whatever the disks hold
		_, _ = buildStorage(t, data, storageTestTLS())
	})
}

func TestStorageSourceOfNoDisk(t *testing.T) {
	// A network NVRAM as qemuBuildPflashBlockdevCommandLine adds it.
	n, err := xmltree.Parse([]byte(`<source protocol='iscsi' name='iqn.2013-07.com.example:iscsi-nopool'>
  <host name='example.com' port='6000'/>
  <auth username='myname'><secret type='iscsi' usage='mycluster_myname'/></auth>
</source>`), "nvram")
	if err != nil {
		t.Fatal(err)
	}
	src, err := domain.ParseStorageSource("network", n, nil, domain.ParseInactive)
	if err != nil {
		t.Fatal(err)
	}
	def, err := domain.Parse([]byte("<domain type='kvm'><name>v</name><memory>1024</memory><os><type arch='x86_64' machine='pc'>hvm</type></os></domain>"), domain.ParseInactive)
	if err != nil {
		t.Fatal(err)
	}
	b := NewBuilder(def, deviceTestCaps(), nil)
	if err := b.AddStorageSourceBlockdevs(src, "libvirt-pflash1", false); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"-object", `{"qom-type":"secret","id":"libvirt-pflash1-storage-auth-secret0","data":"9eao5F8qtkGt+seB1HYivWIxbtwUu6MQtg1zpj/oDtUsPr1q8wBYM91uEHCn6j/1","keyid":"masterKey0","iv":"AAECAwQFBgcICQoLDA0ODw==","format":"base64"}`,
		"-blockdev", `{"driver":"iscsi","portal":"example.com:6000","target":"iqn.2013-07.com.example:iscsi-nopool","lun":0,"transport":"tcp","user":"myname","password-secret":"libvirt-pflash1-storage-auth-secret0","node-name":"libvirt-pflash1-storage","auto-read-only":true,"discard":"unmap"}`,
		"-blockdev", `{"node-name":"libvirt-pflash1-format","read-only":false,"driver":"raw","file":"libvirt-pflash1-storage"}`,
	}
	if got := strings.Join(b.Cmd.Args, "\n"); got != strings.Join(want, "\n") {
		t.Fatalf("got:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
}

// A real start numbers every disk's top before the layers it detected
// (as libvirt's start does), and the live XML carries those numbers: the
// -blockdev node names must be the same ones.
func TestNodeIndexesGiven(t *testing.T) {
	const x = `<domain type='kvm' id='1'><name>ni</name><memory>65536</memory>
<os><type arch='x86_64' machine='pc'>hvm</type></os><devices>
<controller type='pci' index='0' model='pci-root'/>
<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/vda.qcow2' index='3'/>
<backingStore type='file' index='5'><format type='raw'/><source file='/vda-base.raw'/><backingStore/></backingStore><target dev='vda' bus='virtio'/></disk>
<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/vdb.qcow2' index='2'/>
<backingStore type='file' index='4'><format type='raw'/><source file='/vdb-base.raw'/><backingStore/></backingStore><target dev='vdb' bus='virtio'/></disk>
<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='/vdc.raw' index='1'/><backingStore/><target dev='vdc' bus='virtio'/></disk>
</devices></domain>`
	build := func(given bool) string {
		def, err := domain.Parse([]byte(x), 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := def.PostParse(domain.PostParseOptions{}); err != nil {
			t.Fatal(err)
		}
		ctx := TestContext(def.Name)
		ctx.NodeIndexesGiven = given
		cmd, err := Build(def, testCaps(), ctx)
		if err != nil {
			t.Fatal(err)
		}
		return cmd.String()
	}
	node := func(file string, n int) string {
		return fmt.Sprintf(`"filename":%q,"node-name":"libvirt-%d-storage"`, file, n)
	}
	got := build(true)
	for file, n := range map[string]int{"/vdc.raw": 1, "/vdb.qcow2": 2, "/vda.qcow2": 3, "/vdb-base.raw": 4, "/vda-base.raw": 5} {
		if !strings.Contains(got, node(file, n)) {
			t.Errorf("%s is not node %d:\n%s", file, n, got)
		}
	}
	// libvirt's test set-up numbers each chain in one run, whatever the
	// XML says.
	got = build(false)
	for file, n := range map[string]int{"/vdc.raw": 1, "/vdb.qcow2": 2, "/vdb-base.raw": 3, "/vda.qcow2": 4, "/vda-base.raw": 5} {
		if !strings.Contains(got, node(file, n)) {
			t.Errorf("test set-up: %s is not node %d:\n%s", file, n, got)
		}
	}
}
