package nwfilter

import (
	"encoding/binary"
	"net/netip"

	"github.com/govirt/govirt/internal/conf/macaddr"
	"github.com/govirt/govirt/internal/drivers/nwfilter/gentech"
)

const (
	etherTypeIPv4 = 0x0800
	etherTypeARP  = 0x0806
	etherTypeVLAN = 0x8100

	dhcpMsgOffer = 2
	dhcpMsgAck   = 5
	dhcpOptPad   = 0
	dhcpOptEnd   = 255
	dhcpOptType  = 53
	// op, htype, hlen, hops, xid, secs, flags, ciaddr, yiaddr, siaddr,
	// giaddr, chaddr[16], sname[64], file[128], magic cookie
	dhcpFixedLen = 240
)

var broadcastMAC = macaddr.MAC{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}

// learnFromFrame looks at one Ethernet frame seen on the guest's
// interface for the guest's IPv4 address, as libvirt's learner does:
// with mode "any", the source of an IPv4 packet or the sender of an ARP
// packet the guest sends; with either mode, the address a DHCP server
// offers or acknowledges to the guest's MAC address.
//
// Unlike libvirt, an ARP request gives its sender's address, not the
// one it asks for: the target of a request is somebody else.
func learnFromFrame(frame []byte, mac macaddr.MAC, mode gentech.Learning) (netip.Addr, bool) {
	if len(frame) < 14 {
		return netip.Addr{}, false
	}
	var dst, src macaddr.MAC
	copy(dst[:], frame[0:6])
	copy(src[:], frame[6:12])
	etherType := binary.BigEndian.Uint16(frame[12:14])
	payload := frame[14:]
	if etherType == etherTypeVLAN {
		if len(frame) < 18 {
			return netip.Addr{}, false
		}
		etherType = binary.BigEndian.Uint16(frame[16:18])
		payload = frame[18:]
	}
	switch {
	case src == mac && mode == "any":
		switch etherType {
		case etherTypeIPv4:
			if len(payload) < 20 || payload[0]>>4 != 4 {
				return netip.Addr{}, false
			}
			return usable(netip.AddrFrom4([4]byte(payload[12:16])))
		case etherTypeARP:
			// htype 1, ptype IPv4, hlen 6, plen 4
			if len(payload) < 28 || binary.BigEndian.Uint16(payload[2:4]) != etherTypeIPv4 ||
				payload[4] != 6 || payload[5] != 4 {
				return netip.Addr{}, false
			}
			return usable(netip.AddrFrom4([4]byte(payload[14:18])))
		}
	case (dst == mac || dst == broadcastMAC) && etherType == etherTypeIPv4:
		return dhcpReply(payload, mac)
	}
	return netip.Addr{}, false
}

// usable refuses what cannot be a guest's own address: 0.0.0.0 (a DHCP
// client before it has one, an ARP probe), multicast and class E.
func usable(a netip.Addr) (netip.Addr, bool) {
	b := a.As4()
	if a.IsUnspecified() || b[0]&0xe0 == 0xe0 {
		return netip.Addr{}, false
	}
	return a, true
}

// dhcpReply reads a DHCP offer or acknowledgement to mac from an IPv4
// packet and returns the address it gives (yiaddr).
func dhcpReply(ip []byte, mac macaddr.MAC) (netip.Addr, bool) {
	if len(ip) < 20 || ip[0]>>4 != 4 || ip[9] != 17 {
		return netip.Addr{}, false
	}
	ihl := int(ip[0]&0x0f) * 4
	if ihl < 20 || len(ip) < ihl+8 {
		return netip.Addr{}, false
	}
	udp := ip[ihl:]
	if binary.BigEndian.Uint16(udp[0:2]) != 67 || binary.BigEndian.Uint16(udp[2:4]) != 68 {
		return netip.Addr{}, false
	}
	dhcp := udp[8:]
	if len(dhcp) < dhcpFixedLen || dhcp[0] != 2 /* BOOTREPLY */ || [6]byte(dhcp[28:34]) != mac {
		return netip.Addr{}, false
	}
	opts := dhcp[dhcpFixedLen:]
	for len(opts) > 0 {
		code := opts[0]
		if code == dhcpOptPad {
			opts = opts[1:]
			continue
		}
		if code == dhcpOptEnd || len(opts) < 2 || len(opts) < 2+int(opts[1]) {
			break
		}
		value := opts[2 : 2+int(opts[1])]
		if code == dhcpOptType && len(value) == 1 && (value[0] == dhcpMsgOffer || value[0] == dhcpMsgAck) {
			return usable(netip.AddrFrom4([4]byte(dhcp[16:20])))
		}
		opts = opts[2+int(opts[1]):]
	}
	return netip.Addr{}, false
}
