package message

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"testing"

	"github.com/govirt/govirt/internal/rpc/netproto"
	"github.com/govirt/govirt/internal/rpc/xdr"
	"github.com/govirt/govirt/virt/virterr"
)

func TestRoundTrip(t *testing.T) {
	h := Header{Prog: 0x20008086, Vers: 1, Proc: 23, Type: netproto.Reply, Serial: 7, Status: netproto.OK}
	b, err := Append(nil, &h, []byte{0, 0, 0, 1})
	if err != nil {
		t.Fatal(err)
	}
	if binary.BigEndian.Uint32(b) != uint32(len(b)) {
		t.Fatal("length word must count itself")
	}
	p, err := Read(bytes.NewReader(b), nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.Header != h || !bytes.Equal(p.Payload, []byte{0, 0, 0, 1}) {
		t.Fatalf("got %+v % x", p.Header, p.Payload)
	}
}

func TestLengthBounds(t *testing.T) {
	for _, n := range []uint32{0, 3, 27} {
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], n)
		if _, err := Read(bytes.NewReader(b[:]), nil); err != ErrTooSmall {
			t.Errorf("len %d: %v", n, err)
		}
	}
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], Max+LenSize+1)
	if _, err := Read(bytes.NewReader(b[:]), nil); err != ErrTooLarge {
		t.Errorf("oversized: %v", err)
	}
}

// libvirtd's reply to DOMAIN_LOOKUP_BY_NAME("nosuch") on the test driver.
func TestErrorPayloadMatchesLibvirtd(t *testing.T) {
	want, _ := hex.DecodeString("0000002a0000000c00000001000000104" +
		"46f6d61696e206e6f7420666f756e640000000200000000000000010000001" +
		"0446f6d61696e206e6f7420666f756e6400000000" + "00000000ffffffffffffffff00000000")
	e := &virterr.Error{Code: virterr.NoDomain, Domain: virterr.FromTest, Message: "Domain not found", Level: virterr.LevelError, Str1: "Domain not found", Int1: -1, Int2: -1}
	if got := xdr.Marshal(ErrorPayload(e)); !bytes.Equal(got, want) {
		t.Fatalf("got  % x\nwant % x", got, want)
	}
}

func TestUnknownProcedureBecomesNoSupport(t *testing.T) {
	msg := "unknown procedure: 9999"
	e := ErrorFromWire(&netproto.MessageError{Code: int32(virterr.RPC), Domain: int32(virterr.FromRPC), Message: &msg, Level: 2})
	if e.Code != virterr.NoSupport {
		t.Fatalf("code %v", e.Code)
	}
}

func FuzzRead(f *testing.F) {
	b, _ := Append(nil, &Header{Prog: 1, Vers: 1}, []byte("payload!"))
	f.Add(b)
	f.Fuzz(func(t *testing.T, data []byte) {
		r := bytes.NewReader(data)
		for {
			if _, err := Read(r, nil); err != nil {
				return
			}
		}
	})
}
