// Package uuid parses and formats UUIDs as libvirt does (virUUIDParse,
// virUUIDFormat): dashes and spaces may appear anywhere between hex pairs,
// surrounding white space is ignored, output is lower-case 8-4-4-4-12.
package uuid

import (
	"crypto/rand"
	"fmt"
)

// UUID is 16 raw bytes, as on libvirt's wire.
type UUID [16]byte

// Parse reads a UUID the way libvirt accepts it.
func Parse(s string) (UUID, error) {
	var u UUID
	i := 0
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	for n := 0; n < 16; {
		if i >= len(s) {
			return UUID{}, fmt.Errorf("malformed uuid '%s'", s)
		}
		c := s[i]
		if c == '-' || c == ' ' {
			i++
			continue
		}
		hi, ok1 := hexVal(c)
		if !ok1 || i+1 >= len(s) {
			return UUID{}, fmt.Errorf("malformed uuid '%s'", s)
		}
		lo, ok2 := hexVal(s[i+1])
		if !ok2 {
			return UUID{}, fmt.Errorf("malformed uuid '%s'", s)
		}
		u[n] = hi<<4 | lo
		n++
		i += 2
	}
	for ; i < len(s); i++ {
		if !isSpace(s[i]) {
			return UUID{}, fmt.Errorf("malformed uuid '%s'", s)
		}
	}
	return u, nil
}

// String formats as libvirt does.
func (u UUID) String() string {
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

// IsZero reports whether every byte is zero (an unset UUID).
func (u UUID) IsZero() bool { return u == UUID{} }

// New returns a random (version 4) UUID, as virUUIDGenerate.
func New() UUID {
	var u UUID
	if _, err := rand.Read(u[:]); err != nil {
		panic(err)
	}
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return u
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

func hexVal(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
