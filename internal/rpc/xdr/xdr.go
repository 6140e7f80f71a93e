// Package xdr encodes and decodes XDR (RFC 4506) as libvirt's RPC protocol
// uses it. The decoder enforces every bound the protocol declares (string
// and array maxima) and never allocates more than the remaining input can
// justify, so a hostile length cannot make it allocate gigabytes.
//
// Errors are sticky: after the first failure every further read returns
// zero values and Err reports the failure, so generated decoders stay
// straight-line.
package xdr

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// ErrShort is returned when the input ends inside a value.
var ErrShort = errors.New("xdr: unexpected end of data")

// Encoder appends XDR to a byte slice.
type Encoder struct {
	buf []byte
}

// NewEncoder returns an encoder that appends to buf (which may be nil).
func NewEncoder(buf []byte) *Encoder { return &Encoder{buf: buf} }

// Bytes returns the encoded data.
func (e *Encoder) Bytes() []byte { return e.buf }

// Reset empties the encoder, keeping its storage.
func (e *Encoder) Reset() { e.buf = e.buf[:0] }

// Int32 writes a signed 32-bit integer (XDR int, enum, and libvirt's char/short).
func (e *Encoder) Int32(v int32) { e.buf = binary.BigEndian.AppendUint32(e.buf, uint32(v)) }

// Uint32 writes an unsigned 32-bit integer.
func (e *Encoder) Uint32(v uint32) { e.buf = binary.BigEndian.AppendUint32(e.buf, v) }

// Int64 writes an XDR hyper.
func (e *Encoder) Int64(v int64) { e.buf = binary.BigEndian.AppendUint64(e.buf, uint64(v)) }

// Uint64 writes an XDR unsigned hyper.
func (e *Encoder) Uint64(v uint64) { e.buf = binary.BigEndian.AppendUint64(e.buf, v) }

// Float64 writes an XDR double.
func (e *Encoder) Float64(v float64) { e.Uint64(math.Float64bits(v)) }

// Float32 writes an XDR float.
func (e *Encoder) Float32(v float32) { e.Uint32(math.Float32bits(v)) }

// Bool writes an XDR bool (an int, 0 or 1).
func (e *Encoder) Bool(v bool) {
	if v {
		e.Uint32(1)
	} else {
		e.Uint32(0)
	}
}

func (e *Encoder) pad(n int) {
	for ; n%4 != 0; n++ {
		e.buf = append(e.buf, 0)
	}
}

// String writes a counted string with padding.
func (e *Encoder) String(s string) {
	e.Uint32(uint32(len(s)))
	e.buf = append(e.buf, s...)
	e.pad(len(s))
}

// Opaque writes variable-length opaque data with its count.
func (e *Encoder) Opaque(b []byte) {
	e.Uint32(uint32(len(b)))
	e.buf = append(e.buf, b...)
	e.pad(len(b))
}

// FixedOpaque writes fixed-length opaque data (no count), padded.
func (e *Encoder) FixedOpaque(b []byte) {
	e.buf = append(e.buf, b...)
	e.pad(len(b))
}

// Raw appends bytes as they are (stream data, pre-encoded payloads).
func (e *Encoder) Raw(b []byte) { e.buf = append(e.buf, b...) }

// Decoder reads XDR from a byte slice.
type Decoder struct {
	buf []byte
	off int
	err error
}

// NewDecoder reads from buf.
func NewDecoder(buf []byte) *Decoder { return &Decoder{buf: buf} }

// Err returns the first error met, if any.
func (d *Decoder) Err() error { return d.err }

// Remaining is the number of unread bytes.
func (d *Decoder) Remaining() int { return len(d.buf) - d.off }

// Offset is the number of bytes read.
func (d *Decoder) Offset() int { return d.off }

// Fail records err unless an earlier error is already recorded.
func (d *Decoder) Fail(err error) {
	if d.err == nil {
		d.err = err
	}
}

func (d *Decoder) take(n int) []byte {
	if d.err != nil {
		return nil
	}
	if n < 0 || d.Remaining() < n {
		d.err = ErrShort
		return nil
	}
	b := d.buf[d.off : d.off+n]
	d.off += n
	return b
}

// Int32 reads a signed 32-bit integer.
func (d *Decoder) Int32() int32 {
	b := d.take(4)
	if b == nil {
		return 0
	}
	return int32(binary.BigEndian.Uint32(b))
}

// Uint32 reads an unsigned 32-bit integer.
func (d *Decoder) Uint32() uint32 {
	b := d.take(4)
	if b == nil {
		return 0
	}
	return binary.BigEndian.Uint32(b)
}

// Int64 reads an XDR hyper.
func (d *Decoder) Int64() int64 { return int64(d.Uint64()) }

// Uint64 reads an XDR unsigned hyper.
func (d *Decoder) Uint64() uint64 {
	b := d.take(8)
	if b == nil {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}

// Float64 reads an XDR double.
func (d *Decoder) Float64() float64 { return math.Float64frombits(d.Uint64()) }

// Float32 reads an XDR float.
func (d *Decoder) Float32() float32 { return math.Float32frombits(d.Uint32()) }

// Bool reads an XDR bool; like libc's xdr_bool, any non-zero value is true.
func (d *Decoder) Bool() bool { return d.Uint32() != 0 }

// Count reads an array or string count and checks it against max (0: the
// protocol declares no bound) and against what the input can still hold
// when each element takes at least minSize bytes.
func (d *Decoder) Count(max uint32, minSize int) int {
	n := d.Uint32()
	if d.err != nil {
		return 0
	}
	if max != 0 && n > max {
		d.Fail(fmt.Errorf("xdr: length %d exceeds maximum %d", n, max))
		return 0
	}
	if minSize > 0 && uint64(n)*uint64(minSize) > uint64(d.Remaining()) {
		d.Fail(ErrShort)
		return 0
	}
	return int(n)
}

func padLen(n int) int { return (4 - n%4) % 4 }

func (d *Decoder) skipPad(n int) {
	p := d.take(padLen(n))
	for _, c := range p {
		if c != 0 {
			d.Fail(errors.New("xdr: non-zero padding"))
			return
		}
	}
}

// String reads a counted string of at most max bytes (0: unbounded).
func (d *Decoder) String(max uint32) string {
	n := d.Count(max, 1)
	b := d.take(n)
	d.skipPad(n)
	if d.err != nil {
		return ""
	}
	return string(b)
}

// Opaque reads variable-length opaque data of at most max bytes; the
// result is a copy.
func (d *Decoder) Opaque(max uint32) []byte {
	n := d.Count(max, 1)
	b := d.take(n)
	d.skipPad(n)
	if d.err != nil {
		return nil
	}
	return append([]byte(nil), b...)
}

// FixedOpaque fills dst from fixed-length opaque data.
func (d *Decoder) FixedOpaque(dst []byte) {
	b := d.take(len(dst))
	d.skipPad(len(dst))
	if d.err == nil {
		copy(dst, b)
	}
}

// Optional reads the discriminant of an optional (T *) value. Any non-zero
// value means present: go-libvirt writes 0x01000000 for "present", and
// libvirtd (libc's xdr_pointer) accepts it, so must we.
func (d *Decoder) Optional() bool { return d.Uint32() != 0 }

// Rest returns the unread bytes (stream data after a header).
func (d *Decoder) Rest() []byte {
	b := d.buf[d.off:]
	d.off = len(d.buf)
	return b
}

// Marshaler is implemented by every generated wire type.
type Marshaler interface {
	EncodeXDR(e *Encoder)
	DecodeXDR(d *Decoder)
}

// Marshal encodes v.
func Marshal(v Marshaler) []byte {
	e := NewEncoder(nil)
	v.EncodeXDR(e)
	return e.Bytes()
}

// Unmarshal decodes data into v. Trailing bytes are ignored, as libvirt's
// virNetMessageDecodePayload ignores them.
func Unmarshal(data []byte, v Marshaler) error {
	d := NewDecoder(data)
	v.DecodeXDR(d)
	return d.err
}
