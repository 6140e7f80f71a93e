package command

import (
	"strings"
	"testing"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/drivers/qemu/caps"
	"github.com/govirt/govirt/virt/virterr"
)

func buildXML(t *testing.T, qc *caps.Caps, x string) (string, error) {
	t.Helper()
	def, err := domain.Parse([]byte(x), domain.ParseInactive)
	if err != nil {
		t.Fatal(err)
	}
	if err := def.PostParse(domain.PostParseOptions{}); err != nil {
		t.Fatal(err)
	}
	cmd, err := Build(def, qc, TestContext(def.Name))
	if err != nil {
		return "", err
	}
	return cmd.String(), nil
}

func TestMemoryDevices(t *testing.T) {
	qc := testCaps()
	qc.Set(caps.ThreadContext, caps.MemoryBackendReserve, caps.DeviceNVDIMMUnarmed)
	const x = `<domain type='kvm'><name>m</name>
<maxMemory slots='16' unit='KiB'>1099511627776</maxMemory><memory unit='KiB'>2095104</memory>
<vcpu>2</vcpu><numatune><memory mode='strict' nodeset='0'/></numatune>
<os><type arch='x86_64' machine='pc'>hvm</type></os>
<cpu><numa><cell id='0' cpus='0-1' memory='1048576' unit='KiB'/></numa></cpu>
<memoryBacking><hugepages><page size='2048' unit='KiB'/></hugepages></memoryBacking>
<devices>
<memory model='dimm'><target><size unit='KiB'>523264</size><node>0</node></target><address type='dimm' slot='0' base='0x100000000'/></memory>
<memory model='nvdimm' access='private'><source><path>/tmp/nvdimm</path><pmem/></source><target><size unit='KiB'>524288</size><node>0</node><label><size unit='KiB'>128</size></label><readonly/></target><address type='dimm' slot='1'/></memory>
</devices></domain>`
	got, err := buildXML(t, qc, x)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`-object '{"qom-type":"thread-context","id":"tc-memdimm0","node-affinity":[0]}'`,
		`-object '{"qom-type":"memory-backend-file","id":"memdimm0","mem-path":"/dev/hugepages2M/libvirt/qemu/-1-m","prealloc":true,"size":536870912,"host-nodes":[0],"policy":"bind","prealloc-context":"tc-memdimm0"}'`,
		`-device '{"driver":"pc-dimm","node":0,"memdev":"memdimm0","id":"dimm0","slot":0,"addr":4294967296}'`,
		`-object '{"qom-type":"memory-backend-file","id":"memnvdimm1","mem-path":"/tmp/nvdimm","share":false,"size":536870912,"pmem":true,"host-nodes":[0],"policy":"bind"}'`,
		`-device '{"driver":"nvdimm","node":0,"label-size":131072,"unarmed":true,"memdev":"memnvdimm1","id":"nvdimm1","slot":1}'`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %s in\n%s", want, got)
		}
	}
}

func TestValidateDomain(t *testing.T) {
	const x = `<domain type='%s'><name>v</name><memory>1024</memory><os><type arch='%s' machine='%s'>hvm</type></os>%s<on_poweroff>%s</on_poweroff></domain>`
	cases := []struct {
		virt, arch, machine, extra, poweroff, want string
	}{
		{"qemu", "alpha", "pc", "", "destroy", "does not support arch 'alpha'"},
		{"hvf", "x86_64", "pc", "", "destroy", "does not support virt type 'hvf'"},
		{"qemu", "x86_64", "nosuch", "", "destroy", "does not support machine type 'nosuch'"},
		{"qemu", "x86_64", "pc", "<genid/>", "destroy", "'genid' capability"},
		{"qemu", "x86_64", "pc", "", "preserve", "'preserve' action"},
	}
	for _, c := range cases {
		s := strings.NewReplacer().Replace(x)
		for _, v := range []string{c.virt, c.arch, c.machine, c.extra, c.poweroff} {
			s = strings.Replace(s, "%s", v, 1)
		}
		_, err := buildXML(t, testCaps(), s)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: got %v", c, err)
			continue
		}
		if virterr.CodeOf(err) != virterr.ConfigUnsupported {
			t.Errorf("%+v: code %v", c, virterr.CodeOf(err))
		}
	}
}
