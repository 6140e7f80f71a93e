package xdr

import (
	"bytes"
	"errors"
	"testing"
)

func TestRoundTripPrimitives(t *testing.T) {
	e := NewEncoder(nil)
	e.Int32(-2)
	e.Uint64(1 << 40)
	e.String("test")
	e.String("abcde")
	e.Opaque([]byte{1, 2})
	var uuid [16]byte
	uuid[0] = 0x66
	e.FixedOpaque(uuid[:])
	e.Float64(1.5)
	e.Bool(true)
	d := NewDecoder(e.Bytes())
	if d.Int32() != -2 || d.Uint64() != 1<<40 || d.String(0) != "test" || d.String(5) != "abcde" {
		t.Fatal("mismatch")
	}
	if !bytes.Equal(d.Opaque(0), []byte{1, 2}) {
		t.Fatal("opaque")
	}
	var got [16]byte
	d.FixedOpaque(got[:])
	if got != uuid || d.Float64() != 1.5 || !d.Bool() || d.Err() != nil || d.Remaining() != 0 {
		t.Fatalf("tail mismatch: %v", d.Err())
	}
}

func TestStringPaddingIsFourByteAligned(t *testing.T) {
	e := NewEncoder(nil)
	e.String("abcde")
	if want := []byte{0, 0, 0, 5, 'a', 'b', 'c', 'd', 'e', 0, 0, 0}; !bytes.Equal(e.Bytes(), want) {
		t.Fatalf("got % x", e.Bytes())
	}
}

func TestBoundsAreEnforced(t *testing.T) {
	e := NewEncoder(nil)
	e.String("toolong")
	d := NewDecoder(e.Bytes())
	if d.String(4); d.Err() == nil {
		t.Fatal("string over its maximum was accepted")
	}
}

func TestHostileCountDoesNotAllocate(t *testing.T) {
	// A count of 4 billion elements with 4 bytes of input must fail before
	// anything is allocated.
	d := NewDecoder([]byte{0xff, 0xff, 0xff, 0xf0, 0, 0, 0, 0})
	if n := d.Count(0, 4); n != 0 || !errors.Is(d.Err(), ErrShort) {
		t.Fatalf("n=%d err=%v", n, d.Err())
	}
}

func TestErrorsAreSticky(t *testing.T) {
	d := NewDecoder([]byte{0, 0})
	_ = d.Int32()
	if d.Err() == nil {
		t.Fatal("short read not reported")
	}
	if d.Uint32() != 0 || d.String(0) != "" {
		t.Fatal("reads after an error must return zero values")
	}
}

func TestNonZeroPaddingRejected(t *testing.T) {
	d := NewDecoder([]byte{0, 0, 0, 1, 'a', 1, 0, 0})
	if d.String(0); d.Err() == nil {
		t.Fatal("non-zero padding accepted")
	}
}

func FuzzDecoder(f *testing.F) {
	f.Add([]byte{0, 0, 0, 4, 't', 'e', 's', 't'})
	f.Fuzz(func(t *testing.T, data []byte) {
		d := NewDecoder(data)
		for d.Err() == nil && d.Remaining() > 0 {
			_ = d.String(1 << 20)
			_ = d.Opaque(16)
			_ = d.Count(16384, 4)
		}
	})
}

// go-libvirt writes the optional-string discriminant little-endian
// (0x01000000); libvirtd accepts any non-zero value as "present".
func TestOptionalAcceptsGoLibvirtDiscriminant(t *testing.T) {
	d := NewDecoder([]byte{0x01, 0, 0, 0})
	if !d.Optional() || d.Err() != nil {
		t.Fatal("0x01000000 must read as present")
	}
}
