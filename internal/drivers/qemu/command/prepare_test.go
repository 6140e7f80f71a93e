package command

import (
	"errors"
	"strings"
	"testing"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/drivers/qemu/caps"
	"github.com/govirt/govirt/virt/virterr"
)

func buildWithContext(t *testing.T, x string, set func(*Context), flags ...caps.Flag) (string, error) {
	t.Helper()
	def, err := domain.Parse([]byte(x), domain.ParseInactive)
	if err != nil {
		t.Fatal(err)
	}
	if err := def.PostParse(domain.PostParseOptions{}); err != nil {
		t.Fatal(err)
	}
	ctx := TestContext(def.Name)
	if set != nil {
		set(ctx)
	}
	qc := testCaps()
	qc.Set(flags...)
	cmd, err := Build(def, qc, ctx)
	if err != nil {
		return "", err
	}
	return cmd.String(), nil
}

func fdDomain(disks string) string {
	return `<domain type='kvm'><name>fd</name><memory>65536</memory>
<os><type arch='x86_64' machine='pc'>hvm</type></os><devices>
<controller type='pci' index='0' model='pci-root'/>` + disks + `</devices></domain>`
}

func TestDiskFDGroups(t *testing.T) {
	const disks = `<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='/a' fdgroup='one'/><target dev='vda' bus='virtio'/></disk>
<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/b' fdgroup='two'/>
<backingStore type='file'><format type='raw'/><source file='/c' fdgroup='back'/><backingStore/></backingStore><target dev='vdb' bus='virtio'/></disk>`
	got, err := buildWithContext(t, fdDomain(disks), func(c *Context) {
		c.FDGroups = map[string]FDGroup{
			"one":  {FDs: []int{10, 11}},
			"two":  {FDs: []int{12}, Writable: true},
			"back": {FDs: []int{13}},
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	// vdb is prepared first (disks last to first), its chain top down.
	for _, want := range []string{
		"-add-fd set=0,fd=12,opaque=libvirt-1-storage0 \\\n-add-fd set=1,fd=13,opaque=libvirt-2-storage0 \\\n",
		`{"driver":"file","filename":"/dev/fdset/1","node-name":"libvirt-2-storage","read-only":true,"discard":"unmap"}`,
		`{"driver":"file","filename":"/dev/fdset/0","node-name":"libvirt-1-storage","read-only":false,"discard":"unmap"}`,
		"-add-fd set=2,fd=10,opaque=libvirt-3-storage0 \\\n-add-fd set=2,fd=11,opaque=libvirt-3-storage1 \\\n",
		`{"driver":"file","filename":"/dev/fdset/2","node-name":"libvirt-3-storage","auto-read-only":true,"discard":"unmap"}`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %s in\n%s", want, got)
		}
	}

	_, err = buildWithContext(t, fdDomain(disks), nil)
	var ve *virterr.Error
	if !errors.As(err, &ve) || ve.Code != virterr.InvalidArg || !strings.Contains(err.Error(), "file descriptor group 'two' was not associated with the domain") {
		t.Errorf("unassociated group: %v", err)
	}
}

func TestChannelPathsAndSpicevmc(t *testing.T) {
	const x = `<domain type='kvm'><name>ch</name><memory>65536</memory>
<os><type arch='x86_64' machine='pc'>hvm</type></os><devices>
<controller type='pci' index='0' model='pci-root'/><controller type='virtio-serial' index='0'/><controller type='usb' index='0' model='qemu-xhci'/><controller type='ccid' index='0'/>
<channel type='unix'><source mode='bind'/><target type='virtio' name='org.qemu.guest_agent.0'/></channel>
<channel type='unix'><source mode='bind'/><target type='virtio'/><address type='virtio-serial' controller='0' bus='0' port='3'/></channel>
<channel type='unix'><source mode='bind' path='/run/mine.sock'/><target type='virtio' name='mine'/></channel>
<smartcard mode='passthrough' type='spicevmc'/>
<graphics type='spice' autoport='yes'/><video><model type='none'/></video>
</devices></domain>`
	got, err := buildWithContext(t, x, func(c *Context) { c.ListenFD = nil },
		caps.DeviceQEMUXHCI, caps.CcidPassthru, caps.Spice)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"path=/var/lib/libvirt/qemu/channel/target/domain--1-ch/org.qemu.guest_agent.0,server=on",
		"path=/var/lib/libvirt/qemu/channel/target/domain--1-ch/vioser-00-00-03.sock,server=on",
		"path=/run/mine.sock,server=on",
		"-chardev spicevmc,id=charsmartcard0,name=smartcard",
		"-spice port=5901,tls-port=5902,",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %s in\n%s", want, got)
		}
	}
}

func TestCPUValidation(t *testing.T) {
	cases := []struct{ cpu, err string }{
		{`<cpu mode='host-passthrough'><cache level='2' mode='emulate'/></cpu>`, "CPU cache mode 'emulate' can only be used with level='3'"},
		{`<cpu mode='host-passthrough'><cache level='3' mode='passthrough'/></cpu>`, "unsupported CPU cache level for mode 'passthrough'"},
		{`<cpu mode='host-model'><cache mode='passthrough'/></cpu>`, "CPU cache mode 'passthrough' can only be used with 'host-passthrough' / 'maximum' CPUs"},
		{`<cpu mode='host-passthrough'><cache level='3' mode='disable'/></cpu>`, "unsupported CPU cache level for mode 'disable'"},
		{`<cpu mode='host-passthrough'><maxphysaddr mode='emulate'/></cpu>`, "if using CPU maximum physical address mode='emulate', bits= must be specified too"},
		{`<cpu mode='host-passthrough'><maxphysaddr mode='passthrough' bits='42'/></cpu>`, "CPU maximum physical address bits number specification cannot be used with mode='passthrough'"},
		{`<cpu mode='host-model'><maxphysaddr mode='passthrough'/></cpu>`, "CPU maximum physical address bits mode 'passthrough' can only be used with 'host-passthrough' CPUs"},
	}
	for _, c := range cases {
		x := `<domain type='kvm'><name>c</name><memory>65536</memory><os><type arch='x86_64' machine='pc'>hvm</type></os>` + c.cpu + `</domain>`
		_, err := buildWithContext(t, x, nil)
		var ve *virterr.Error
		if !errors.As(err, &ve) || ve.Code != virterr.ConfigUnsupported || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%s: got %v, want %q", c.cpu, err, c.err)
		}
	}
}

func TestVCPUValidation(t *testing.T) {
	cases := []struct{ vcpu, machine, extra, err string }{
		{`<vcpu>4</vcpu><cpu><topology sockets='1' dies='1' cores='2' threads='1'/></cpu>`, "pc", "", "CPU topology doesn't match maximum vcpu count"},
		{`<vcpu>300</vcpu>`, "pc", "", "Maximum CPUs greater than specified machine type limit 255"},
	}
	for _, c := range cases {
		x := `<domain type='kvm'><name>c</name><memory>65536</memory>` + c.vcpu + `<os><type arch='x86_64' machine='` + c.machine + `'>hvm</type></os><devices>` + c.extra + `</devices></domain>`
		_, err := buildWithContext(t, x, nil, caps.QueryHotpluggableCPUs)
		var ve *virterr.Error
		if !errors.As(err, &ve) || ve.Code != virterr.ConfigUnsupported || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%s: got %v, want %q", c.vcpu, err, c.err)
		}
	}
	x := `<domain type='kvm'><name>c</name><memory>65536</memory><vcpu>4</vcpu><os><type arch='x86_64' machine='pc'>hvm</type></os><cpu><topology sockets='2' dies='1' cores='2' threads='1'/></cpu></domain>`
	if _, err := buildWithContext(t, x, nil, caps.QueryHotpluggableCPUs); err != nil {
		t.Errorf("matching topology: %v", err)
	}
}

func TestManyVCPUsNeedQ35AndEIM(t *testing.T) {
	for machine, want := range map[string]string{
		"pc":  "more than 255 vCPUs are only supported on q35-based machine types",
		"q35": "more than 255 vCPUs require extended interrupt mode enabled on the iommu device",
	} {
		def, err := domain.Parse([]byte(`<domain type='kvm'><name>c</name><memory>65536</memory><vcpu>300</vcpu><os><type arch='x86_64' machine='`+machine+`'>hvm</type></os></domain>`), domain.ParseInactive)
		if err != nil {
			t.Fatal(err)
		}
		qc := testCaps()
		for _, vt := range []caps.VirtType{caps.VirtKVM, caps.VirtTCG} {
			for i := range qc.Accel(vt).Machines {
				qc.Accel(vt).Machines[i].MaxCpus = 1024
			}
		}
		_, err = Build(def, qc, TestContext(def.Name))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want %q", machine, err, want)
		}
	}
}

func TestDomainValidation(t *testing.T) {
	cases := []struct{ typ, body, err string }{
		{"qemu", `<cpu mode='host-passthrough'/>`, "CPU mode 'host-passthrough' for x86_64 qemu domain on x86_64 host is not supported by hypervisor"},
		{"kvm", `<cpu mode='maximum'/>`, "CPU mode 'maximum' for x86_64 kvm domain on x86_64 host is not supported by hypervisor"},
		{"kvm", `<features><hpt resizing='enabled'/></features>`, "The 'hpt' feature is not supported for architecture 'x86_64' or machine type 'pc'"},
		{"kvm", `<features><htm state='on'/></features>`, "The 'htm' feature is not supported for architecture 'x86_64' or machine type 'pc'"},
		{"kvm", `<devices><controller type='pci' index='0' model='pci-root'><address type='pci' domain='0' bus='0' slot='1' function='0'/></controller></devices>`, "pci-root and pcie-root controllers should not have an address"},
	}
	for _, c := range cases {
		x := `<domain type='` + c.typ + `'><name>c</name><memory>65536</memory><os><type arch='x86_64' machine='pc'>hvm</type></os>` + c.body + `</domain>`
		_, err := buildWithContext(t, x, nil)
		var ve *virterr.Error
		if !errors.As(err, &ve) || ve.Code != virterr.ConfigUnsupported || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%s: got %v, want %q", c.body, err, c.err)
		}
	}
}

func TestShmems(t *testing.T) {
	const x = `<domain type='kvm'><name>shm</name><memory>65536</memory>
<os><type arch='x86_64' machine='pc'>hvm</type></os><devices>
<controller type='pci' index='0' model='pci-root'/>
<shmem name='plain' role='master'><model type='ivshmem-plain'/><size unit='M'>4</size><alias name='shmem0'/><address type='pci' domain='0' bus='0' slot='2' function='0'/></shmem>
<shmem name='bell'><model type='ivshmem-doorbell'/><server/><msi vectors='8' ioeventfd='on'/><alias name='shmem1'/><address type='pci' domain='0' bus='0' slot='3' function='0'/></shmem>
</devices></domain>`
	got, err := buildWithContext(t, x, nil, caps.DeviceIvshmemPlain, caps.DeviceIvshmemDoorbell)
	if err != nil {
		t.Fatal(err)
	}
	want := `-object '{"qom-type":"memory-backend-file","id":"shmmem-shmem0","mem-path":"/dev/shm/plain","size":4194304,"share":true}' \
-device '{"driver":"ivshmem-plain","id":"shmem0","memdev":"shmmem-shmem0","master":"on","bus":"pci.0","addr":"0x2"}' \
-device '{"driver":"ivshmem-doorbell","id":"shmem1","chardev":"charshmem1","vectors":8,"ioeventfd":true,"bus":"pci.0","addr":"0x3"}' \
-chardev socket,id=charshmem1,path=/var/lib/libvirt/shmem-bell-sock \
`
	if !strings.Contains(got, want) {
		t.Errorf("missing\n%s\nin\n%s", want, got)
	}
	for body, msg := range map[string]string{
		`<shmem name='a'><model type='ivshmem-plain'/><size unit='K'>1536</size></shmem>`:           "shmem size must be a power of two",
		`<shmem name='a'><model type='ivshmem-plain'/><size unit='K'>512</size></shmem>`:            "shmem size must be at least 1 MiB (1024 KiB)",
		`<shmem name='a'><model type='ivshmem'/></shmem>`:                                           "ivshmem device is not supported with this QEMU binary",
		`<shmem name='a'><model type='ivshmem-plain'/><address type='isa' iobase='0x505'/></shmem>`: "only 'pci' addresses are supported for the shared memory device",
	} {
		x := `<domain type='kvm'><name>s</name><memory>65536</memory><os><type arch='x86_64' machine='pc'>hvm</type></os><devices><controller type='pci' index='0' model='pci-root'/>` + body + `</devices></domain>`
		if _, err := buildWithContext(t, x, nil, caps.DeviceIvshmemPlain); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("%s: got %v, want %q", body, err, msg)
		}
	}
}

func TestReservationsAndVMCoreInfo(t *testing.T) {
	x := `<domain type='kvm'><name>pr</name><memory>65536</memory>
<os><type arch='x86_64' machine='pc'>hvm</type></os><features><vmcoreinfo state='on'/></features><devices>
<controller type='pci' index='0' model='pci-root'/><controller type='scsi' index='0' model='virtio-scsi'/>
<disk type='block' device='lun'><driver name='qemu' type='raw'/><source dev='/dev/a'><reservations managed='yes'/></source><target dev='sda' bus='scsi'/></disk>
<disk type='block' device='lun'><driver name='qemu' type='raw'/><source dev='/dev/b'><reservations managed='no'><source type='unix' path='/run/pr.sock' mode='client'/></reservations></source><target dev='sdb' bus='scsi'/></disk>
</devices></domain>`
	got, err := buildWithContext(t, x, nil, caps.DeviceVmcoreinfo, caps.VirtioSCSI, caps.SCSIBlock, caps.PrManagerHelper)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`-object '{"qom-type":"pr-manager-helper","id":"pr-helper0","path":"/tmp/lib/domain--1-pr/pr-helper0.sock"}'`,
		`{"driver":"host_device","filename":"/dev/a","pr-manager":"pr-helper0","node-name":"libvirt-2-storage",`,
		`-object '{"qom-type":"pr-manager-helper","id":"pr-helper-libvirt-1-storage","path":"/run/pr.sock"}' \` + "\n" +
			`-blockdev '{"driver":"host_device","filename":"/dev/b","pr-manager":"pr-helper-libvirt-1-storage","node-name":"libvirt-1-storage",`,
		`-device '{"driver":"vmcoreinfo"}'`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %s in\n%s", want, got)
		}
	}
	x = `<domain type='kvm'><name>v</name><memory>65536</memory><os><type arch='x86_64' machine='pc'>hvm</type></os><features><vmcoreinfo state='on'/></features></domain>`
	if _, err := buildWithContext(t, x, nil); err == nil || !strings.Contains(err.Error(), "vmcoreinfo is not available with this QEMU binary") {
		t.Errorf("vmcoreinfo without the device: %v", err)
	}
}

func TestCompatDeprecatedAndIncoming(t *testing.T) {
	const x = `<domain type='kvm' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'><name>d</name><memory>65536</memory>
<os><type arch='x86_64' machine='pc'>hvm</type></os><qemu:deprecation behavior='%s'/></domain>`
	for behavior, want := range map[string]string{
		"omit":   `-compat '{"deprecated-output":"hide"}'`,
		"reject": `-compat '{"deprecated-output":"hide","deprecated-input":"reject"}'`,
		"crash":  `-compat '{"deprecated-output":"hide","deprecated-input":"crash"}'`,
		"none":   "",
	} {
		got, err := buildWithContext(t, strings.Replace(x, "%s", behavior, 1), func(c *Context) { c.IncomingURI = "defer" }, caps.CompatDeprecated)
		if err != nil {
			t.Fatal(err)
		}
		if (want == "") == strings.Contains(got, "-compat") || want != "" && !strings.Contains(got, "-name guest=d,debug-threads=on \\\n"+want+" \\\n") {
			t.Errorf("%s: want %q in\n%s", behavior, want, got)
		}
		if !strings.Contains(got, "-incoming defer \\\n") {
			t.Errorf("no -incoming in\n%s", got)
		}
	}
}

func TestDBusDisplayAddressAndListens(t *testing.T) {
	x := `<domain type='kvm'><name>d</name><memory>65536</memory><os><type arch='x86_64' machine='pc'>hvm</type></os>
<devices><graphics type='dbus'/><video><model type='none'/></video></devices></domain>`
	got, err := buildWithContext(t, x, nil, caps.DisplayDbus)
	if err != nil {
		t.Fatal(err)
	}
	if want := "-display dbus,addr=unix:path=/bad-test-used-env-xdg-runtime-dir/libvirt/qemu/run/dbus/-1-d-dbus.sock \\\n"; !strings.Contains(got, want) {
		t.Errorf("missing %s in\n%s", want, got)
	}
	x = `<domain type='kvm'><name>d</name><memory>65536</memory><os><type arch='x86_64' machine='pc'>hvm</type></os>
<devices><graphics type='vnc'><listen type='address' address='127.0.0.1'/><listen type='address' address='::1'/></graphics><video><model type='none'/></video></devices></domain>`
	if _, err := buildWithContext(t, x, nil, caps.VNC); err == nil || !strings.Contains(err.Error(), "QEMU does not support multiple listens for one graphics device.") {
		t.Errorf("two listens: %v", err)
	}
}

func TestDeviceDetailsFromLibvirt(t *testing.T) {
	x := `<domain type='kvm'><name>d</name><memory>65536</memory><os><type arch='x86_64' machine='pc'>hvm</type></os><devices>
<controller type='pci' index='0' model='pci-root'/><controller type='virtio-serial' index='0'/>
<channel type='spicevmc'><target type='virtio'/></channel>
<rng model='virtio'><backend model='random'/></rng>
<graphics type='spice' port='5903' autoport='no'/>
<video><model type='qxl' ram='65536' vram='65536' vgamem='8192' heads='1' primary='yes'><resolution x='1280' y='720'/></model></video>
</devices></domain>`
	got, err := buildWithContext(t, x, nil, caps.Spice, caps.DeviceQXL, caps.DeviceVirtioRNG, caps.ObjectRNGRandom)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`"chardev":"charchannel0","id":"channel0","name":"com.redhat.spice.0"}`,
		`{"qom-type":"rng-random","id":"objrng0","filename":"/dev/random"}`,
		`"vgamem_mb":8,"xres":1280,"yres":720,`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %s in\n%s", want, got)
		}
	}
}
