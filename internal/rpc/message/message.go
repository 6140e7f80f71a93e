// Package message frames libvirt RPC packets: a 4-byte length that counts
// itself, the 24-byte header, and the payload. It enforces the protocol's
// size limits before allocating, and turns errors to and from the wire's
// remote_error form.
package message

import (
	"encoding/binary"
	"fmt"
	"io"

	"github.com/govirt/govirt/internal/rpc/netproto"
	"github.com/govirt/govirt/internal/rpc/xdr"
	"github.com/govirt/govirt/virt/virterr"
)

// Sizes from virnetprotocol.x.
const (
	LenSize    = netproto.MessageLenMax    // the length word
	HeaderSize = netproto.MessageHeaderMax // six 32-bit words
	// Max is the largest header + payload a peer may send.
	Max = netproto.MessageMax
	// MaxFDs is the most file descriptors one message may carry.
	MaxFDs = netproto.MessageNumFDsMax
)

// Header is a packet header.
type Header = netproto.MessageHeader

// Packet is one framed message.
type Packet struct {
	Header
	Payload []byte
}

// ErrTooLarge and ErrTooSmall report a length word outside the protocol's
// bounds; the connection cannot be resynchronised after either.
var (
	ErrTooLarge = fmt.Errorf("rpc: packet length exceeds %d bytes", Max)
	ErrTooSmall = fmt.Errorf("rpc: packet shorter than its header")
)

// Read reads one packet. buf, if large enough, is reused for the payload.
func Read(r io.Reader, buf []byte) (*Packet, error) {
	var lenWord [LenSize]byte
	if _, err := io.ReadFull(r, lenWord[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(lenWord[:])
	if n < LenSize+HeaderSize {
		return nil, ErrTooSmall
	}
	if n-LenSize > Max {
		return nil, ErrTooLarge
	}
	body := int(n - LenSize)
	if cap(buf) >= body {
		buf = buf[:body]
	} else {
		buf = make([]byte, body)
	}
	if _, err := io.ReadFull(r, buf); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	p := &Packet{}
	d := xdr.NewDecoder(buf[:HeaderSize])
	p.Header.DecodeXDR(d)
	if d.Err() != nil {
		return nil, d.Err()
	}
	p.Payload = buf[HeaderSize:]
	return p, nil
}

// Append encodes a packet with the given header and payload onto dst.
func Append(dst []byte, h *Header, payload []byte) ([]byte, error) {
	total := LenSize + HeaderSize + len(payload)
	if total-LenSize > Max {
		return dst, ErrTooLarge
	}
	dst = binary.BigEndian.AppendUint32(dst, uint32(total))
	e := xdr.NewEncoder(dst)
	h.EncodeXDR(e)
	dst = append(e.Bytes(), payload...)
	return dst, nil
}

// Encode builds a packet whose payload is v's encoding (nil: empty).
func Encode(h *Header, v xdr.Marshaler) ([]byte, error) {
	e := xdr.NewEncoder(make([]byte, LenSize, 256))
	h.EncodeXDR(e)
	if v != nil {
		v.EncodeXDR(e)
	}
	b := e.Bytes()
	if len(b)-LenSize > Max {
		return nil, ErrTooLarge
	}
	binary.BigEndian.PutUint32(b, uint32(len(b)))
	return b, nil
}

// ErrorPayload encodes err as remote_error, the way libvirtd fills it: the
// message always present, level ERROR, dom and net absent, and a code that
// is never 0 (go-libvirt reads code 0 as success).
func ErrorPayload(err error) *netproto.MessageError {
	e := virterr.As(err)
	code := int32(e.Code)
	if code == 0 {
		code = int32(virterr.InternalError)
	}
	level := int32(e.Level)
	if level == 0 {
		level = int32(virterr.LevelError)
	}
	me := &netproto.MessageError{Code: code, Domain: int32(e.Domain), Message: &e.Message, Level: level, Int1: e.Int1, Int2: e.Int2}
	if e.Str1 != "" {
		me.Str1 = &e.Str1
	}
	if e.Str2 != "" {
		me.Str2 = &e.Str2
	}
	if e.Str3 != "" {
		me.Str3 = &e.Str3
	}
	return me
}

// ErrorFromWire turns a received remote_error into an *virterr.Error,
// applying the C client's rewrite: an RPC "unknown procedure" error is
// reported as VIR_ERR_NO_SUPPORT.
func ErrorFromWire(me *netproto.MessageError) *virterr.Error {
	e := &virterr.Error{Code: virterr.Code(me.Code), Domain: virterr.Domain(me.Domain), Level: virterr.Level(me.Level), Int1: me.Int1, Int2: me.Int2}
	if me.Message != nil {
		e.Message = *me.Message
	}
	if me.Str1 != nil {
		e.Str1 = *me.Str1
	}
	if me.Str2 != nil {
		e.Str2 = *me.Str2
	}
	if me.Str3 != nil {
		e.Str3 = *me.Str3
	}
	if me.Dom != nil {
		e.Dom = me.Dom.Name
	}
	if me.Net != nil {
		e.Net = me.Net.Name
	}
	if (e.Domain == virterr.FromRPC || e.Domain == virterr.FromRemote) && e.Code == virterr.RPC &&
		len(e.Message) >= 17 && e.Message[:17] == "unknown procedure" {
		e.Code = virterr.NoSupport
	}
	return e
}
