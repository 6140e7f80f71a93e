package qemu

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/govirt/govirt/internal/cmdrun"
	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/conf/netdev"
	"github.com/govirt/govirt/internal/conf/networkport"
	"github.com/govirt/govirt/internal/conf/nwfilter"
	"github.com/govirt/govirt/internal/conf/uuid"
	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/virt/virterr"
)

func testNIC(t *testing.T, xml string) (*domain.Def, *domain.Device) {
	t.Helper()
	tmp, _, err := parseDevice(xml)
	if err != nil {
		t.Fatal(err)
	}
	tmp.UUID, _ = uuid.Parse("c7a5fdbd-edaf-9455-926a-d65c16db1809")
	tmp.Name = "g1"
	return tmp, tmp.Devices.Interfaces()[0]
}

// The port a guest interface asks for carries its owner, MAC, portgroup
// and QoS/VLAN/virtualport; the network driver's parser reads it back.
func TestPortXML(t *testing.T) {
	def, n := testNIC(t, `<interface type='network' trustGuestRxFilters='yes'>
  <mac address='52:54:00:aa:bb:cc'/>
  <source network='default' portgroup='web'/>
  <bandwidth><inbound average='1000' floor='200'/></bandwidth>
  <vlan><tag id='42'/></vlan>
  <model type='virtio'/>
</interface>`)
	id, _ := uuid.Parse("2f5fc3b4-7d5e-4a62-9b0f-0d7c2a3e1f11")
	got := portXML(def, n, id)
	want := `<networkport>
  <uuid>2f5fc3b4-7d5e-4a62-9b0f-0d7c2a3e1f11</uuid>
  <owner>
    <name>g1</name>
    <uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid>
  </owner>
  <group>web</group>
  <mac address='52:54:00:aa:bb:cc'/>
  <bandwidth><inbound average="1000" floor="200"/></bandwidth>
  <vlan><tag id="42"/></vlan>
  <rxfilters trustGuest='yes'/>
</networkport>
`
	if got != want {
		t.Fatalf("port XML:\n%s\nwant:\n%s", got, want)
	}
	p, err := networkport.Parse([]byte(got))
	if err != nil {
		t.Fatal(err)
	}
	if p.Group != "web" || p.Bandwidth == nil || p.Bandwidth.In.Floor != 200 || p.Vlan == nil || p.TrustGuestRxFilters != netdev.Yes {
		t.Fatalf("port read back as %+v", p)
	}
}

func TestBindingXML(t *testing.T) {
	// A network interface whose port resolved to a macvtap: the binding
	// names the device the macvtap sits on. (libvirt ignores <filterref>
	// on a configured type='direct'.)
	def, n := testNIC(t, `<interface type='network'>
  <mac address='52:54:00:aa:bb:cc'/>
  <source network='default'/>
  <filterref filter='clean-traffic'><parameter name='IP' value='10.0.0.5'/></filterref>
</interface>`)
	h := &hostNIC{MAC: "52:54:00:aa:bb:cc", Ifname: "macvtap3", LinkDev: "eth0"}
	got := bindingXML(def, n, h)
	for _, s := range []string{"<portdev name='macvtap3'/>", "<linkdev name='eth0'/>", "<mac address='52:54:00:aa:bb:cc'/>",
		"<name>g1</name>", `<filterref filter="clean-traffic"><parameter name="IP" value="10.0.0.5"/></filterref>`} {
		if !strings.Contains(got, s) {
			t.Errorf("binding lacks %s:\n%s", s, got)
		}
	}
	b, err := nwfilter.ParseBinding([]byte(got))
	if err != nil {
		t.Fatal(err)
	}
	if b.PortDev != "macvtap3" || b.LinkDev != "eth0" || b.Filter.Filter != "clean-traffic" {
		t.Fatalf("binding read back as %+v", b)
	}
}

// The guest's inbound shapes a tap's egress (libvirt's swapped view); a
// macvtap shares the host's view.
func TestBandwidthCommands(t *testing.T) {
	rec := &cmdrun.Recorder{}
	d := &Driver{runner: rec}
	bw := &netdev.Bandwidth{In: &netdev.Rate{Average: 1000, Peak: 2000, Burst: 512}, Out: &netdev.Rate{Average: 300}}
	if err := d.applyBandwidth(context.Background(), &hostNIC{Ifname: "vnet0", Actual: "bridge"}, bw); err != nil {
		t.Fatal(err)
	}
	got := rec.String()
	for _, s := range []string{
		"tc qdisc del dev vnet0 root", "tc qdisc del dev vnet0 ingress",
		"tc qdisc add dev vnet0 root handle 1: htb default 1",
		"tc class add dev vnet0 parent 1: classid 1:1 htb rate 1000kbps ceil 2000kbps burst 512kb",
		"tc qdisc add dev vnet0 parent 1:1 handle 2: sfq perturb 10",
		"tc filter add dev vnet0 parent ffff: protocol all u32 match u32 0 0 police rate 300kbps burst 300kb mtu 64kb drop flowid :1",
	} {
		if !strings.Contains(oneLine(got), s) {
			t.Errorf("missing %q in:\n%s", s, got)
		}
	}
	rec2 := &cmdrun.Recorder{}
	d.runner = rec2
	_ = d.applyBandwidth(context.Background(), &hostNIC{Ifname: "macvtap0", Actual: "direct"}, bw)
	if !strings.Contains(oneLine(rec2.String()), "classid 1:1 htb rate 300kbps") {
		t.Errorf("macvtap egress should carry the guest's outbound:\n%s", rec2.String())
	}
	// A floor alone is the network's business: nothing runs.
	rec3 := &cmdrun.Recorder{}
	d.runner = rec3
	_ = d.applyBandwidth(context.Background(), &hostNIC{Ifname: "vnet0", Actual: "bridge"}, &netdev.Bandwidth{In: &netdev.Rate{Floor: 10}})
	if rec3.String() != "" {
		t.Errorf("floor-only bandwidth ran:\n%s", rec3.String())
	}
}

// oneLine joins the recorder's one-argument-per-line rendering.
func oneLine(s string) string {
	s = strings.ReplaceAll(s, " \\\n", " ")
	return strings.Join(strings.Fields(s), " ")
}

// The descriptors QEMU inherits are numbered in the order the builder
// asks for them, after the monitor's fd 3.
func TestNICSetNumbersDescriptors(t *testing.T) {
	_, a := testNIC(t, `<interface type='bridge'><source bridge='br0'/><model type='virtio'/></interface>`)
	_, b := testNIC(t, `<interface type='bridge'><source bridge='br0'/></interface>`)
	f := func() *os.File { r, w, _ := os.Pipe(); w.Close(); return r }
	ha := &hostNIC{tapFiles: []*os.File{f(), f()}, vhostFiles: []*os.File{f(), f()}}
	hb := &hostNIC{tapFiles: []*os.File{f()}}
	next := 4
	s := &nicSet{nics: map[*domain.Device]*hostNIC{a: ha, b: hb}, nextFD: func() int { n := next; next++; return n }}
	if got := s.TapFDs(a, 2); len(got) != 2 || got[0] != 4 || got[1] != 5 {
		t.Fatalf("tap fds %v", got)
	}
	if got := s.VhostFDs(a, 2); len(got) != 2 || got[0] != 6 {
		t.Fatalf("vhost fds %v", got)
	}
	if got := s.TapFDs(b, 1); len(got) != 1 || got[0] != 8 {
		t.Fatalf("second NIC's tap fds %v", got)
	}
	if got := s.TapFDs(a, 2); got[0] != 4 {
		t.Fatalf("asking twice renumbered: %v", got)
	}
	if len(s.files) != 5 || s.files[4] != hb.tapFiles[0] {
		t.Fatalf("passed files out of order: %d", len(s.files))
	}
	ha.closeFiles()
	hb.closeFiles()
}

// fakeNetwork is a network driver seen through the contract: it hands
// out ports with a fixed plug and records deletions.
type fakeNetwork struct {
	driver.UnsupportedNetwork
	plug    string // the <plug> element the port gets
	ports   map[driver.UUID]string
	deleted int
}

func (f *fakeNetwork) NetworkLookupByName(ctx context.Context, name string) (driver.NetworkRef, error) {
	if name != "default" {
		return driver.NetworkRef{}, virterr.New(virterr.NoNetwork, "Network not found: no network with matching name '%s'", name)
	}
	return driver.NetworkRef{Name: name}, nil
}

func (f *fakeNetwork) NetworkPortCreateXML(ctx context.Context, net driver.NetworkRef, xml string, flags uint32) (driver.NetworkPortRef, error) {
	p, err := networkport.Parse([]byte(xml))
	if err != nil {
		return driver.NetworkPortRef{}, err
	}
	xml = strings.Replace(xml, "</networkport>", f.plug+"</networkport>", 1)
	f.ports[driver.UUID(p.UUID)] = xml
	return driver.NetworkPortRef{Net: net, UUID: driver.UUID(p.UUID)}, nil
}

func (f *fakeNetwork) NetworkPortGetXMLDesc(ctx context.Context, ref driver.NetworkPortRef, flags uint32) (string, error) {
	return f.ports[ref.UUID], nil
}

func (f *fakeNetwork) NetworkPortLookupByUUID(ctx context.Context, net driver.NetworkRef, u driver.UUID) (driver.NetworkPortRef, error) {
	if _, ok := f.ports[u]; !ok {
		return driver.NetworkPortRef{}, virterr.New(virterr.NoNetworkPort, "network port not found")
	}
	return driver.NetworkPortRef{Net: net, UUID: u}, nil
}

func (f *fakeNetwork) NetworkPortDelete(ctx context.Context, ref driver.NetworkPortRef, flags uint32) error {
	delete(f.ports, ref.UUID)
	f.deleted++
	return nil
}

func fakeDriver(net *fakeNetwork) *Driver {
	return &Driver{runner: &cmdrun.Recorder{}, log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		opener: func(ctx context.Context, uri string) (*driver.Connection, error) {
			if uri != networkURI {
				return nil, errors.New("unexpected " + uri)
			}
			return &driver.Connection{Network: net}, nil
		}}
}

// A port whose actual definition its resolved type cannot honour fails
// the start with libvirt's error, and the port goes back to the network.
func TestNetworkPortValidatedAndReleased(t *testing.T) {
	for _, tc := range []struct {
		name, plug, iface string
		code              virterr.Code
	}{
		{"vlan-on-bridge", "<plug type='bridge' bridge='virbr0'/>", "<vlan><tag id='7'/></vlan>", virterr.ConfigUnsupported},
		{"vlan-on-macvtap-vepa", "<plug type='direct' dev='eth0' mode='vepa'/>", "<vlan><tag id='7'/></vlan>", virterr.ConfigUnsupported},
		{"hostdev", "<plug type='hostdev-pci' managed='yes'><address domain='0x0000' bus='0x03' slot='0x00' function='0x1'/></plug>", "", virterr.ConfigUnsupported},
	} {
		t.Run(tc.name, func(t *testing.T) {
			net := &fakeNetwork{plug: tc.plug, ports: map[driver.UUID]string{}}
			d := fakeDriver(net)
			def, n := testNIC(t, "<interface type='network'><mac address='52:54:00:aa:bb:cc'/><source network='default'/>"+tc.iface+"</interface>")
			_, err := d.connectNIC(context.Background(), def, n)
			var ve *virterr.Error
			if !errors.As(err, &ve) || ve.Code != tc.code {
				t.Fatalf("connectNIC: %v, want code %v", err, tc.code)
			}
			if len(net.ports) != 0 || net.deleted != 1 {
				t.Fatalf("port not released: %d left, %d deleted", len(net.ports), net.deleted)
			}
		})
	}
}

func TestNetworkMissing(t *testing.T) {
	net := &fakeNetwork{ports: map[driver.UUID]string{}}
	d := fakeDriver(net)
	def, n := testNIC(t, "<interface type='network'><source network='nope'/></interface>")
	_, err := d.connectNIC(context.Background(), def, n)
	var ve *virterr.Error
	if !errors.As(err, &ve) || ve.Code != virterr.NoNetwork {
		t.Fatalf("connectNIC: %v", err)
	}
	d.opener = nil
	_, err = d.connectNIC(context.Background(), def, n)
	if !errors.As(err, &ve) || ve.Code != virterr.NoSupport {
		t.Fatalf("without a network driver: %v", err)
	}
}

// A bridge that does not exist fails before any device is made.
func TestBridgeMissing(t *testing.T) {
	d := fakeDriver(&fakeNetwork{})
	def, n := testNIC(t, "<interface type='bridge'><source bridge='gvnosuchbr0'/></interface>")
	if _, err := d.connectNIC(context.Background(), def, n); err == nil || !strings.Contains(err.Error(), "gvnosuchbr0") {
		t.Fatalf("connectNIC: %v", err)
	}
}
