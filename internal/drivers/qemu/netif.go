package qemu

import (
	"context"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/conf/macaddr"
	"github.com/govirt/govirt/internal/conf/netdev"
	"github.com/govirt/govirt/internal/conf/networkport"
	"github.com/govirt/govirt/internal/conf/uuid"
	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/internal/hostnet"
	"github.com/govirt/govirt/internal/netport"
	"github.com/govirt/govirt/virt/virterr"
)

// Opener opens a connection to another driver of this process
// (network:///system, nwfilter:///system) without the QEMU driver
// importing it: the daemon's registry lends it.
type Opener func(ctx context.Context, uri string) (*driver.Connection, error)

// URIs of the drivers a guest's interfaces are plugged through.
const (
	networkURI  = "network:///system"
	nwfilterURI = "nwfilter:///system"
)

// hostNIC is what one guest interface holds on the host while the guest
// runs: the network port, the tap or macvtap device, the filter binding.
// The exported-looking fields are kept in the status file, so a daemon
// restarted after kill -9 can still undo them.
type hostNIC struct {
	dev *domain.Device // the live interface (nil after reconnect until matched)

	MAC     string
	Alias   string
	Actual  string // bridge, direct, ethernet, user …
	Ifname  string // the tap or macvtap device
	Created bool   // the driver created Ifname and deletes it at stop
	Network string // type='network': the network and the port it got
	PortID  string
	Bridge  string
	LinkDev string // direct: the host device the macvtap sits on
	Mode    string
	Filter  bool // a filter binding exists for Ifname

	tapFiles, vhostFiles []*os.File
	tapFDs, vhostFDs     []int
}

// closeFiles drops the daemon's copies of the descriptors handed to QEMU.
func (h *hostNIC) closeFiles() {
	for _, f := range append(h.tapFiles, h.vhostFiles...) {
		f.Close()
	}
	h.tapFiles, h.vhostFiles = nil, nil
}

// nicSet hands the command builder the descriptors of a start's
// interfaces (command.HostFDs), numbering them as QEMU will inherit them.
type nicSet struct {
	nics   map[*domain.Device]*hostNIC
	nextFD func() int
	// files are the descriptors to pass, in descriptor order.
	files []*os.File
}

func (s *nicSet) pass(files []*os.File) []int {
	var out []int
	for _, f := range files {
		out = append(out, s.nextFD())
		s.files = append(s.files, f)
	}
	return out
}

func (s *nicSet) TapFDs(n *domain.Device, _ int) []int {
	h := s.nics[n]
	if h == nil {
		return nil
	}
	if h.tapFDs == nil {
		h.tapFDs = s.pass(h.tapFiles)
	}
	return h.tapFDs
}

func (s *nicSet) VhostFDs(n *domain.Device, _ int) []int {
	h := s.nics[n]
	if h == nil {
		return nil
	}
	if h.vhostFDs == nil {
		h.vhostFDs = s.pass(h.vhostFiles)
	}
	return h.vhostFDs
}

func (s *nicSet) VDPAFD(*domain.Device) int        { return -1 }
func (s *nicSet) VhostSCSIFD(*domain.Device) int   { return -1 }
func (s *nicSet) add(n *domain.Device, h *hostNIC) { s.nics[n] = h }

func netErr(code virterr.Code, format string, args ...any) error {
	return virterr.NewFrom(virterr.FromQemu, code, format, args...)
}

// openDriver opens another driver's connection through the Opener.
func (d *Driver) openDriver(ctx context.Context, uri, what string) (*driver.Connection, error) {
	if d.opener == nil {
		return nil, virterr.NewFrom(virterr.FromDomain, virterr.NoSupport, "%s driver is not available", what)
	}
	return d.opener(ctx, uri)
}

func closeConn(c *driver.Connection) {
	if c != nil && c.Close != nil {
		_ = c.Close(context.Background())
	}
}

// nicQueues is <driver queues>, at least 1.
func nicQueues(n *domain.Device) int {
	if dr := n.Child("driver"); dr != nil {
		if q, err := strconv.Atoi(dr.Prop("queues")); err == nil && q > 1 {
			return q
		}
	}
	return 1
}

func nicModel(n *domain.Device) string { return childProp(n, "model", "type") }

// wantsVhost says whether QEMU gets vhost-net descriptors for n, as the
// command builder decides: virtio NICs unless <driver name='qemu'>.
func wantsVhost(n *domain.Device) bool {
	switch nicModel(n) {
	case "virtio", "virtio-transitional", "virtio-non-transitional":
	default:
		return false
	}
	return childProp(n, "driver", "name") != "qemu"
}

// openVhost opens /dev/vhost-net once per queue (qemuInterfaceOpenVhostNet);
// without it QEMU's userspace virtio does, unless vhost was asked for.
func openVhost(n *domain.Device, queues int) ([]*os.File, error) {
	if !wantsVhost(n) {
		return nil, nil
	}
	var files []*os.File
	for i := 0; i < queues; i++ {
		f, err := os.OpenFile("/dev/vhost-net", os.O_RDWR|syscall.O_CLOEXEC, 0)
		if err != nil {
			for _, g := range files {
				g.Close()
			}
			if childProp(n, "driver", "name") == "vhost" {
				return nil, netErr(virterr.ConfigUnsupported, "vhost-net was requested for an interface, but is unsupported")
			}
			return nil, nil
		}
		files = append(files, f)
	}
	return files, nil
}

// nicMTU is <mtu size>, 0 when unset.
func nicMTU(n *domain.Device) int {
	v, _ := strconv.Atoi(childProp(n, "mtu", "size"))
	return v
}

// userIfname is a <target dev> the user chose; libvirt drops generated
// names (vnetN, macvtapN) so the counters stay authoritative.
func userIfname(n *domain.Device) string {
	name := childProp(n, "target", "dev")
	if name == "" || hostnet.IsGenerated(name) || strings.Contains(name, "%d") {
		return ""
	}
	return name
}

// actualOfConfig is the actual interface of a type other than network:
// its own settings (virDomainNetGetActual* without a port).
func actualOfConfig(n *domain.Device) (netport.Actual, error) {
	a := netport.Actual{Type: n.Attr("type")}
	if m, err := macaddr.Parse(macOf(n)); err == nil {
		a.MAC = m
	}
	if a.Type == netport.TypeDirect {
		a.DirectMode = childProp(n, "source", "mode")
	}
	var err error
	if v := n.Child("vlan"); v != nil {
		if a.Vlan, err = netdev.ParseVlan(v); err != nil {
			return a, err
		}
	}
	if b := n.Child("bandwidth"); b != nil {
		if a.Bandwidth, err = netdev.ParseBandwidth(b, netdev.BandwidthOptions{}); err != nil {
			return a, err
		}
	}
	if vp := n.Child("virtualport"); vp != nil {
		if a.VirtualPort, err = netdev.ParseVirtualPort(vp, 0); err != nil {
			return a, err
		}
	}
	if a.IsolatedPort, err = netdev.PortIsolated(nodeOf(n)); err != nil {
		return a, err
	}
	return a, nil
}

// nodeOf is the interface as an element, for parsers that read children.
func nodeOf(n *domain.Device) *xmltree.Node {
	return &xmltree.Node{Name: "interface", Children: n.ChildNodes()}
}

// portXML is the <networkport> a guest interface asks its network for
// (virDomainNetDefToNetworkPort).
func portXML(def *domain.Def, n *domain.Device, id uuid.UUID) string {
	b := &xmlbuf.Buffer{}
	b.AddLit("<networkport>\n")
	b.AdjustIndent(2)
	b.EscapeString("<uuid>%s</uuid>\n", id.String())
	b.AddLit("<owner>\n")
	b.EscapeString("  <name>%s</name>\n", def.Name)
	b.EscapeString("  <uuid>%s</uuid>\n", def.UUID.String())
	b.AddLit("</owner>\n")
	if g := childProp(n, "source", "portgroup"); g != "" {
		b.EscapeString("<group>%s</group>\n", g)
	}
	b.AddLit("<mac")
	b.Attr("address", macOf(n))
	b.AddLit("/>\n")
	for _, name := range []string{"virtualport", "bandwidth", "vlan"} {
		if c := n.Child(name); c != nil {
			b.AddLit(c.String())
			b.AddLit("\n")
		}
	}
	if p := n.Child("port"); p != nil {
		b.AddLit(p.String())
		b.AddLit("\n")
	}
	if n.Attr("trustGuestRxFilters") != "" {
		b.AddLit("<rxfilters")
		b.Attr("trustGuest", n.Attr("trustGuestRxFilters"))
		b.AddLit("/>\n")
	}
	b.AdjustIndent(-2)
	b.AddLit("</networkport>\n")
	return b.String()
}

// allocatePort asks the network for a port (virDomainNetAllocateActualDevice
// through networkPortCreateXML) and returns what it resolved to.
func (d *Driver) allocatePort(ctx context.Context, def *domain.Def, n *domain.Device, h *hostNIC) (*networkport.Def, error) {
	h.Network = childProp(n, "source", "network")
	c, err := d.openDriver(ctx, networkURI, "Virtual networking")
	if err != nil {
		return nil, err
	}
	defer closeConn(c)
	net, err := c.Network.NetworkLookupByName(ctx, h.Network)
	if err != nil {
		return nil, err
	}
	id := uuid.New()
	if pid := childProp(n, "source", "portid"); pid != "" {
		if u, perr := uuid.Parse(pid); perr == nil {
			id = u
		}
	}
	ref, err := c.Network.NetworkPortCreateXML(ctx, net, portXML(def, n, id), 0)
	if err != nil {
		return nil, err
	}
	h.PortID = uuid.UUID(ref.UUID).String()
	xml, err := c.Network.NetworkPortGetXMLDesc(ctx, ref, 0)
	var p *networkport.Def
	if err == nil {
		p, err = networkport.Parse([]byte(xml))
	}
	if err == nil {
		err = netport.Validate(netport.FromPort(p))
	}
	if err != nil {
		_ = c.Network.NetworkPortDelete(ctx, ref, 0)
		h.PortID = ""
		return nil, err
	}
	return p, nil
}

// releasePort gives a port back to its network (virDomainNetReleaseActualDevice).
func (d *Driver) releasePort(ctx context.Context, h *hostNIC) {
	if h.PortID == "" {
		return
	}
	c, err := d.openDriver(ctx, networkURI, "Virtual networking")
	if err != nil {
		return
	}
	defer closeConn(c)
	u, err := uuid.Parse(h.PortID)
	if err != nil {
		return
	}
	net, err := c.Network.NetworkLookupByName(ctx, h.Network)
	if err != nil {
		d.log.Warn("cannot release network port", "network", h.Network, "port", h.PortID, "err", err)
		return
	}
	ref, err := c.Network.NetworkPortLookupByUUID(ctx, net, driver.UUID(u))
	if err == nil {
		err = c.Network.NetworkPortDelete(ctx, ref, 0)
	}
	if err != nil {
		d.log.Warn("cannot release network port", "network", h.Network, "port", h.PortID, "err", err)
	}
	h.PortID = ""
}

// bindingXML is the <filterbinding> of an interface's <filterref>
// (virNWFilterBindingDefForNet).
func bindingXML(def *domain.Def, n *domain.Device, h *hostNIC) string {
	b := &xmlbuf.Buffer{}
	b.AddLit("<filterbinding>\n")
	b.AdjustIndent(2)
	b.AddLit("<owner>\n")
	b.EscapeString("  <name>%s</name>\n", def.Name)
	b.EscapeString("  <uuid>%s</uuid>\n", def.UUID.String())
	b.AddLit("</owner>\n")
	b.AddLit("<portdev")
	b.Attr("name", h.Ifname)
	b.AddLit("/>\n")
	if h.LinkDev != "" {
		b.AddLit("<linkdev")
		b.Attr("name", h.LinkDev)
		b.AddLit("/>\n")
	}
	b.AddLit("<mac")
	b.Attr("address", h.MAC)
	b.AddLit("/>\n")
	b.AddLit(n.Child("filterref").String())
	b.AddLit("\n")
	b.AdjustIndent(-2)
	b.AddLit("</filterbinding>\n")
	return b.String()
}

// instantiateFilter creates the interface's filter binding once its
// device exists (virDomainConfNWFilterInstantiate).
func (d *Driver) instantiateFilter(ctx context.Context, def *domain.Def, n *domain.Device, h *hostNIC) error {
	if n.Child("filterref") == nil {
		return nil
	}
	c, err := d.openDriver(ctx, nwfilterURI, "Network filter")
	if err != nil {
		return err
	}
	defer closeConn(c)
	if _, err := c.NWFilter.NWFilterBindingCreateXML(ctx, bindingXML(def, n, h), 0); err != nil {
		return err
	}
	h.Filter = true
	return nil
}

// teardownFilter deletes an interface's filter binding
// (virDomainConfNWFilterTeardown).
func (d *Driver) teardownFilter(ctx context.Context, h *hostNIC) {
	if !h.Filter {
		return
	}
	c, err := d.openDriver(ctx, nwfilterURI, "Network filter")
	if err != nil {
		return
	}
	defer closeConn(c)
	ref, err := c.NWFilter.NWFilterBindingLookupByPortDev(ctx, h.Ifname)
	if err == nil {
		err = c.NWFilter.NWFilterBindingDelete(ctx, ref)
	}
	if err != nil {
		d.log.Warn("cannot delete filter binding", "dev", h.Ifname, "err", err)
	}
	h.Filter = false
}

// tapMAC is the host side's MAC: the guest's with 0xFE first, so the
// bridge never takes the tap's address as its own.
func tapMAC(mac string) net.HardwareAddr {
	hw, err := net.ParseMAC(mac)
	if err != nil || len(hw) != 6 {
		return nil
	}
	hw[0] = 0xFE
	return hw
}

// connectNIC plugs one interface in on the host before QEMU gets it:
// port, tap or macvtap (with its descriptors), filter binding. On error
// whatever it did is undone.
func (d *Driver) connectNIC(ctx context.Context, def *domain.Def, n *domain.Device) (h *hostNIC, err error) {
	h = &hostNIC{dev: n, MAC: macOf(n), Alias: n.Info.Alias, Actual: n.Attr("type")}
	defer func() {
		if err != nil {
			d.disconnectNIC(ctx, h)
			h = nil
		}
	}()
	queues := nicQueues(n)
	a, err := actualOfConfig(n)
	if err != nil {
		return h, err
	}
	bandwidth := a.Bandwidth
	switch h.Actual {
	case netport.TypeNetwork:
		p, perr := d.allocatePort(ctx, def, n, h)
		if perr != nil {
			return h, perr
		}
		bandwidth = p.Bandwidth
		h.Actual = netport.TypeOfPlug(p.Plug.Type)
		h.Bridge, h.LinkDev, h.Mode = p.Plug.Bridge, p.Plug.Dev, p.Plug.Mode
	case netport.TypeBridge:
		h.Bridge = childProp(n, "source", "bridge")
		if err := netport.Validate(a); err != nil {
			return h, err
		}
	case netport.TypeDirect:
		h.LinkDev, h.Mode = childProp(n, "source", "dev"), childProp(n, "source", "mode")
		if err := netport.Validate(a); err != nil {
			return h, err
		}
	default:
		if err := netport.Validate(a); err != nil {
			return h, err
		}
	}
	names := hostnet.Shared()
	switch h.Actual {
	case netport.TypeBridge, netport.TypeEthernet:
		if h.Actual == netport.TypeBridge && (h.Bridge == "" || !hostnet.Exists(h.Bridge)) {
			return h, virterr.NewFrom(virterr.FromNone, virterr.SystemError, "Unable to get index for interface %s: No such device", h.Bridge)
		}
		mtu := nicMTU(n)
		if mtu == 0 && h.Bridge != "" {
			mtu = hostnet.MTU(h.Bridge)
		}
		tap, terr := names.CreateTap(userIfname(n), hostnet.TapOptions{MAC: tapMAC(h.MAC), MTU: mtu,
			Bridge: h.Bridge, Queues: queues, KeepFDs: true})
		if terr != nil {
			return h, terr
		}
		h.Ifname, h.Created, h.tapFiles = tap.Name, true, tap.FDs
		if h.Bridge == "" {
			if err := hostnet.SetUp(h.Ifname, true); err != nil {
				return h, err
			}
		}
	case netport.TypeDirect:
		hw, _ := net.ParseMAC(h.MAC)
		name, merr := names.CreateMacv(userIfname(n), hostnet.MacvOptions{Link: h.LinkDev, Mode: h.Mode, MAC: hw, Tap: true})
		if merr != nil {
			return h, merr
		}
		h.Ifname, h.Created = name, true
		idx := hostnet.IfIndex(name)
		for i := 0; i < queues; i++ {
			f, oerr := os.OpenFile(fmt.Sprintf("/dev/tap%d", idx), os.O_RDWR|syscall.O_CLOEXEC, 0)
			if oerr != nil {
				return h, virterr.NewFrom(virterr.FromNone, virterr.SystemError, "cannot open macvtap tap device /dev/tap%d: %s", idx, errnoText(oerr))
			}
			h.tapFiles = append(h.tapFiles, f)
		}
	case netport.TypeHostdev:
		return h, netErr(virterr.ConfigUnsupported, "interface %s - hostdev networks are not supported by this driver", h.MAC)
	}
	if h.Ifname != "" {
		if h.vhostFiles, err = openVhost(n, queues); err != nil {
			return h, err
		}
		if err := d.applyBandwidth(ctx, h, bandwidth); err != nil {
			return h, err
		}
		if err := d.instantiateFilter(ctx, def, n, h); err != nil {
			return h, err
		}
	}
	publishNIC(n, h)
	return h, nil
}

// publishNIC records the runtime state in the live definition, as the
// live XML shows it: the device name, and for a network interface the
// port and the bridge or device it resolved to.
func publishNIC(n *domain.Device, h *hostNIC) {
	if h.Ifname != "" {
		n.SetChild(&xmltree.Node{Name: "target", Attrs: []xmltree.Attr{{Name: "dev", Value: h.Ifname}}, Segments: []string{""}})
	}
	if h.Network != "" {
		attrs := []xmltree.Attr{{Name: "network", Value: h.Network}}
		if g := childProp(n, "source", "portgroup"); g != "" {
			attrs = append(attrs, xmltree.Attr{Name: "portgroup", Value: g})
		}
		attrs = append(attrs, xmltree.Attr{Name: "portid", Value: h.PortID})
		switch h.Actual {
		case netport.TypeBridge:
			attrs = append(attrs, xmltree.Attr{Name: "bridge", Value: h.Bridge})
		case netport.TypeDirect:
			attrs = append(attrs, xmltree.Attr{Name: "dev", Value: h.LinkDev})
			if h.Mode != "" {
				attrs = append(attrs, xmltree.Attr{Name: "mode", Value: h.Mode})
			}
		}
		n.SetChild(&xmltree.Node{Name: "source", Attrs: attrs, Segments: []string{""}})
	}
}

// disconnectNIC undoes connectNIC in reverse: filter binding, shaping,
// device, port (qemuProcessStop's network part).
func (d *Driver) disconnectNIC(ctx context.Context, h *hostNIC) {
	h.closeFiles()
	d.teardownFilter(ctx, h)
	if h.Created && h.Ifname != "" {
		if err := hostnet.DeleteLink(h.Ifname); err != nil && hostnet.Exists(h.Ifname) {
			d.log.Warn("cannot delete guest interface", "dev", h.Ifname, "err", err)
		}
		h.Created = false
	}
	d.releasePort(ctx, h)
}

// connectNICs plugs in every interface of def for a start.
func (d *Driver) connectNICs(ctx context.Context, def *domain.Def, set *nicSet) ([]*hostNIC, error) {
	var out []*hostNIC
	if def.Devices == nil {
		return nil, nil
	}
	for _, n := range def.Devices.Interfaces() {
		switch n.Attr("type") {
		case netport.TypeNetwork, netport.TypeBridge, netport.TypeDirect, netport.TypeEthernet:
		default:
			continue
		}
		h, err := d.connectNIC(ctx, def, n)
		if err != nil {
			d.disconnectNICs(ctx, out)
			return nil, err
		}
		out = append(out, h)
		set.add(n, h)
	}
	return out, nil
}

// disconnectNICs undoes every interface, last first.
func (d *Driver) disconnectNICs(ctx context.Context, nics []*hostNIC) {
	for i := len(nics) - 1; i >= 0; i-- {
		d.disconnectNIC(ctx, nics[i])
	}
}

// formatNICs writes the interfaces' host state into the status file.
func formatNICs(b *xmlbuf.Buffer, nics []*hostNIC) {
	if len(nics) == 0 {
		return
	}
	b.AddLit("<netdevs>\n")
	for _, h := range nics {
		if h.dev != nil && h.dev.Info.Alias != "" {
			h.Alias = h.dev.Info.Alias
		}
		b.AddLit("  <netdev")
		b.Attr("mac", h.MAC)
		b.AttrIf("alias", h.Alias)
		b.Attr("actual", h.Actual)
		b.AttrIf("ifname", h.Ifname)
		if h.Created {
			b.AddLit(" created='yes'")
		}
		b.AttrIf("network", h.Network)
		b.AttrIf("portid", h.PortID)
		b.AttrIf("bridge", h.Bridge)
		b.AttrIf("linkdev", h.LinkDev)
		b.AttrIf("mode", h.Mode)
		if h.Filter {
			b.AddLit(" filter='yes'")
		}
		b.AddLit("/>\n")
	}
	b.AddLit("</netdevs>\n")
}

// parseNICs reads the <netdevs> of a status file.
func parseNICs(root *xmltree.Node) []*hostNIC {
	var out []*hostNIC
	nd := root.Child("netdevs")
	if nd == nil {
		return nil
	}
	for _, c := range nd.ChildrenNamed("netdev") {
		out = append(out, &hostNIC{
			MAC: c.Prop("mac"), Alias: c.Prop("alias"), Actual: c.Prop("actual"),
			Ifname: c.Prop("ifname"), Created: c.Prop("created") == "yes",
			Network: c.Prop("network"), PortID: c.Prop("portid"), Bridge: c.Prop("bridge"),
			LinkDev: c.Prop("linkdev"), Mode: c.Prop("mode"), Filter: c.Prop("filter") == "yes",
		})
	}
	return out
}

// matchNICs ties reloaded host state to the live definition's
// interfaces, and keeps the name counters past the devices in use.
func matchNICs(def *domain.Def, nics []*hostNIC) {
	for _, h := range nics {
		if h.Ifname != "" {
			hostnet.Shared().Reserve(h.Ifname)
		}
		if def == nil || def.Devices == nil {
			continue
		}
		for _, n := range def.Devices.Interfaces() {
			if strings.EqualFold(macOf(n), h.MAC) {
				h.dev = n
			}
		}
	}
}

// releaseNICs undoes the host side of every interface once, when QEMU
// has gone.
func (p *qemuProcess) releaseNICs() {
	p.mu.Lock()
	nics := p.nics
	p.nics = nil
	p.mu.Unlock()
	if len(nics) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30e9)
	defer cancel()
	p.d.disconnectNICs(ctx, nics)
}

// releaseNIC undoes one interface the guest let go of (hot unplug).
func (p *qemuProcess) releaseNIC(alias string) {
	p.mu.Lock()
	var h *hostNIC
	for i, n := range p.nics {
		if n.Alias == alias || (n.dev != nil && n.dev.Info.Alias == alias) {
			h = n
			p.nics = append(p.nics[:i], p.nics[i+1:]...)
			break
		}
	}
	p.mu.Unlock()
	if h == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30e9)
	defer cancel()
	p.d.disconnectNIC(ctx, h)
}

// nicByDevice finds the host state of a live interface.
func (p *qemuProcess) nicByDevice(dev *domain.Device) *hostNIC {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, h := range p.nics {
		if h.dev == dev || strings.EqualFold(h.MAC, macOf(dev)) {
			return h
		}
	}
	return nil
}
