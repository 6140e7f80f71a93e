package qemu

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/virt/virterr"
)

// vcpuXML formats just the <vcpu> and <vcpus> lines of def.
func vcpuXML(t *testing.T, def *domain.Def) string {
	t.Helper()
	var lines []string
	for _, l := range strings.Split(def.Format(domain.FormatInactive), "\n") {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "<vcpu") || strings.HasPrefix(l, "</vcpus") {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n")
}

// The expectations are what libvirtd 9.0 writes for the same calls
// (virsh setvcpus … --config [--hotpluggable] / --maximum --config).
func TestSetVcpusConfig(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		edit       func(def *domain.Def)
		want       string
	}{
		{"plug", "<vcpu current='1'>3</vcpu>", func(d *domain.Def) { setVcpusConfig(d, 2, false) },
			"<vcpu placement='static' current='2'>3</vcpu>"},
		{"plug all", "<vcpu current='1'>3</vcpu>", func(d *domain.Def) { setVcpusConfig(d, 3, false) },
			"<vcpu placement='static'>3</vcpu>"},
		{"plug hotpluggable", "<vcpu cpuset='1' current='1'>3</vcpu>", func(d *domain.Def) { setVcpusConfig(d, 2, true) },
			"<vcpu placement='static' cpuset='1' current='2'>3</vcpu>\n<vcpus>\n" +
				"<vcpu id='0' enabled='yes' hotpluggable='no'/>\n<vcpu id='1' enabled='yes' hotpluggable='yes'/>\n" +
				"<vcpu id='2' enabled='no'/>\n</vcpus>"},
		{"unplug with list", "<vcpu current='3'>3</vcpu><vcpus><vcpu id='0' enabled='yes' hotpluggable='no' order='1'/>" +
			"<vcpu id='1' enabled='yes' hotpluggable='yes' order='3'/><vcpu id='2' enabled='yes' hotpluggable='yes' order='2'/></vcpus>",
			func(d *domain.Def) { setVcpusConfig(d, 1, false) },
			"<vcpu placement='static' current='1'>3</vcpu>\n<vcpus>\n" +
				"<vcpu id='0' enabled='yes' hotpluggable='no'/>\n<vcpu id='1' enabled='no' hotpluggable='yes'/>\n" +
				"<vcpu id='2' enabled='no' hotpluggable='yes'/>\n</vcpus>"},
		{"raise maximum", "<vcpu current='1'>2</vcpu>", func(d *domain.Def) { setVcpusMax(d, 3) },
			"<vcpu placement='static' current='1'>3</vcpu>"},
		{"raise maximum of a full guest", "<vcpu>2</vcpu>", func(d *domain.Def) { setVcpusMax(d, 4) },
			"<vcpu placement='static' current='2'>4</vcpu>"},
		{"lower maximum", "<vcpu current='3'>4</vcpu>", func(d *domain.Def) { setVcpusMax(d, 2) },
			"<vcpu placement='static'>2</vcpu>"},
		{"lower maximum drops pins", "<vcpu>2</vcpu><cputune><vcpupin vcpu='0' cpuset='1'/><vcpupin vcpu='1' cpuset='0'/></cputune>",
			func(d *domain.Def) { setVcpusMax(d, 1) },
			"<vcpu placement='static'>1</vcpu>\n<vcpupin vcpu='0' cpuset='1'/>"},
	} {
		def := parseTestDef(t, tc.body)
		tc.edit(def)
		if got := vcpuXML(t, def); got != tc.want {
			t.Errorf("%s:\n%s\nwant\n%s", tc.name, got, tc.want)
		}
	}
}

func TestCheckMaxVcpus(t *testing.T) {
	def := parseTestDef(t, "<vcpu>4</vcpu><cpu><topology sockets='1' dies='1' cores='2' threads='2'/></cpu>")
	if err := checkMaxVcpus(def, 4); err != nil {
		t.Errorf("matching topology: %v", err)
	}
	err := checkMaxVcpus(def, 3)
	var ve *virterr.Error
	if !errors.As(err, &ve) || ve.Code != virterr.InvalidArg || ve.Message != "invalid argument: CPU topology doesn't match the desired vcpu count" {
		t.Errorf("topology mismatch: %v", err)
	}
}

func TestVcpuThreadIDs(t *testing.T) {
	def := parseTestDef(t, "<vcpu current='2'>4</vcpu><vcpus><vcpu id='0' enabled='yes' hotpluggable='no'/>"+
		"<vcpu id='1' enabled='no' hotpluggable='yes'/><vcpu id='2' enabled='yes' hotpluggable='yes'/><vcpu id='3' enabled='no' hotpluggable='yes'/></vcpus>")
	got := vcpuThreadIDs(def, []int{100, 102})
	if len(got) != 2 || got[0] != 100 || got[2] != 102 {
		t.Errorf("threads %v", got)
	}
}

func TestAffectedDefs(t *testing.T) {
	def := parseTestDef(t, "<vcpu>1</vcpu>")
	inactive := &domainObj{def: def, persistent: true}
	if live, config, err := affectedDefs(inactive, 0); err != nil || live || !config {
		t.Errorf("current on inactive: %v %v %v", live, config, err)
	}
	_, _, err := affectedDefs(inactive, affectLive)
	if virterr.CodeOf(err) != virterr.OperationInvalid || err.Error() != "Requested operation is not valid: domain is not running" {
		t.Errorf("live on inactive: %v", err)
	}
	transient := &domainObj{def: def, live: def, proc: &qemuProcess{}}
	_, _, err = affectedDefs(transient, affectConfig)
	if err == nil || err.Error() != "Requested operation is not valid: transient domains do not have any persistent config" {
		t.Errorf("config on transient: %v", err)
	}
	_, _, err = oneAffectedDef(transient, affectLive|affectConfig)
	if virterr.CodeOf(err) != virterr.InvalidArg {
		t.Errorf("both flags: %v", err)
	}
}

func TestThreadStatOfSelf(t *testing.T) {
	pid := os.Getpid()
	tasks, err := os.ReadDir(filepath.Join("/proc", strconv.Itoa(pid), "task"))
	if err != nil || len(tasks) == 0 {
		t.Skip("no /proc")
	}
	tid, _ := strconv.Atoi(tasks[0].Name())
	_, cpu, err := threadStat(pid, tid)
	if err != nil {
		t.Fatal(err)
	}
	if cpu < 0 || int(cpu) >= hostCPUCount() {
		t.Errorf("last CPU %d out of the host's %d", cpu, hostCPUCount())
	}
}

// TestPlugStartupVcpus: vCPUs online but hotpluggable are plugged after
// QEMU starts, as libvirtd 9.0 does (its live XML then numbers them).
func TestPlugStartupVcpus(t *testing.T) {
	if os.Geteuid() != 0 || testing.Short() {
		t.Skip("starts QEMU as root")
	}
	d, h := abiTestDriver(t, t.TempDir())
	ctx := context.Background()
	xml := "<domain type='qemu'><name>hp</name><memory unit='MiB'>64</memory>" +
		"<vcpu placement='static' current='2'>3</vcpu><vcpus><vcpu id='0' enabled='yes' hotpluggable='no'/>" +
		"<vcpu id='1' enabled='no' hotpluggable='yes'/><vcpu id='2' enabled='yes' hotpluggable='yes'/></vcpus>" +
		"<os><type arch='x86_64' machine='pc'>hvm</type></os><devices><memballoon model='none'/></devices></domain>"
	ref, err := h.DomainCreateXML(ctx, xml, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer h.DomainDestroy(ctx, ref)
	o, p, err := d.running(ref)
	if err != nil {
		t.Fatal(err)
	}
	o.mu.Lock()
	def := o.live
	o.mu.Unlock()
	// The start plugged vCPU 2 (pinThreads); plugging again changes nothing.
	if err := p.plugStartupVcpus(ctx, def); err != nil {
		t.Fatal(err)
	}
	if len(p.vcpus) != 2 {
		t.Errorf("vCPU threads after plugging: %v", p.vcpus)
	}
	want := "<vcpu placement='static' current='2'>3</vcpu>\n<vcpus>\n<vcpu id='0' enabled='yes' hotpluggable='no' order='1'/>\n" +
		"<vcpu id='1' enabled='no' hotpluggable='yes'/>\n<vcpu id='2' enabled='yes' hotpluggable='yes' order='2'/>\n</vcpus>"
	if got := vcpuXML(t, def); got != want {
		t.Errorf("live vCPUs:\n%s\nwant\n%s", got, want)
	}
	info, err := h.DomainGetVcpus(ctx, ref, 3, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(info.Info) != 2 || info.Info[1].Number != 2 || len(info.Cpumaps) != 3 {
		t.Errorf("vcpuinfo %+v", info)
	}
}

func TestCPUMapsBounds(t *testing.T) {
	c := &conn{d: &Driver{}}
	ctx := context.Background()
	_, err := c.DomainGetVcpus(ctx, driver.DomainRef{}, 1<<20, 1)
	if virterr.CodeOf(err) != virterr.RPC || !strings.HasSuffix(err.Error(), "maxinfo > REMOTE_VCPUINFO_MAX") {
		t.Errorf("huge maxinfo: %v", err)
	}
	_, err = c.DomainGetVcpuPinInfo(ctx, driver.DomainRef{}, 16384, 1<<20, 0)
	if virterr.CodeOf(err) != virterr.RPC {
		t.Errorf("huge maps: %v", err)
	}
	_, err = c.DomainGetEmulatorPinInfo(ctx, driver.DomainRef{}, 0, 0)
	if virterr.CodeOf(err) != virterr.InvalidArg {
		t.Errorf("zero maplen: %v", err)
	}
}

func TestUpdateAgentCPUs(t *testing.T) {
	cpus := func() []agentCPU {
		return []agentCPU{{ID: 0, Online: true, Offlinable: true}, {ID: 1, Online: true, Offlinable: true},
			{ID: 2, Online: false, Offlinable: true}, {ID: 3, Online: true, Offlinable: true}}
	}
	changed := func(c []agentCPU) string {
		var s []string
		for _, x := range c {
			if x.modified {
				s = append(s, strconv.Itoa(x.ID)+"="+strconv.FormatBool(x.Online))
			}
		}
		return strings.Join(s, ",")
	}
	c := cpus()
	if err := updateAgentCPUs(1, c); err != nil || changed(c) != "1=false,3=false" {
		t.Errorf("down to 1: %v %s", err, changed(c))
	}
	c = cpus()
	if err := updateAgentCPUs(4, c); err != nil || changed(c) != "2=true" {
		t.Errorf("up to 4: %v %s", err, changed(c))
	}
	c = cpus()
	c[1].Offlinable, c[3].Offlinable = false, false
	if err := updateAgentCPUs(1, c); virterr.CodeOf(err) != virterr.InvalidArg {
		t.Errorf("cannot offline: %v", err)
	}
	if err := updateAgentCPUs(5, cpus()); virterr.CodeOf(err) != virterr.InternalError {
		t.Errorf("more than the agent knows: %v", err)
	}
}

func TestVcpuRemovedOnlyTakesVcpuAliases(t *testing.T) {
	p := &qemuProcess{}
	for _, alias := range []string{"net0", "vcpu", "vcpu01", "vcpux", "ua-vcpu1"} {
		if p.vcpuRemoved(alias) {
			t.Errorf("%q taken for a vCPU", alias)
		}
	}
}

func TestGetVcpusFlags(t *testing.T) {
	d := &Driver{}
	def := parseTestDef(t, "<vcpu current='1'>3</vcpu>")
	o := &domainObj{def: def, persistent: true}
	d.domains = []*domainObj{o}
	c := &conn{d: d}
	ctx := context.Background()
	ref := driver.DomainRef{Name: "a", UUID: driver.UUID(def.UUID)}
	if n, err := c.getVcpusFlags(ctx, ref, 0); err != nil || n != 1 {
		t.Errorf("current: %d %v", n, err)
	}
	if n, err := c.getVcpusFlags(ctx, ref, affectConfig|vcpuFlagMaximum); err != nil || n != 3 {
		t.Errorf("maximum: %d %v", n, err)
	}
	if _, err := c.getVcpusFlags(ctx, ref, affectLive); err == nil || err.Error() != "Requested operation is not valid: domain is not running" {
		t.Errorf("live of inactive: %v", err)
	}
	if _, err := c.getVcpusFlags(ctx, ref, vcpuFlagGuest); err == nil || err.Error() != "invalid argument: vCPU count provided by the guest agent can only be requested for live domains" {
		t.Errorf("guest of inactive: %v", err)
	}
	if _, err := c.getVcpusFlags(ctx, ref, 1<<7); virterr.CodeOf(err) != virterr.InvalidArg {
		t.Errorf("unknown flag: %v", err)
	}
}
