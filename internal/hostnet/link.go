package hostnet

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/govirt/govirt/virt/virterr"
	"github.com/vishvananda/netlink"
)

func sysErr(err error, format string, args ...any) error {
	return virterr.New(virterr.SystemError, "%s: %v", fmt.Sprintf(format, args...), err)
}

// Exists reports whether an interface named name exists (virNetDevExists).
func Exists(name string) bool {
	_, err := netlink.LinkByName(name)
	return err == nil
}

// IfIndex is the interface's index, or 0 when it does not exist.
func IfIndex(name string) int {
	l, err := netlink.LinkByName(name)
	if err != nil {
		return 0
	}
	return l.Attrs().Index
}

func link(name string) (netlink.Link, error) {
	l, err := netlink.LinkByName(name)
	if err != nil {
		return nil, sysErr(err, "Unable to get index for interface %s", name)
	}
	return l, nil
}

// BridgeOptions are what a network's bridge is created with.
type BridgeOptions struct {
	MAC net.HardwareAddr // nil keeps the kernel's
	MTU int              // 0 keeps the default
}

// CreateBridge creates a bridge (virNetDevBridgeCreate); it fails when the
// name is taken.
func CreateBridge(name string, opts BridgeOptions) error {
	attrs := netlink.NewLinkAttrs()
	attrs.Name = name
	if opts.MAC != nil {
		attrs.HardwareAddr = opts.MAC
	}
	if opts.MTU > 0 {
		attrs.MTU = opts.MTU
	}
	if err := netlink.LinkAdd(&netlink.Bridge{LinkAttrs: attrs}); err != nil {
		return sysErr(err, "Unable to create bridge %s", name)
	}
	return nil
}

// DeleteLink removes an interface; one already gone is not an error.
func DeleteLink(name string) error {
	l, err := netlink.LinkByName(name)
	if err != nil {
		var nf netlink.LinkNotFoundError
		if errors.As(err, &nf) {
			return nil
		}
		return sysErr(err, "Unable to delete %s", name)
	}
	if err := netlink.LinkDel(l); err != nil && !errors.Is(err, syscall.ENODEV) {
		return sysErr(err, "Unable to delete %s", name)
	}
	return nil
}

// SetUp brings an interface up or down (virNetDevSetOnline).
func SetUp(name string, up bool) error {
	l, err := link(name)
	if err != nil {
		return err
	}
	if up {
		err = netlink.LinkSetUp(l)
	} else {
		err = netlink.LinkSetDown(l)
	}
	if err != nil {
		return sysErr(err, "Cannot set interface flags on '%s'", name)
	}
	return nil
}

// SetMTU sets an interface's MTU (virNetDevSetMTU).
func SetMTU(name string, mtu int) error {
	l, err := link(name)
	if err != nil {
		return err
	}
	if err := netlink.LinkSetMTU(l, mtu); err != nil {
		return sysErr(err, "Cannot set interface MTU on '%s'", name)
	}
	return nil
}

// MTU is an interface's MTU, 0 when it does not exist.
func MTU(name string) int {
	l, err := netlink.LinkByName(name)
	if err != nil {
		return 0
	}
	return l.Attrs().MTU
}

// SetMaster attaches dev to bridge (virNetDevBridgeAddPort).
func SetMaster(dev, bridge string) error {
	l, err := link(dev)
	if err != nil {
		return err
	}
	br, err := link(bridge)
	if err != nil {
		return err
	}
	if err := netlink.LinkSetMaster(l, br); err != nil {
		return sysErr(err, "Unable to add bridge %s port %s", bridge, dev)
	}
	return nil
}

// AddAddress puts addr/prefix on name with the broadcast address libvirt
// sets for IPv4 (virNetDevIPAddrAdd).
func AddAddress(name string, addr netip.Addr, prefix int) error {
	l, err := link(name)
	if err != nil {
		return err
	}
	bits := 32
	if addr.Is6() {
		bits = 128
	}
	a := &netlink.Addr{IPNet: &net.IPNet{IP: addr.AsSlice(), Mask: net.CIDRMask(prefix, bits)}}
	if addr.Is4() && prefix < 31 {
		pfx := netip.PrefixFrom(addr, prefix).Masked()
		b := pfx.Addr().As4()
		host := uint32(1)<<(32-prefix) - 1
		for i := 0; i < 4; i++ {
			b[i] |= byte(host >> (24 - 8*i))
		}
		a.Broadcast = net.IP(b[:])
	}
	if err := netlink.AddrAdd(l, a); err != nil {
		return sysErr(err, "Failed to add IP address %s/%d to %s", addr, prefix, name)
	}
	return nil
}

// AddRoute adds a route to dst through gateway on dev (virNetDevIPRouteAdd).
func AddRoute(dev string, dst netip.Prefix, gateway netip.Addr, metric int) error {
	l, err := link(dev)
	if err != nil {
		return err
	}
	r := &netlink.Route{LinkIndex: l.Attrs().Index, Dst: prefixNet(dst), Priority: metric}
	if gateway.IsValid() {
		r.Gw = gateway.AsSlice()
	}
	if err := netlink.RouteAdd(r); err != nil {
		return sysErr(err, "Failed to add route to %s via %s", dst, gateway)
	}
	return nil
}

func prefixNet(p netip.Prefix) *net.IPNet {
	bits := 32
	if p.Addr().Is6() {
		bits = 128
	}
	return &net.IPNet{IP: p.Masked().Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), bits)}
}

// Route is one route of the host's table.
type Route struct {
	Dev string
	Dst netip.Prefix
}

// Routes lists the host's routes of one family with a destination
// (what networkCheckRouteCollision reads from /proc/net/route).
func Routes(v6 bool) ([]Route, error) {
	family := netlink.FAMILY_V4
	if v6 {
		family = netlink.FAMILY_V6
	}
	rs, err := netlink.RouteList(nil, family)
	if err != nil {
		return nil, sysErr(err, "Unable to list routes")
	}
	names := map[int]string{}
	if links, err := netlink.LinkList(); err == nil {
		for _, l := range links {
			names[l.Attrs().Index] = l.Attrs().Name
		}
	}
	var out []Route
	for _, r := range rs {
		if r.Dst == nil {
			continue
		}
		a, ok := netip.AddrFromSlice(r.Dst.IP)
		if !ok {
			continue
		}
		ones, _ := r.Dst.Mask.Size()
		out = append(out, Route{Dev: names[r.LinkIndex], Dst: netip.PrefixFrom(a.Unmap(), ones)})
	}
	return out, nil
}

// MAC is an interface's hardware address, nil when it does not exist.
func MAC(name string) net.HardwareAddr {
	l, err := netlink.LinkByName(name)
	if err != nil {
		return nil
	}
	return l.Attrs().HardwareAddr
}

// sysfsBridge writes one of a bridge's sysfs settings.
func sysfsBridge(bridge, key, value string) error {
	path := filepath.Join("/sys/class/net", bridge, "bridge", key)
	if err := os.WriteFile(path, []byte(value), 0); err != nil {
		return sysErr(err, "Unable to set bridge %s %s", bridge, key)
	}
	return nil
}

// SetSTP turns spanning tree on or off (virNetDevBridgeSetSTP).
func SetSTP(bridge string, on bool) error {
	v := "0"
	if on {
		v = "1"
	}
	return sysfsBridge(bridge, "stp_state", v)
}

// SetSTPDelay sets the forward delay in milliseconds
// (virNetDevBridgeSetSTPDelay: the kernel counts in clock ticks of 10 ms).
func SetSTPDelay(bridge string, ms uint64) error {
	return sysfsBridge(bridge, "forward_delay", strconv.FormatUint(ms/10, 10))
}

// SetVlanFiltering enables the bridge's VLAN filtering, which the
// "libvirt" MAC table manager needs.
func SetVlanFiltering(bridge string, on bool) error {
	v := "0"
	if on {
		v = "1"
	}
	return sysfsBridge(bridge, "vlan_filtering", v)
}

// Sysctl writes a /proc/sys/net setting ("net/ipv6/conf/virbr0/disable_ipv6").
func Sysctl(key, value string) error {
	path := filepath.Join("/proc/sys", key)
	if err := os.WriteFile(path, []byte(value), 0); err != nil {
		return sysErr(err, "cannot write to '%s'", path)
	}
	return nil
}

// ReadSysctl reads a /proc/sys setting, trimmed.
func ReadSysctl(key string) (string, error) {
	data, err := os.ReadFile(filepath.Join("/proc/sys", key))
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(data)), nil
}

// Devices lists the names of every interface of the host.
func Devices() ([]string, error) {
	links, err := netlink.LinkList()
	if err != nil {
		return nil, sysErr(err, "Unable to list interfaces")
	}
	out := make([]string, 0, len(links))
	for _, l := range links {
		out = append(out, l.Attrs().Name)
	}
	return out, nil
}

// ReserveExisting moves every counter past the generated names the host
// already has, for the devices of guests that outlived a daemon restart.
func (n *Names) ReserveExisting() error {
	devs, err := Devices()
	if err != nil {
		return err
	}
	for _, d := range devs {
		n.Reserve(d)
	}
	return nil
}

// TapOptions are what a tap device is created with.
type TapOptions struct {
	MAC    net.HardwareAddr
	MTU    int
	Bridge string // attach to this bridge and bring it up when set
	Queues int    // multiqueue; 0 or 1 is one queue
	// KeepFDs keeps the tap's queue file descriptors open and returns
	// them (for a hypervisor to inherit); otherwise the device is made
	// persistent and closed.
	KeepFDs bool
}

// Tap is a created tap device.
type Tap struct {
	Name string
	FDs  []*os.File
}

func isExist(err error) bool {
	return errors.Is(err, syscall.EEXIST) || errors.Is(err, syscall.EBUSY)
}

// CreateTap creates a tap device named name, or, when name is "" or a
// generated-name template ending in %d, under the next name of the tap
// counter (virNetDevTapCreate).
func (n *Names) CreateTap(name string, opts TapOptions) (*Tap, error) {
	tap := &Tap{}
	create := func(try string) (bool, error) {
		// TUNSETIFF would attach to an existing persistent tap of that
		// name instead of failing, so a taken name is detected first.
		if Exists(try) {
			return true, nil
		}
		attrs := netlink.NewLinkAttrs()
		attrs.Name = try
		t := &netlink.Tuntap{LinkAttrs: attrs, Mode: netlink.TUNTAP_MODE_TAP,
			Flags: netlink.TUNTAP_NO_PI | netlink.TUNTAP_VNET_HDR, NonPersist: opts.KeepFDs, Queues: 1}
		if opts.Queues > 1 {
			t.Flags |= netlink.TUNTAP_MULTI_QUEUE_DEFAULTS
			t.Queues = opts.Queues
		}
		if err := netlink.LinkAdd(t); err != nil {
			if isExist(err) {
				return true, nil
			}
			return false, sysErr(err, "Unable to create tap device %s", try)
		}
		if opts.KeepFDs {
			tap.FDs = t.Fds
		} else {
			for _, f := range t.Fds {
				f.Close()
			}
		}
		return false, nil
	}
	var err error
	if name == "" || name == TemplateTap+"%d" {
		name, err = n.Generate(TemplateTap, create)
	} else {
		var taken bool
		if taken, err = create(name); err == nil && taken {
			err = virterr.New(virterr.SystemError, "Unable to create tap device %s: File exists", name)
		}
	}
	if err != nil {
		return nil, err
	}
	tap.Name = name
	if err := finishDevice(name, opts.MAC, opts.MTU, opts.Bridge); err != nil {
		for _, f := range tap.FDs {
			f.Close()
		}
		DeleteLink(name)
		return nil, err
	}
	return tap, nil
}

// finishDevice sets a new device's MAC, attaches it to a bridge and
// brings it up.
func finishDevice(name string, mac net.HardwareAddr, mtu int, bridge string) error {
	l, err := link(name)
	if err != nil {
		return err
	}
	if mtu > 0 {
		if err := netlink.LinkSetMTU(l, mtu); err != nil {
			return sysErr(err, "Cannot set interface MTU on '%s'", name)
		}
	}
	if mac != nil {
		if err := netlink.LinkSetHardwareAddr(l, mac); err != nil {
			return sysErr(err, "Cannot set interface MAC on '%s'", name)
		}
	}
	if bridge != "" {
		if err := SetMaster(name, bridge); err != nil {
			return err
		}
		return SetUp(name, true)
	}
	return nil
}

// Macvlan modes as libvirt names them.
var macvlanModes = map[string]netlink.MacvlanMode{
	"":            netlink.MACVLAN_MODE_VEPA,
	"vepa":        netlink.MACVLAN_MODE_VEPA,
	"private":     netlink.MACVLAN_MODE_PRIVATE,
	"bridge":      netlink.MACVLAN_MODE_BRIDGE,
	"passthrough": netlink.MACVLAN_MODE_PASSTHRU,
}

// MacvOptions are what a macvtap or macvlan device is created with.
type MacvOptions struct {
	Link string // the host device it sits on
	Mode string // vepa (default), private, bridge, passthrough
	MAC  net.HardwareAddr
	Tap  bool // macvtap rather than macvlan
}

// CreateMacv creates a macvtap or macvlan device on opts.Link, named name
// or, when name is "", from the macvtap/macvlan counter
// (virNetDevMacVLanCreateWithVPortProfile).
func (n *Names) CreateMacv(name string, opts MacvOptions) (string, error) {
	mode, ok := macvlanModes[opts.Mode]
	if !ok {
		return "", virterr.New(virterr.ConfigUnsupported, "unknown macvlan mode '%s'", opts.Mode)
	}
	parent, err := link(opts.Link)
	if err != nil {
		return "", err
	}
	create := func(try string) (bool, error) {
		if Exists(try) {
			return true, nil
		}
		attrs := netlink.NewLinkAttrs()
		attrs.Name = try
		attrs.ParentIndex = parent.Attrs().Index
		if opts.MAC != nil {
			attrs.HardwareAddr = opts.MAC
		}
		var l netlink.Link = &netlink.Macvlan{LinkAttrs: attrs, Mode: mode}
		if opts.Tap {
			l = &netlink.Macvtap{Macvlan: netlink.Macvlan{LinkAttrs: attrs, Mode: mode}}
		}
		if err := netlink.LinkAdd(l); err != nil {
			if isExist(err) {
				return true, nil
			}
			return false, sysErr(err, "error creating %s type of interface attach to %s", l.Type(), opts.Link)
		}
		return false, nil
	}
	template := TemplateMacvlan
	if opts.Tap {
		template = TemplateMacvtap
	}
	if name == "" || name == template+"%d" {
		name, err = n.Generate(template, create)
	} else {
		var taken bool
		if taken, err = create(name); err == nil && taken {
			err = virterr.New(virterr.SystemError, "Unable to create device %s: File exists", name)
		}
	}
	if err != nil {
		return "", err
	}
	if err := SetUp(name, true); err != nil {
		DeleteLink(name)
		return "", err
	}
	return name, nil
}
