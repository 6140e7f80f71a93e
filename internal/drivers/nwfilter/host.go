package nwfilter

import (
	"errors"
	"fmt"
	"net"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/govirt/govirt/internal/conf/macaddr"
	"github.com/govirt/govirt/internal/hostnet"
)

// Host is what the driver does to the host's interfaces besides
// firewalling them.
type Host interface {
	// IfIndex is the interface's index, 0 when it does not exist.
	IfIndex(name string) int
	// SetLinkDown takes the interface down.
	SetLinkDown(name string) error
	// ListenPacket opens a packet socket on the interface that sees the
	// frames from, to, and broadcast around mac.
	ListenPacket(ifname string, mac macaddr.MAC) (PacketSource, error)
}

// PacketSource delivers frames; ReadFrame waits at most readTimeout and
// then fails with errReadTimeout.
type PacketSource interface {
	ReadFrame(buf []byte) (int, error)
	Close() error
}

// localHost is the network namespace the daemon runs in.
type localHost struct{}

func (localHost) IfIndex(name string) int {
	ifi, err := net.InterfaceByName(name)
	if err != nil {
		return 0
	}
	return ifi.Index
}

func (localHost) SetLinkDown(name string) error { return hostnet.SetUp(name, false) }

func (localHost) ListenPacket(ifname string, mac macaddr.MAC) (PacketSource, error) {
	return OpenPacketSocket(ifname, mac)
}

// packetSocket is an AF_PACKET socket with a classic BPF program that
// keeps only the guest's frames.
type packetSocket struct{ fd int }

// OpenPacketSocket opens a packet socket on ifname in the calling
// thread's network namespace, filtered to frames from or to mac and
// broadcasts (DHCP replies may be broadcast).
func OpenPacketSocket(ifname string, mac macaddr.MAC) (PacketSource, error) {
	ifi, err := net.InterfaceByName(ifname)
	if err != nil {
		return nil, err
	}
	// protocol 0 receives nothing until bound, so no unfiltered frame
	// slips in before the filter is attached
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("packet socket: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			unix.Close(fd)
		}
	}()
	prog := macFilter(mac)
	fprog := unix.SockFprog{Len: uint16(len(prog)), Filter: &prog[0]}
	if err := unix.SetsockoptSockFprog(fd, unix.SOL_SOCKET, unix.SO_ATTACH_FILTER, &fprog); err != nil {
		return nil, fmt.Errorf("attach filter: %w", err)
	}
	tv := unix.NsecToTimeval(readTimeout.Nanoseconds())
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		return nil, fmt.Errorf("receive timeout: %w", err)
	}
	sa := &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: ifi.Index}
	if err := unix.Bind(fd, sa); err != nil {
		return nil, fmt.Errorf("bind to %s: %w", ifname, err)
	}
	ok = true
	return &packetSocket{fd: fd}, nil
}

func (s *packetSocket) ReadFrame(buf []byte) (int, error) {
	for {
		n, _, err := unix.Recvfrom(s.fd, buf, 0)
		switch {
		case err == nil:
			return n, nil
		case errors.Is(err, unix.EINTR):
			continue
		case errors.Is(err, unix.EAGAIN), errors.Is(err, unix.EWOULDBLOCK):
			return 0, errReadTimeout
		default:
			return 0, err
		}
	}
}

func (s *packetSocket) Close() error { return unix.Close(s.fd) }

func htons(v uint16) uint16 {
	b := (*[2]byte)(unsafe.Pointer(&v))
	return uint16(b[0])<<8 | uint16(b[1])
}

// macFilter is the BPF program for "ether src MAC or ether dst MAC or
// ether dst ff:ff:ff:ff:ff:ff".
func macFilter(mac macaddr.MAC) []unix.SockFilter {
	const (
		ldW  = unix.BPF_LD | unix.BPF_W | unix.BPF_ABS
		ldH  = unix.BPF_LD | unix.BPF_H | unix.BPF_ABS
		jeq  = unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K
		retK = unix.BPF_RET | unix.BPF_K
	)
	hi := uint32(mac[0])<<24 | uint32(mac[1])<<16 | uint32(mac[2])<<8 | uint32(mac[3])
	lo := uint32(mac[4])<<8 | uint32(mac[5])
	return []unix.SockFilter{
		{Code: ldW, K: 6},                        // 0: source, first four bytes
		{Code: jeq, Jt: 0, Jf: 2, K: hi},         // 1
		{Code: ldH, K: 10},                       // 2: source, last two
		{Code: jeq, Jt: 8, Jf: 0, K: lo},         // 3 → 12 accept
		{Code: ldW, K: 0},                        // 4: destination
		{Code: jeq, Jt: 0, Jf: 2, K: hi},         // 5
		{Code: ldH, K: 4},                        // 6
		{Code: jeq, Jt: 4, Jf: 0, K: lo},         // 7 → 12 accept
		{Code: ldW, K: 0},                        // 8: broadcast destination
		{Code: jeq, Jt: 0, Jf: 3, K: 0xffffffff}, // 9 → 13 drop
		{Code: ldH, K: 4},                        // 10
		{Code: jeq, Jt: 0, Jf: 1, K: 0xffff},     // 11 → 13 drop
		{Code: retK, K: 0x40000},                 // 12: accept
		{Code: retK, K: 0},                       // 13: drop
	}
}
