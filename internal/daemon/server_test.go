package daemon

import (
	"bytes"
	"encoding/binary"
	"net"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/govirt/govirt/internal/rpc/message"
	"github.com/govirt/govirt/internal/rpc/netproto"
	"github.com/govirt/govirt/internal/rpc/xdr"
	"github.com/govirt/govirt/virt/virterr"
)

const testProg = 0x11112222

// echoProgram replies with the call's payload as an int, or blocks on
// procedure 2 until released.
type echoProgram struct {
	release chan struct{}
	running atomic.Int32
	maxSeen atomic.Int32
}

type word struct{ V uint32 }

func (w *word) EncodeXDR(e *xdr.Encoder) { e.Uint32(w.V) }
func (w *word) DecodeXDR(d *xdr.Decoder) { w.V = d.Uint32() }

func (p *echoProgram) Call(c *Client, pkt *message.Packet) {
	n := p.running.Add(1)
	defer p.running.Add(-1)
	for {
		m := p.maxSeen.Load()
		if n <= m || p.maxSeen.CompareAndSwap(m, n) {
			break
		}
	}
	if pkt.Proc == 2 {
		<-p.release
	}
	var w word
	if err := xdr.Unmarshal(pkt.Payload, &w); err != nil {
		c.ReplyError(&pkt.Header, RPCError("Unable to decode message payload"))
		return
	}
	c.Reply(&pkt.Header, &w)
}

func startServer(t *testing.T, cfg Config, prog Program) (string, *Server) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "sock")
	s := NewServer(cfg, nil, map[uint32]Program{testProg: prog}, nil)
	ln, err := ListenUnix(path, 0o700)
	if err != nil {
		t.Fatal(err)
	}
	s.AddListener(&Listener{Name: "test"}, ln)
	t.Cleanup(s.Shutdown)
	return path, s
}

func call(t *testing.T, conn net.Conn, prog uint32, proc int32, serial uint32, payload []byte) {
	t.Helper()
	b, _ := message.Append(nil, &message.Header{Prog: prog, Vers: 1, Proc: proc, Type: netproto.Call, Serial: serial}, payload)
	if _, err := conn.Write(b); err != nil {
		t.Fatal(err)
	}
}

func TestCallAndReply(t *testing.T) {
	path, _ := startServer(t, DefaultConfig(), &echoProgram{})
	conn, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	call(t, conn, testProg, 1, 7, []byte{0, 0, 0, 42})
	p, err := message.Read(conn, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.Type != netproto.Reply || p.Status != netproto.OK || p.Serial != 7 || !bytes.Equal(p.Payload, []byte{0, 0, 0, 42}) {
		t.Fatalf("reply %+v % x", p.Header, p.Payload)
	}
}

func TestUnknownProgramIsAnRPCError(t *testing.T) {
	path, _ := startServer(t, DefaultConfig(), &echoProgram{})
	conn, _ := net.Dial("unix", path)
	defer conn.Close()
	call(t, conn, 305419896, 1, 3, nil)
	p, err := message.Read(conn, nil)
	if err != nil {
		t.Fatal(err)
	}
	var me netproto.MessageError
	if err := xdr.Unmarshal(p.Payload, &me); err != nil {
		t.Fatal(err)
	}
	if p.Status != netproto.Error || virterr.Code(me.Code) != virterr.RPC || *me.Message != "Cannot find program 305419896 version 1" {
		t.Fatalf("got %+v %q", p.Header, *me.Message)
	}
}

func TestKeepalivePingGetsPong(t *testing.T) {
	path, _ := startServer(t, DefaultConfig(), &echoProgram{})
	conn, _ := net.Dial("unix", path)
	defer conn.Close()
	b, _ := message.Append(nil, &message.Header{Prog: netproto.KeepaliveProgram, Vers: 1, Proc: 1, Type: netproto.Message}, nil)
	conn.Write(b)
	p, err := message.Read(conn, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.Prog != netproto.KeepaliveProgram || p.Proc != int32(netproto.KeepaliveProcPong) || len(p.Payload) != 0 {
		t.Fatalf("got %+v", p.Header)
	}
}

func TestOversizedPacketDropsOnlyThatClient(t *testing.T) {
	path, s := startServer(t, DefaultConfig(), &echoProgram{})
	bad, _ := net.Dial("unix", path)
	good, _ := net.Dial("unix", path)
	defer good.Close()
	var hdr [4]byte
	binary.BigEndian.PutUint32(hdr[:], 0xfffffff0)
	bad.Write(hdr[:])
	bad.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := bad.Read(make([]byte, 1)); err == nil {
		t.Fatal("hostile client was not disconnected")
	}
	call(t, good, testProg, 1, 1, []byte{0, 0, 0, 1})
	if _, err := message.Read(good, nil); err != nil {
		t.Fatalf("other client lost service: %v", err)
	}
	_ = s
}

func TestMaxClientRequestsBoundsConcurrency(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MaxClientRequests = 2
	prog := &echoProgram{release: make(chan struct{})}
	path, _ := startServer(t, cfg, prog)
	conn, _ := net.Dial("unix", path)
	defer conn.Close()
	for i := 0; i < 5; i++ {
		call(t, conn, testProg, 2, uint32(i), []byte{0, 0, 0, 1})
	}
	// Wait for the first two to start (a loaded machine may take a while),
	// then give a third the chance to start wrongly: maxSeen catches it.
	for deadline := time.Now().Add(30 * time.Second); prog.running.Load() < 2; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d calls running, want max_client_requests=2", prog.running.Load())
		}
	}
	time.Sleep(100 * time.Millisecond)
	if got := prog.running.Load(); got != 2 {
		t.Fatalf("%d calls running, want max_client_requests=2", got)
	}
	close(prog.release)
	for i := 0; i < 5; i++ {
		if _, err := message.Read(conn, nil); err != nil {
			t.Fatal(err)
		}
	}
	if prog.maxSeen.Load() != 2 {
		t.Fatalf("max concurrent %d", prog.maxSeen.Load())
	}
}

func TestMaxClients(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MaxClients = 1
	path, s := startServer(t, cfg, &echoProgram{})
	first, _ := net.Dial("unix", path)
	defer first.Close()
	call(t, first, testProg, 1, 1, []byte{0, 0, 0, 1})
	message.Read(first, nil)
	second, _ := net.Dial("unix", path)
	second.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := second.Read(make([]byte, 1)); err == nil {
		t.Fatal("client over max_clients was served")
	}
	if s.NumClients() != 1 {
		t.Fatalf("%d clients", s.NumClients())
	}
}

func TestManyConcurrentClients(t *testing.T) {
	path, _ := startServer(t, DefaultConfig(), &echoProgram{})
	var wg sync.WaitGroup
	errs := make(chan error, 500)
	for i := 0; i < 500; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			conn, err := net.Dial("unix", path)
			if err != nil {
				errs <- err
				return
			}
			defer conn.Close()
			b, _ := message.Append(nil, &message.Header{Prog: testProg, Vers: 1, Proc: 1, Type: netproto.Call, Serial: uint32(i)}, []byte{0, 0, 0, byte(i)})
			conn.Write(b)
			p, err := message.Read(conn, nil)
			if err != nil {
				errs <- err
				return
			}
			if p.Serial != uint32(i) || p.Payload[3] != byte(i) {
				errs <- net.UnknownNetworkError("mismatched reply")
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// stateProgram keeps per-client state whose initialiser registers a
// close hook, as the REMOTE program does.
type stateProgram struct{ closed chan struct{} }

func (p *stateProgram) Call(c *Client, pkt *message.Packet) {
	c.StateOr(func() any {
		c.OnClose(func() { close(p.closed) })
		return p
	})
	c.Reply(&pkt.Header, &word{V: 1})
}

func TestStateOrWithCloseHook(t *testing.T) {
	p := &stateProgram{closed: make(chan struct{})}
	path, _ := startServer(t, DefaultConfig(), p)
	conn, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	call(t, conn, testProg, 1, 1, nil)
	conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	if _, err := message.Read(conn, nil); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	select {
	case <-p.closed:
	case <-time.After(30 * time.Second):
		t.Fatal("close hook did not run")
	}
}
