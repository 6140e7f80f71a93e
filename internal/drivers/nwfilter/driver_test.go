package nwfilter

import (
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/govirt/govirt/internal/cmdrun"
	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/internal/drivers/nwfilter/library"
	"github.com/govirt/govirt/internal/golden"
	"github.com/govirt/govirt/virt/virterr"
)

func readTestdata(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func wantCode(t *testing.T, err error, code virterr.Code) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %v", code)
	}
	if got := virterr.CodeOf(err); got != code {
		t.Fatalf("error %v has code %v, want %v", err, got, code)
	}
}

var ctx = context.Background()

func TestLibraryDefinedAtStartAndKept(t *testing.T) {
	root := t.TempDir()
	_, c := testDriver(t, root, cmdrun.NewRecorder(), newFakeHost())
	n, err := c.ConnectNumOfNWFilters(ctx)
	if err != nil || int(n) != len(library.Names()) {
		t.Fatalf("%d filters (%v), want %d", n, err, len(library.Names()))
	}
	ref, err := c.NWFilterLookupByName(ctx, "clean-traffic")
	if err != nil {
		t.Fatal(err)
	}
	saved, err := os.ReadFile(filepath.Join(root, "etc/libvirt/nwfilter/clean-traffic.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(saved), "<!--\nWARNING: THIS IS AN AUTO-GENERATED FILE.") ||
		!strings.Contains(string(saved), "virsh nwfilter-edit clean-traffic\n") {
		t.Errorf("saved filter lacks libvirt's header:\n%s", saved)
	}
	// a second daemon on the same root keeps the UUIDs
	_, c2 := testDriver(t, root, cmdrun.NewRecorder(), newFakeHost())
	ref2, err := c2.NWFilterLookupByName(ctx, "clean-traffic")
	if err != nil || ref2 != ref {
		t.Fatalf("after restart %v (%v), want %v", ref2, err, ref)
	}
}

func TestDefineLookupUndefine(t *testing.T) {
	root := t.TempDir()
	_, c := testDriver(t, root, cmdrun.NewRecorder(), newFakeHost())
	xml := readTestdata(t, "filter-web.xml")
	ref, err := c.NWFilterDefineXML(ctx, xml)
	if err != nil {
		t.Fatal(err)
	}
	byUUID, err := c.NWFilterLookupByUUID(ctx, ref.UUID)
	if err != nil || byUUID != ref {
		t.Fatalf("lookup by UUID: %v %v", byUUID, err)
	}
	got, err := c.NWFilterGetXMLDesc(ctx, ref, 0)
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "filter-web.dump.xml"), got)

	// the same name with another UUID, the same UUID with another name
	_, err = c.NWFilterDefineXML(ctx, strings.Replace(xml, "5c6d49af-b071-6127-b4ec-6f8ed4b55335", "5c6d49af-b071-6127-b4ec-6f8ed4b55336", 1))
	wantCode(t, err, virterr.OperationFailed)
	_, err = c.NWFilterDefineXML(ctx, strings.Replace(xml, "name='govirt-web'", "name='govirt-web2'", 1))
	wantCode(t, err, virterr.OperationFailed)
	// a loop through the filter being defined
	_, err = c.NWFilterDefineXML(ctx, "<filter name='loop-a' chain='root'><filterref filter='loop-b'/></filter>")
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.NWFilterDefineXML(ctx, "<filter name='loop-b' chain='root'><filterref filter='loop-a'/></filter>")
	wantCode(t, err, virterr.OperationFailed)
	// malformed rules
	_, err = c.NWFilterDefineXML(ctx, "<filter name='bad' chain='root'><rule action='drop' direction='in'><tcp dstportstart='x'/></rule></filter>")
	if err == nil {
		t.Fatal("a malformed rule was accepted")
	}
	// redefining without a UUID keeps the filter's identity
	ref2, err := c.NWFilterDefineXML(ctx, "<filter name='govirt-web' chain='ipv4'/>")
	if err != nil || ref2 != ref {
		t.Fatalf("redefinition gave %v (%v), want %v", ref2, err, ref)
	}

	if err := c.NWFilterUndefine(ctx, ref); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "etc/libvirt/nwfilter/govirt-web.xml")); !os.IsNotExist(err) {
		t.Errorf("config file left after undefine: %v", err)
	}
	_, err = c.NWFilterLookupByName(ctx, "govirt-web")
	wantCode(t, err, virterr.NoNwfilter)
	_, err = c.NWFilterLookupByUUID(ctx, ref.UUID)
	wantCode(t, err, virterr.NoNwfilter)

	ro := testConnReadOnly(t, root)
	_, err = ro.NWFilterDefineXML(ctx, xml)
	wantCode(t, err, virterr.OperationDenied)
}

func testConnReadOnly(t *testing.T, root string) driver.NWFilter {
	d, _ := testDriver(t, root, cmdrun.NewRecorder(), newFakeHost())
	return d.Connect(driver.OpenReadOnly).NWFilter
}

const bindingXML = `<filterbinding>
  <owner>
    <name>guest1</name>
    <uuid>c7a5fdbd-cdaf-9455-926a-d65c16db1809</uuid>
  </owner>
  <portdev name='vnet0'/>
  <mac address='52:54:00:12:34:56'/>
  <filterref filter='clean-traffic'>
    <parameter name='IP' value='192.0.2.7'/>
  </filterref>
</filterbinding>
`

func TestBindingLifecycle(t *testing.T) {
	checkNoLeaks(t)
	root := t.TempDir()
	rec := cmdrun.NewRecorder()
	_, c := testDriver(t, root, rec, newFakeHost("vnet0"))
	rec.Reset()
	ref, err := c.NWFilterBindingCreateXML(ctx, bindingXML, 0)
	if err != nil {
		t.Fatal(err)
	}
	if ref != (driver.NWFilterBindingRef{Portdev: "vnet0", Filtername: "clean-traffic"}) {
		t.Fatalf("ref %+v", ref)
	}
	golden.Check(t, filepath.Join("testdata", "binding-create.args"), rec.String())
	status, err := os.ReadFile(filepath.Join(root, "run/libvirt/nwfilter-binding/vnet0.xml"))
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "binding-status.xml"), string(status))
	got, err := c.NWFilterBindingGetXMLDesc(ctx, ref, 0)
	if err != nil || got != bindingXML {
		t.Fatalf("binding XML (%v):\n%s", err, got)
	}
	_, err = c.NWFilterBindingCreateXML(ctx, bindingXML, 0)
	wantCode(t, err, virterr.OperationFailed)
	list, err := c.ConnectListAllNWFilterBindings(ctx, 1, 0)
	if err != nil || list.Ret != 1 || list.Bindings[0] != ref {
		t.Fatalf("list %+v %v", list, err)
	}

	// in use: the binding's filter and what it refers to
	for _, name := range []string{"clean-traffic", "no-ip-spoofing"} {
		fref, err := c.NWFilterLookupByName(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		wantCode(t, c.NWFilterUndefine(ctx, fref), virterr.OperationInvalid)
	}
	// not in use
	fref, _ := c.NWFilterLookupByName(ctx, "allow-dhcpv6")
	if err := c.NWFilterUndefine(ctx, fref); err != nil {
		t.Fatal(err)
	}

	rec.Reset()
	if err := c.NWFilterBindingDelete(ctx, ref); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "binding-delete.args"), rec.String())
	if _, err := os.Stat(filepath.Join(root, "run/libvirt/nwfilter-binding/vnet0.xml")); !os.IsNotExist(err) {
		t.Errorf("status file left: %v", err)
	}
	_, err = c.NWFilterBindingLookupByPortDev(ctx, "vnet0")
	wantCode(t, err, virterr.NoNwfilterBinding)
	wantCode(t, c.NWFilterBindingDelete(ctx, ref), virterr.NoNwfilterBinding)
}

func TestBindingUnknownFilterAndMissingVariables(t *testing.T) {
	_, c := testDriver(t, "", cmdrun.NewRecorder(), newFakeHost("vnet0"))
	_, err := c.NWFilterBindingCreateXML(ctx, strings.Replace(bindingXML, "clean-traffic", "nonexistent", 1), 0)
	wantCode(t, err, virterr.NoNwfilter)
	_, err = c.NWFilterDefineXML(ctx, "<filter name='needs-x' chain='ipv4'><rule action='accept' direction='out'><ip srcipaddr='$X'/></rule></filter>")
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.NWFilterBindingCreateXML(ctx, strings.Replace(bindingXML, "clean-traffic", "needs-x", 1), 0)
	wantCode(t, err, virterr.InternalError)
	if list, _ := c.ConnectListAllNWFilterBindings(ctx, 1, 0); list.Ret != 0 {
		t.Errorf("failed bindings kept: %+v", list)
	}
}

// A changed filter goes to every interface using it in two steps: all
// new rules first, beside the old ones, then the switch.
func TestFilterChangeReinstantiatesAtomically(t *testing.T) {
	rec := cmdrun.NewRecorder()
	_, c := testDriver(t, "", rec, newFakeHost("vnet0", "vnet1"))
	if _, err := c.NWFilterDefineXML(ctx, readTestdata(t, "filter-web.xml")); err != nil {
		t.Fatal(err)
	}
	for _, dev := range []string{"vnet0", "vnet1"} {
		x := strings.Replace(strings.Replace(bindingXML, "vnet0", dev, 1), "clean-traffic", "govirt-web", 1)
		if _, err := c.NWFilterBindingCreateXML(ctx, x, 0); err != nil {
			t.Fatal(err)
		}
	}
	changed := strings.Replace(readTestdata(t, "filter-web.xml"), "dstportstart='80'", "dstportstart='8080'", 1)
	rec.Reset()
	if _, err := c.NWFilterDefineXML(ctx, changed); err != nil {
		t.Fatal(err)
	}
	cmds := commandsText(rec)
	golden.Check(t, filepath.Join("testdata", "filter-change.args"), rec.String())
	// every temporary chain is built before any live one is removed
	lastNew := strings.LastIndex(cmds, "-N FJ-vnet1")
	firstTear := strings.Index(cmds, "-X FI-vnet0")
	if lastNew < 0 || firstTear < 0 || lastNew > firstTear {
		t.Errorf("old rules torn down before all new ones were in place:\n%s", cmds)
	}

	// a change that fails on the second interface leaves both as they were
	rec.Reset()
	rec.Respond(cmdrun.Response{Match: []string{"iptables", "-w", "-A", "FJ-vnet1"}, ExitCode: 1, Stderr: "boom"})
	failing := strings.Replace(changed, "dstportstart='8080'", "dstportstart='8081'", 1)
	if _, err := c.NWFilterDefineXML(ctx, failing); err == nil {
		t.Fatal("a failing re-instantiation was accepted")
	}
	cmds = commandsText(rec)
	if !strings.Contains(cmds, "-X FJ-vnet0") || strings.Contains(cmds, "-X FI-vnet0") {
		t.Errorf("the prepared interface was not rolled back, or its live rules were touched:\n%s", cmds)
	}
	ref, _ := c.NWFilterLookupByName(ctx, "govirt-web")
	if x, _ := c.NWFilterGetXMLDesc(ctx, ref, 0); !strings.Contains(x, "8080") {
		t.Errorf("the refused definition replaced the old one:\n%s", x)
	}
}

func TestRestartReappliesAndDropsStale(t *testing.T) {
	root := t.TempDir()
	host := newFakeHost("vnet0", "vnet1")
	d, c := testDriver(t, root, cmdrun.NewRecorder(), host)
	for _, dev := range []string{"vnet0", "vnet1"} {
		if _, err := c.NWFilterBindingCreateXML(ctx, strings.Replace(bindingXML, "vnet0", dev, 1), 0); err != nil {
			t.Fatal(err)
		}
	}
	d.Close()
	host.remove("vnet1") // the guest went while the daemon was down
	rec := cmdrun.NewRecorder()
	_, c2 := testDriver(t, root, rec, host)
	list, err := c2.ConnectListAllNWFilterBindings(ctx, 1, 0)
	if err != nil || list.Ret != 1 || list.Bindings[0].Portdev != "vnet0" {
		t.Fatalf("after restart: %+v %v", list, err)
	}
	cmds := commandsText(rec)
	if !strings.Contains(cmds, "-N libvirt-J-vnet0") || !strings.Contains(cmds, "-E libvirt-J-vnet0 libvirt-I-vnet0") {
		t.Errorf("vnet0's rules were not re-applied:\n%s", cmds)
	}
	if strings.Contains(cmds, "-N libvirt-J-vnet1") || !strings.Contains(cmds, "-X libvirt-I-vnet1") {
		t.Errorf("vnet1's stale rules were not removed:\n%s", cmds)
	}
	if _, err := os.Stat(filepath.Join(root, "run/libvirt/nwfilter-binding/vnet1.xml")); !os.IsNotExist(err) {
		t.Errorf("stale status file kept: %v", err)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second) // for a loaded CI machine
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

const learningBindingXML = `<filterbinding>
  <owner>
    <name>guest1</name>
    <uuid>c7a5fdbd-cdaf-9455-926a-d65c16db1809</uuid>
  </owner>
  <portdev name='vnet0'/>
  <mac address='52:54:00:12:34:56'/>
  <filterref filter='clean-traffic'/>
</filterbinding>
`

func TestLearnByDHCP(t *testing.T) {
	checkNoLeaks(t)
	root := t.TempDir()
	rec := cmdrun.NewRecorder()
	host := newFakeHost("vnet0")
	d, c := testDriver(t, root, rec, host)
	rec.Reset()
	x := strings.Replace(learningBindingXML, "<filterref filter='clean-traffic'/>",
		"<filterref filter='clean-traffic'>\n    <parameter name='CTRL_IP_LEARNING' value='dhcp'/>\n  </filterref>", 1)
	ref, err := c.NWFilterBindingCreateXML(ctx, x, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !d.Learning("vnet0") {
		t.Fatal("no learner")
	}
	golden.Check(t, filepath.Join("testdata", "learn-dhcp-only.args"), rec.String())

	// while learning, a change that needs a new variable is refused, one
	// that does not is accepted
	ct, _ := c.NWFilterLookupByName(ctx, "no-ip-spoofing")
	orig, _ := c.NWFilterGetXMLDesc(ctx, ct, 0)
	withVar := strings.Replace(orig, "</filter>", "  <rule action='drop' direction='out' priority='600'>\n    <ip srcipaddr='$BLOCKED'/>\n  </rule>\n</filter>", 1)
	_, err = c.NWFilterDefineXML(ctx, withVar)
	wantCode(t, err, virterr.InternalError)
	noVar := strings.Replace(orig, "</filter>", "  <rule action='drop' direction='out' priority='600'>\n    <ip srcipaddr='198.51.100.1'/>\n  </rule>\n</filter>", 1)
	if _, err := c.NWFilterDefineXML(ctx, noVar); err != nil {
		t.Fatal(err)
	}

	// a frame from the guest does not count in DHCP mode; the ACK does
	src := host.source(t, "vnet0")
	src.frames <- ethFrame(otherMAC, guestMAC, etherTypeIPv4, ipv4Packet(mustAddr("192.0.2.66"), mustAddr("192.0.2.1"), 17, udpDatagram(1, 2, nil)))
	rec.Reset()
	src.frames <- dhcpReplyFrame(guestMAC, "192.0.2.77", dhcpMsgAck)
	waitFor(t, "the learner to finish", func() bool { return !d.Learning("vnet0") && src.isClosed() })
	got, err := c.NWFilterBindingGetXMLDesc(ctx, ref, 0)
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "learned-binding.xml"), got)
	cmds := commandsText(rec)
	for _, want := range []string{"--ip-source 192.0.2.77 -j RETURN", "--ip-source 198.51.100.1 -j DROP", "-E libvirt-J-vnet0 libvirt-I-vnet0"} {
		if !strings.Contains(cmds, want) {
			t.Errorf("%q missing from the rules applied after learning:\n%s", want, cmds)
		}
	}
	status, _ := os.ReadFile(filepath.Join(root, "run/libvirt/nwfilter-binding/vnet0.xml"))
	if !strings.Contains(string(status), "<parameter name='IP' value='192.0.2.77'/>") {
		t.Errorf("the learned address is not in the status file:\n%s", status)
	}
	if err := c.NWFilterBindingDelete(ctx, ref); err != nil {
		t.Fatal(err)
	}
}

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }

func TestLearnerEndsWhenInterfaceVanishes(t *testing.T) {
	checkNoLeaks(t)
	rec := cmdrun.NewRecorder()
	host := newFakeHost("vnet0")
	d, c := testDriver(t, "", rec, host)
	if _, err := c.NWFilterBindingCreateXML(ctx, learningBindingXML, 0); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "learn-basic.args"), onlyAfter(rec.String(), "ebtables \\\n--concurrent \\\n-t \\\nnat \\\n-D"))
	src := host.source(t, "vnet0")
	rec.Reset()
	host.remove("vnet0")
	waitFor(t, "the learner to end", func() bool { return !d.Learning("vnet0") && src.isClosed() })
	if cmds := commandsText(rec); !strings.Contains(cmds, "-X libvirt-I-vnet0") {
		t.Errorf("rules of the vanished interface kept:\n%s", cmds)
	}
}

// onlyAfter cuts s to start at the first occurrence of marker.
func onlyAfter(s, marker string) string {
	if i := strings.Index(s, marker); i >= 0 {
		return s[i:]
	}
	return s
}

func TestLearnedButApplyFailsSetsInterfaceDown(t *testing.T) {
	checkNoLeaks(t)
	rec := cmdrun.NewRecorder()
	host := newFakeHost("vnet0")
	d, c := testDriver(t, "", rec, host)
	ref, err := c.NWFilterBindingCreateXML(ctx, learningBindingXML, 0)
	if err != nil {
		t.Fatal(err)
	}
	rec.Respond(cmdrun.Response{Match: []string{"ebtables", "--concurrent", "-t", "nat", "-N", "libvirt-J-vnet0"}, ExitCode: 1})
	src := host.source(t, "vnet0")
	src.frames <- ethFrame(broadcastMAC, guestMAC, etherTypeARP, arpPacket(1, guestMAC, mustAddr("192.0.2.9"), mustAddr("192.0.2.1")))
	waitFor(t, "the learner to finish", func() bool { return !d.Learning("vnet0") })
	waitFor(t, "the interface to go down", func() bool {
		host.mu.Lock()
		defer host.mu.Unlock()
		return len(host.down) == 1 && host.down[0] == "vnet0"
	})
	if err := c.NWFilterBindingDelete(ctx, ref); err != nil {
		t.Fatal(err)
	}
}

func TestDeleteStopsLearnerAndCloseWaits(t *testing.T) {
	checkNoLeaks(t)
	host := newFakeHost("vnet0", "vnet1")
	d, c := testDriver(t, "", cmdrun.NewRecorder(), host)
	ref, err := c.NWFilterBindingCreateXML(ctx, learningBindingXML, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.NWFilterBindingCreateXML(ctx, strings.Replace(learningBindingXML, "vnet0", "vnet1", 1), 0); err != nil {
		t.Fatal(err)
	}
	if err := c.NWFilterBindingDelete(ctx, ref); err != nil {
		t.Fatal(err)
	}
	if !host.source(t, "vnet0").isClosed() {
		t.Error("delete returned before the learner ended")
	}
	if !d.Learning("vnet1") {
		t.Error("the other interface's learner ended too")
	}
	d.Close()
	if !host.source(t, "vnet1").isClosed() {
		t.Error("Close returned before the learner ended")
	}
}

func TestMacvtapLearnerTimesOut(t *testing.T) {
	checkNoLeaks(t)
	host := newFakeHost("macvtap0", "eth0")
	rec := cmdrun.NewRecorder()
	d, err := NewDriver(ctx, Config{Root: t.TempDir(), Runner: rec, Backend: BackendEbiptables, Host: host,
		MacvtapLearnTimeout: 50 * time.Millisecond, Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	x := strings.Replace(learningBindingXML, "<portdev name='vnet0'/>", "<portdev name='macvtap0'/>\n  <linkdev name='eth0'/>", 1)
	if _, err := d.Connect(0).NWFilter.NWFilterBindingCreateXML(ctx, x, 0); err != nil {
		t.Fatal(err)
	}
	if got := <-host.opened; got != "eth0" {
		t.Errorf("listening on %s, want the link device", got)
	}
	rec.Reset()
	waitFor(t, "the learner to give up", func() bool { return !d.Learning("macvtap0") })
	if cmds := commandsText(rec); !strings.Contains(cmds, "-A libvirt-J-macvtap0 -j DROP") {
		t.Errorf("the guest was not cut off after the timeout:\n%s", cmds)
	}
}

func TestLearningNoneRefused(t *testing.T) {
	_, c := testDriver(t, "", cmdrun.NewRecorder(), newFakeHost("vnet0"))
	x := strings.Replace(learningBindingXML, "<filterref filter='clean-traffic'/>",
		"<filterref filter='clean-traffic'>\n    <parameter name='CTRL_IP_LEARNING' value='none'/>\n  </filterref>", 1)
	_, err := c.NWFilterBindingCreateXML(ctx, x, 0)
	wantCode(t, err, virterr.InternalError)
}
