package dispatch

import (
	"encoding/binary"
	"net"
	"testing"
	"time"

	"github.com/govirt/govirt/internal/daemon"
	"github.com/govirt/govirt/internal/rpc/message"
	"github.com/govirt/govirt/internal/rpc/netproto"
	"github.com/govirt/govirt/internal/rpc/remote"
)

// FuzzDispatch feeds arbitrary bytes to a daemon after a valid open: the
// daemon must never crash, and must keep serving a fresh client.
func FuzzDispatch(f *testing.F) {
	open := func(proc remote.Procedure, payload []byte) []byte {
		b, _ := message.Append(nil, &message.Header{Prog: remote.Program, Vers: 1, Proc: int32(proc), Serial: 7}, payload)
		return b
	}
	f.Add(open(remote.ProcDomainLookupByName, []byte{0, 0, 0, 4, 't', 'e', 's', 't'}))
	f.Add(open(remote.ProcDomainDefineXML, []byte{0, 0, 0, 3, '<', 'a', '>', 0}))
	f.Add(open(remote.ProcConnectListAllDomains, []byte{0, 0, 0, 1, 0, 0, 0, 3}))
	f.Add(open(remote.ProcDomainGetXMLDesc, make([]byte, 40)))
	f.Add(open(remote.ProcConnectDomainEventCallbackRegisterAny, []byte{0, 0, 0, 0, 0, 0, 0, 1}))
	f.Add(binary.BigEndian.AppendUint32(nil, 28))
	b, _ := message.Append(nil, &message.Header{Prog: remote.Program, Vers: 1, Proc: 211, Type: netproto.Stream, Serial: 7, Status: netproto.Continue}, []byte("x"))
	f.Add(b)

	fx := newFixture(f, daemon.DefaultConfig())
	f.Fuzz(func(t *testing.T, data []byte) {
		c := dial(t, fx.rw)
		c.open("test:///default", 0)
		c.conn.Write(data)
		c.conn.(*net.UnixConn).CloseWrite()
		c.conn.SetReadDeadline(time.Now().Add(2 * time.Second))
		for {
			if _, err := message.Read(c.conn, nil); err != nil {
				break
			}
		}
		fresh := dial(t, fx.rw)
		fresh.open("test:///default", 0)
		var typ remote.ConnectGetTypeRet
		if e, _ := fresh.call(remote.ProcConnectGetType, nil, &typ); e != nil {
			t.Fatalf("daemon stopped serving: %v", e)
		}
	})
}
