package nwfilter

import (
	"encoding/binary"
	"net/netip"
	"testing"

	"github.com/govirt/govirt/internal/conf/macaddr"
	conf "github.com/govirt/govirt/internal/conf/nwfilter"
	"github.com/govirt/govirt/internal/drivers/nwfilter/gentech"
	"github.com/govirt/govirt/internal/drivers/nwfilter/nft"
)

var (
	guestMAC = macaddr.MAC{0x52, 0x54, 0x00, 0x12, 0x34, 0x56}
	otherMAC = macaddr.MAC{0x52, 0x54, 0x00, 0xaa, 0xbb, 0xcc}
)

func ethFrame(dst, src macaddr.MAC, etherType uint16, payload []byte) []byte {
	f := append(append([]byte{}, dst[:]...), src[:]...)
	f = binary.BigEndian.AppendUint16(f, etherType)
	return append(f, payload...)
}

func ipv4Packet(src, dst netip.Addr, proto byte, payload []byte) []byte {
	h := make([]byte, 20)
	h[0] = 0x45
	binary.BigEndian.PutUint16(h[2:4], uint16(20+len(payload)))
	h[8] = 64
	h[9] = proto
	s, d := src.As4(), dst.As4()
	copy(h[12:16], s[:])
	copy(h[16:20], d[:])
	var sum uint32
	for i := 0; i < 20; i += 2 {
		sum += uint32(binary.BigEndian.Uint16(h[i : i+2]))
	}
	for sum > 0xffff {
		sum = sum&0xffff + sum>>16
	}
	binary.BigEndian.PutUint16(h[10:12], ^uint16(sum))
	return append(h, payload...)
}

// udpDatagram has no checksum, which IPv4 allows.
func udpDatagram(sport, dport uint16, payload []byte) []byte {
	u := make([]byte, 8)
	binary.BigEndian.PutUint16(u[0:2], sport)
	binary.BigEndian.PutUint16(u[2:4], dport)
	binary.BigEndian.PutUint16(u[4:6], uint16(8+len(payload)))
	return append(u, payload...)
}

func dhcpMessage(op byte, chaddr macaddr.MAC, yiaddr netip.Addr, msgType byte) []byte {
	m := make([]byte, dhcpFixedLen)
	m[0], m[1], m[2] = op, 1, 6
	y := yiaddr.As4()
	copy(m[16:20], y[:])
	copy(m[28:34], chaddr[:])
	copy(m[236:240], []byte{99, 130, 83, 99})
	return append(m, 1, 4, 255, 255, 255, 0, dhcpOptType, 1, msgType, dhcpOptEnd)
}

func arpPacket(op uint16, sha macaddr.MAC, sip, tip netip.Addr) []byte {
	p := []byte{0, 1, 8, 0, 6, 4}
	p = binary.BigEndian.AppendUint16(p, op)
	s, t := sip.As4(), tip.As4()
	p = append(append(p, sha[:]...), s[:]...)
	p = append(append(p, 0, 0, 0, 0, 0, 0), t[:]...)
	return p
}

func dhcpReplyFrame(dst macaddr.MAC, yiaddr string, msgType byte) []byte {
	ip := ipv4Packet(netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("255.255.255.255"), 17,
		udpDatagram(67, 68, dhcpMessage(2, guestMAC, netip.MustParseAddr(yiaddr), msgType)))
	return ethFrame(dst, otherMAC, etherTypeIPv4, ip)
}

func TestLearnFromFrame(t *testing.T) {
	a := netip.MustParseAddr
	udp := udpDatagram(1000, 2000, []byte("x"))
	vlan := func(f []byte) []byte {
		out := append([]byte{}, f[:12]...)
		out = append(out, 0x81, 0x00, 0x00, 0x05)
		return append(out, f[12:]...)
	}
	for _, tc := range []struct {
		name  string
		frame []byte
		mode  gentech.Learning
		want  string
	}{
		{"ipv4 from guest", ethFrame(otherMAC, guestMAC, etherTypeIPv4, ipv4Packet(a("192.0.2.7"), a("192.0.2.1"), 17, udp)), "any", "192.0.2.7"},
		{"ipv4 from guest in a VLAN", vlan(ethFrame(otherMAC, guestMAC, etherTypeIPv4, ipv4Packet(a("192.0.2.8"), a("192.0.2.1"), 17, udp))), "any", "192.0.2.8"},
		{"ipv4 from guest, dhcp mode", ethFrame(otherMAC, guestMAC, etherTypeIPv4, ipv4Packet(a("192.0.2.7"), a("192.0.2.1"), 17, udp)), "dhcp", ""},
		{"ipv4 from someone else", ethFrame(guestMAC, otherMAC, etherTypeIPv4, ipv4Packet(a("192.0.2.7"), a("192.0.2.1"), 17, udp)), "any", ""},
		{"DHCP discover from 0.0.0.0", ethFrame(broadcastMAC, guestMAC, etherTypeIPv4, ipv4Packet(a("0.0.0.0"), a("255.255.255.255"), 17, udpDatagram(68, 67, dhcpMessage(1, guestMAC, a("0.0.0.0"), 1)))), "any", ""},
		{"multicast source", ethFrame(otherMAC, guestMAC, etherTypeIPv4, ipv4Packet(a("224.0.0.5"), a("192.0.2.1"), 17, udp)), "any", ""},
		{"class E source", ethFrame(otherMAC, guestMAC, etherTypeIPv4, ipv4Packet(a("250.0.0.1"), a("192.0.2.1"), 17, udp)), "any", ""},
		{"ARP request", ethFrame(broadcastMAC, guestMAC, etherTypeARP, arpPacket(1, guestMAC, a("192.0.2.9"), a("192.0.2.1"))), "any", "192.0.2.9"},
		{"ARP reply", ethFrame(otherMAC, guestMAC, etherTypeARP, arpPacket(2, guestMAC, a("192.0.2.10"), a("192.0.2.1"))), "any", "192.0.2.10"},
		{"ARP probe", ethFrame(broadcastMAC, guestMAC, etherTypeARP, arpPacket(1, guestMAC, a("0.0.0.0"), a("192.0.2.11"))), "any", ""},
		{"DHCP offer unicast", dhcpReplyFrame(guestMAC, "192.0.2.50", dhcpMsgOffer), "dhcp", "192.0.2.50"},
		{"DHCP ack broadcast", dhcpReplyFrame(broadcastMAC, "192.0.2.51", dhcpMsgAck), "any", "192.0.2.51"},
		{"DHCP nak", dhcpReplyFrame(guestMAC, "192.0.2.52", 6), "dhcp", ""},
		{"DHCP offer to another MAC", dhcpReplyFrame(otherMAC, "192.0.2.53", dhcpMsgOffer), "dhcp", ""},
		{"truncated", []byte{1, 2, 3}, "any", ""},
		{"truncated DHCP", dhcpReplyFrame(guestMAC, "192.0.2.54", dhcpMsgOffer)[:100], "dhcp", ""},
	} {
		got, ok := learnFromFrame(tc.frame, guestMAC, tc.mode)
		gotText := ""
		if ok {
			gotText = got.String()
		}
		if gotText != tc.want {
			t.Errorf("%s: learned %q, want %q", tc.name, gotText, tc.want)
		}
	}
}

func FuzzLearnFromFrame(f *testing.F) {
	f.Add(dhcpReplyFrame(guestMAC, "192.0.2.50", dhcpMsgOffer), true)
	f.Add(ethFrame(broadcastMAC, guestMAC, etherTypeARP, arpPacket(1, guestMAC, netip.MustParseAddr("192.0.2.9"), netip.MustParseAddr("192.0.2.1"))), false)
	f.Fuzz(func(t *testing.T, frame []byte, dhcp bool) {
		mode := gentech.Learning("any")
		if dhcp {
			mode = "dhcp"
		}
		if a, ok := learnFromFrame(frame, guestMAC, mode); ok && (!a.Is4() || a.IsUnspecified()) {
			t.Fatalf("learned %v", a)
		}
	})
}

// The learning-phase filters must resolve and translate for the nft
// backend, with and without DHCP servers.
func TestLearningFiltersTranslate(t *testing.T) {
	for name := range learningFilterXML {
		rules, err := learningRules(name, conf.Params{gentech.VarMAC: {guestMAC.String()}, gentech.VarDHCPServer: {"192.0.2.1", "192.0.2.2"}})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(rules) == 0 {
			t.Fatalf("%s: no rules", name)
		}
		if _, err := nft.Script("vnet0", rules, nil, true); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
