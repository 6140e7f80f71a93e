package command

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/conf/xmltree"
)

func init() {
	RegisterStep("net", buildNets)
}

// HostFDs hands over the host descriptors devices need: an interface's
// tap (or macvtap) descriptors, its vhost-net descriptors and its vDPA
// device, a vhost-scsi host device's /dev/vhost-scsi. A real start opens
// them before building the command line; n is the number of queues.
type HostFDs interface {
	TapFDs(net *domain.Device, n int) []int
	VhostFDs(net *domain.Device, n int) []int
	VDPAFD(net *domain.Device) int
	VhostSCSIFD(hostdev *domain.Device) int
}

// testHostFDs mirrors the descriptors qemuxml2argvmock.c fakes.
type testHostFDs struct{}

func (testHostFDs) TapFDs(_ *domain.Device, n int) []int   { return fdRange(3, n) }
func (testHostFDs) VhostFDs(_ *domain.Device, n int) []int { return fdRange(44, n) }
func (testHostFDs) VDPAFD(*domain.Device) int              { return 1732 }
func (testHostFDs) VhostSCSIFD(*domain.Device) int         { return 3 }

func fdRange(first, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = first + i
	}
	return out
}

func (b *Builder) hostFDs() HostFDs {
	if f := b.Ctx.HostFDs; f != nil {
		return f
	}
	return testHostFDs{}
}

// netModel is virDomainNetGetModelString.
func netModel(n *domain.Device) string {
	if m := n.Child("model"); m != nil {
		return m.Prop("type")
	}
	return ""
}

// netIsVirtio is virDomainNetIsVirtioModel.
func netIsVirtio(n *domain.Device) bool {
	switch netModel(n) {
	case "virtio", "virtio-transitional", "virtio-non-transitional":
		return true
	}
	return false
}

func netDriverAttr(n *domain.Device, attr string) string {
	if d := n.Child("driver"); d != nil {
		return d.Prop(attr)
	}
	return ""
}

func netDriverSub(n *domain.Device, sub, attr string) string {
	if d := n.Child("driver"); d != nil {
		if s := d.Child(sub); s != nil {
			return s.Prop(attr)
		}
	}
	return ""
}

// netQueues is <driver queues>, 0 when unset.
func netQueues(n *domain.Device) int {
	v, _ := strconv.Atoi(netDriverAttr(n, "queues"))
	return v
}

// childrenNamed lists every sub-element of a device with that name.
func childrenNamed(dev *domain.Device, name string) []*xmltree.Node {
	var out []*xmltree.Node
	for _, c := range dev.ChildNodes() {
		if c.Name == name {
			out = append(out, c)
		}
	}
	return out
}

// buildNets is qemuBuildNetCommandLine.
func buildNets(b *Builder) error {
	if b.Def.Devices == nil {
		return nil
	}
	for _, n := range b.Def.Devices.Interfaces() {
		if err := b.buildInterface(n); err != nil {
			return err
		}
	}
	return nil
}

// buildInterface is qemuBuildInterfaceCommandLine: the host side
// (-netdev, with the descriptors handed over) then the guest NIC.
func (b *Builder) buildInterface(n *domain.Device) error {
	typ := n.Attr("type")
	var tapFDs, vhostFDs []string
	vdpaPath := ""
	queues := netQueues(n)
	if queues == 0 {
		queues = 1
	}
	fds := b.hostFDs()
	switch typ {
	case "hostdev":
		// built with the other host devices
		return nil
	case "network", "bridge", "direct", "ethernet":
		for _, fd := range fds.TapFDs(n, queues) {
			tapFDs = append(tapFDs, strconv.Itoa(fd))
		}
		if netIsVirtio(n) && netDriverAttr(n, "name") != "qemu" {
			for _, fd := range fds.VhostFDs(n, queues) {
				vhostFDs = append(vhostFDs, strconv.Itoa(fd))
			}
		}
	case "vhostuser":
		src := vhostUserSource(n)
		if src.Type != "unix" {
			return Internal("vhost-user type '%s' not supported", src.Type)
		}
		if err := b.AddChardev(src, "char"+n.Info.Alias, ChardevOptions{Wait: true, NoFDPass: true}); err != nil {
			return err
		}
	case "vdpa":
		vdpaPath = b.addFD(fds.VDPAFD(n), n.Info.Alias+"-vdpa")
	}
	host, err := b.hostNetProps(n, tapFDs, vhostFDs, vdpaPath)
	if err != nil {
		return err
	}
	if err := b.AddNetdev(host); err != nil {
		return err
	}
	nic, err := b.nicDevProps(n)
	if err != nil {
		return err
	}
	return b.AddDevice(nic)
}

// vhostUserSource turns a vhostuser interface's <source> into the
// character device libvirt connects it through.
func vhostUserSource(n *domain.Device) *domain.ChrSource {
	src := &domain.ChrSource{Type: "unix"}
	s := n.Child("source")
	if s == nil {
		return src
	}
	if t := s.Prop("type"); t != "" {
		src.Type = t
	}
	src.Path = s.Prop("path")
	if s.Prop("mode") == "server" {
		src.Mode = "bind"
	}
	if r := s.Child("reconnect"); r != nil {
		rc := &domain.ChrReconnect{Enabled: r.Prop("enabled")}
		rc.Timeout, _ = strconv.ParseUint(r.Prop("timeout"), 10, 64)
		src.Reconnect = rc
	}
	return src
}

// hostNetProps is qemuBuildHostNetProps.
func (b *Builder) hostNetProps(n *domain.Device, tapFDs, vhostFDs []string, vdpaPath string) (*Props, error) {
	typ := n.Attr("type")
	if n.Child("script") != nil && typ != "ethernet" {
		return nil, Unsupported("scripts are not supported on interfaces of type %s", typ)
	}
	p := NewProps()
	src := n.Child("source")
	srcAttr := func(name string) string {
		if src == nil {
			return ""
		}
		return src.Prop(name)
	}
	socketAddr := func() string { return srcAttr("address") + ":" + orZero(srcAttr("port")) }
	switch typ {
	case "bridge", "network", "direct", "ethernet":
		p.Str("type", "tap")
		field := "fd"
		if len(tapFDs) > 1 {
			field = "fds"
		}
		p.Str(field, strings.Join(tapFDs, ":"))
		if len(vhostFDs) > 0 {
			p.Bool("vhost", true)
			field = "vhostfd"
			if len(vhostFDs) > 1 {
				field = "vhostfds"
			}
			p.Str(field, strings.Join(vhostFDs, ":"))
		}
		if tune := n.Child("tune"); tune != nil {
			if sb, ok := tune.ChildText("sndbuf"); ok {
				if v, err := strconv.ParseUint(strings.TrimSpace(sb), 10, 64); err == nil {
					p.Uint("sndbuf", v)
				}
			}
		}
	case "client":
		p.Str("type", "socket").Str("connect", socketAddr())
	case "server":
		p.Str("type", "socket").Str("listen", socketAddr())
	case "mcast":
		p.Str("type", "socket").Str("mcast", socketAddr())
	case "udp":
		local := ""
		if src != nil {
			if l := src.Child("local"); l != nil {
				local = l.Prop("address") + ":" + orZero(l.Prop("port"))
			}
		}
		p.Str("type", "socket").Str("udp", socketAddr()).Str("localaddr", local)
	case "user":
		p.Str("type", "user")
		for _, ip := range childrenNamed(n, "ip") {
			addr, err := netip.ParseAddr(ip.Prop("address"))
			if err != nil {
				continue
			}
			prefix, _ := strconv.ParseUint(ip.Prop("prefix"), 10, 32)
			if addr.Is4() {
				v := addr.String()
				if prefix > 0 {
					v = fmt.Sprintf("%s/%d", v, prefix)
				}
				p.Str("net", v)
			} else {
				p.Str("ipv6-prefix", addr.String()).UintNZ("ipv6-prefixlen", prefix)
			}
		}
	case "internal":
		p.Str("type", "user")
	case "vhostuser":
		p.Str("type", "vhost-user").Str("chardev", "char"+n.Info.Alias)
		if q := netQueues(n); q > 1 {
			p.Uint("queues", uint64(q))
		}
	case "vdpa":
		p.Str("type", "vhost-vdpa").Str("vhostdev", vdpaPath)
		if q := netQueues(n); q > 1 {
			p.Uint("queues", uint64(q))
		}
	default:
		return nil, Unsupported("network device type '%s' is not supported by this hypervisor", typ)
	}
	p.Str("id", "host"+n.Info.Alias)
	return p, nil
}

func orZero(s string) string {
	if s == "" {
		return "0"
	}
	return s
}

// nicDevProps is qemuBuildNicDevProps.
func (b *Builder) nicDevProps(n *domain.Device) (*Props, error) {
	var p *Props
	if netIsVirtio(n) {
		tx := ""
		switch netDriverAttr(n, "txmode") {
		case "iothread":
			tx = "bh"
		case "timer":
			tx = "timer"
		}
		mq := ""
		var vectors uint64
		if q := netQueues(n); q > 1 {
			mq = "on"
			if n.Info.Address == nil || n.Info.Address.Type != "ccw" {
				vectors = uint64(2*q + 2)
			}
		}
		failover := ""
		if t := n.Child("teaming"); t != nil && t.Prop("type") == "persistent" {
			failover = "on"
		}
		var err error
		if p, err = b.virtioDevProps("virtio-net", n, &n.Info, netModel(n), true); err != nil {
			return nil, err
		}
		p.StrOpt("tx", tx).
			Tristate("ioeventfd", netDriverAttr(n, "ioeventfd")).
			Tristate("event_idx", netDriverAttr(n, "event_idx")).
			Tristate("csum", netDriverSub(n, "host", "csum")).
			Tristate("gso", netDriverSub(n, "host", "gso")).
			Tristate("host_tso4", netDriverSub(n, "host", "tso4")).
			Tristate("host_tso6", netDriverSub(n, "host", "tso6")).
			Tristate("host_ecn", netDriverSub(n, "host", "ecn")).
			Tristate("host_ufo", netDriverSub(n, "host", "ufo")).
			Tristate("mrg_rxbuf", netDriverSub(n, "host", "mrg_rxbuf")).
			Tristate("guest_csum", netDriverSub(n, "guest", "csum")).
			Tristate("guest_tso4", netDriverSub(n, "guest", "tso4")).
			Tristate("guest_tso6", netDriverSub(n, "guest", "tso6")).
			Tristate("guest_ecn", netDriverSub(n, "guest", "ecn")).
			Tristate("guest_ufo", netDriverSub(n, "guest", "ufo")).
			Tristate("mq", mq).
			UintNZ("vectors", vectors).
			UintNZ("rx_queue_size", uintAttr(netDriverAttr(n, "rx_queue_size"))).
			UintNZ("tx_queue_size", uintAttr(netDriverAttr(n, "tx_queue_size"))).
			Tristate("rss", netDriverAttr(n, "rss")).
			Tristate("hash", netDriverAttr(n, "rss_hash_report"))
		if mtu := n.Child("mtu"); mtu != nil {
			p.UintNZ("host_mtu", uintAttr(mtu.Prop("size")))
		}
		p.Tristate("failover", failover)
	} else {
		p = NewProps().Str("driver", netModel(n))
	}
	mac := ""
	if m := n.Child("mac"); m != nil {
		mac = m.Prop("address")
	}
	p.Str("netdev", "host"+n.Info.Alias).Str("id", n.Info.Alias).Str("mac", mac)
	p.UintNZ("bootindex", b.bootIndexes()[&n.Info])
	if err := b.addDeviceAddress(p, &n.Info, ""); err != nil {
		return nil, err
	}
	if err := addRomProps(p, &n.Info); err != nil {
		return nil, err
	}
	return p, nil
}
