package remote

import (
	"bytes"
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/internal/rpc/message"
	"github.com/govirt/govirt/internal/rpc/netproto"
	"github.com/govirt/govirt/internal/rpc/remote"
	"github.com/govirt/govirt/internal/rpc/xdr"
	"github.com/govirt/govirt/virt/virterr"
)

// fakeServer is a scripted daemon on the other end of a pipe: it answers
// the open sequence like libvirtd and hands other calls to handle.
type fakeServer struct {
	t    *testing.T
	conn net.Conn
	wmu  sync.Mutex

	authTypes   []remote.AuthType
	noKeepalive bool // do not answer PINGs
	handle      func(s *fakeServer, p *message.Packet) bool

	mu    sync.Mutex
	calls []*message.Packet // every CALL, in order
	pings int
	pongs int
}

func (s *fakeServer) write(h message.Header, payload []byte) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	b, err := message.Append(nil, &h, payload)
	if err != nil {
		s.t.Error(err)
		return
	}
	_, _ = s.conn.Write(b)
}

func (s *fakeServer) reply(p *message.Packet, ret xdr.Marshaler) {
	var payload []byte
	if ret != nil {
		payload = xdr.Marshal(ret)
	}
	h := p.Header
	h.Type, h.Status = netproto.Reply, netproto.OK
	s.write(h, payload)
}

func (s *fakeServer) replyError(p *message.Packet, err error) {
	h := p.Header
	h.Type, h.Status = netproto.Reply, netproto.Error
	s.write(h, xdr.Marshal(message.ErrorPayload(err)))
}

func (s *fakeServer) stream(p *message.Packet, typ netproto.MessageType, status netproto.MessageStatus, payload []byte) {
	h := p.Header
	h.Type, h.Status = typ, status
	s.write(h, payload)
}

func (s *fakeServer) procs() []int32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []int32
	for _, p := range s.calls {
		out = append(out, p.Proc)
	}
	return out
}

func (s *fakeServer) serve() {
	for {
		p, err := message.Read(s.conn, nil)
		if err != nil {
			return
		}
		if p.Prog == netproto.KeepaliveProgram {
			switch p.Proc {
			case int32(netproto.KeepaliveProcPing):
				s.mu.Lock()
				s.pings++
				s.mu.Unlock()
				if !s.noKeepalive {
					s.write(message.Header{Prog: netproto.KeepaliveProgram, Vers: 1, Proc: int32(netproto.KeepaliveProcPong), Type: netproto.Message}, nil)
				}
			case int32(netproto.KeepaliveProcPong):
				s.mu.Lock()
				s.pongs++
				s.mu.Unlock()
			}
			continue
		}
		if p.Type == netproto.Call {
			s.mu.Lock()
			s.calls = append(s.calls, p)
			s.mu.Unlock()
		}
		if s.handle != nil && s.handle(s, p) {
			continue
		}
		if p.Type != netproto.Call {
			continue
		}
		switch remote.Procedure(p.Proc) {
		case remote.ProcAuthList:
			types := s.authTypes
			if types == nil {
				types = []remote.AuthType{remote.AuthNone}
			}
			s.reply(p, &remote.AuthListRet{Types: types})
		case remote.ProcAuthPolkit:
			s.reply(p, &remote.AuthPolkitRet{Complete: 1})
		case remote.ProcConnectSupportsFeature:
			s.reply(p, &remote.ConnectSupportsFeatureRet{Supported: 1})
		case remote.ProcConnectClose:
			s.reply(p, nil)
			s.conn.Close()
			return
		default:
			s.reply(p, nil)
		}
	}
}

// fake opens a client on a pipe to a fake server.
func fake(t *testing.T, s *fakeServer, rawURI string, opts Options) *Client {
	t.Helper()
	cc, sc := net.Pipe()
	s.t, s.conn = t, sc
	go s.serve()
	t.Cleanup(func() { sc.Close() })
	u := mustURI(t, rawURI)
	p, err := readParams(u)
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(cc)
	c.onClose = opts.OnClose
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.open(ctx, u, p, 0, opts); err != nil {
		c.shutdown(closeReasonError, errClosed())
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { c.shutdown(closeReasonClient, errClosed()) })
	return c
}

func TestOpenSequence(t *testing.T) {
	s := &fakeServer{}
	c := fake(t, s, "test+unix:///default?socket=/p&foo=bar&no_tty=1", Options{KeepaliveInterval: -1})
	if err := c.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := []int32{66, 1, 60, 60, 360, 361, 2} // keepalive off: no SUPPORTS_FEATURE(10)
	if got := s.procs(); !equalInts(got, want) {
		t.Fatalf("procedures %v, want %v", got, want)
	}
	for i, p := range s.calls {
		if p.Serial != uint32(i) {
			t.Errorf("call %d has serial %d", i, p.Serial)
		}
	}
	var open remote.ConnectOpenArgs
	if err := xdr.Unmarshal(s.calls[1].Payload, &open); err != nil || open.Name == nil || *open.Name != "test:///default?foo=bar" || open.Flags != 0 {
		t.Errorf("CONNECT_OPEN %+v %v", open, err)
	}
	var f1, f2 remote.ConnectSupportsFeatureArgs
	_ = xdr.Unmarshal(s.calls[2].Payload, &f1)
	_ = xdr.Unmarshal(s.calls[3].Payload, &f2)
	if f1.Feature != 14 || f2.Feature != 15 {
		t.Errorf("features %d %d", f1.Feature, f2.Feature)
	}

	s2 := &fakeServer{}
	fake(t, s2, "test+unix:///default", Options{KeepaliveInterval: time.Hour})
	var f0 remote.ConnectSupportsFeatureArgs
	if got := s2.procs(); len(got) < 2 || got[1] != 60 || xdr.Unmarshal(s2.calls[1].Payload, &f0) != nil || f0.Feature != 10 {
		t.Errorf("keepalive not negotiated before CONNECT_OPEN: %v", got)
	}
}

func equalInts(a, b []int32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestAuth(t *testing.T) {
	s := &fakeServer{authTypes: []remote.AuthType{remote.AuthPolkit}}
	fake(t, s, "test+unix:///default", Options{KeepaliveInterval: -1})
	if got := s.procs(); len(got) < 2 || got[1] != int32(remote.ProcAuthPolkit) {
		t.Errorf("polkit: procedures %v", got)
	}

	cc, sc := net.Pipe()
	s2 := &fakeServer{t: t, conn: sc}
	go s2.serve()
	defer sc.Close()
	u := mustURI(t, "test+unix:///default?auth=sasl")
	p, _ := readParams(u)
	c := newClient(cc)
	defer c.shutdown(closeReasonClient, errClosed())
	err := c.open(context.Background(), u, p, 0, Options{KeepaliveInterval: -1})
	if errCode(err) != virterr.AuthFailed {
		t.Errorf("auth=sasl against [none]: %v", err)
	}
}

func TestKeepalive(t *testing.T) {
	t.Run("dead", func(t *testing.T) {
		reason := make(chan int32, 1)
		s := &fakeServer{noKeepalive: true}
		c := fake(t, s, "test+unix:///default", Options{KeepaliveInterval: 20 * time.Millisecond, KeepaliveCount: 3, OnClose: func(r int32) { reason <- r }})
		select {
		case <-c.Done():
		case <-time.After(30 * time.Second):
			t.Fatal("a silent server was not detected")
		}
		if r := <-reason; r != closeReasonKeepalive {
			t.Errorf("close reason %d", r)
		}
		if _, err := c.ConnectGetType(context.Background()); errCode(err) != virterr.NoConnect {
			t.Errorf("call after keepalive timeout: %v", err)
		}
	})
	t.Run("alive", func(t *testing.T) {
		s := &fakeServer{}
		// count is high enough that a loaded machine stalling the fake
		// server for a few hundred ms does not drop it; the wait for more
		// pings than count proves its answers are what keep it.
		const count = 25
		c := fake(t, s, "test+unix:///default", Options{KeepaliveInterval: 20 * time.Millisecond, KeepaliveCount: count})
		// The server pings; the client answers.
		s.write(message.Header{Prog: netproto.KeepaliveProgram, Vers: 1, Proc: int32(netproto.KeepaliveProcPing), Type: netproto.Message}, nil)
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			select {
			case <-c.Done():
				t.Fatal("an answering server was dropped")
			default:
			}
			s.mu.Lock()
			pings, pongs := s.pings, s.pongs
			s.mu.Unlock()
			if pings > count+5 && pongs > 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("after 30 s: %d PINGs from the client, %d PONGs", pings, pongs)
			}
		}
		s.mu.Lock()
		pongs := s.pongs
		s.mu.Unlock()
		if pongs != 1 {
			t.Errorf("%d PONGs", pongs)
		}
	})
}

func TestEventDispatch(t *testing.T) {
	s := &fakeServer{handle: func(s *fakeServer, p *message.Packet) bool {
		if p.Proc != int32(remote.ProcConnectDomainEventCallbackRegisterAny) {
			return false
		}
		s.reply(p, &remote.ConnectDomainEventCallbackRegisterAnyRet{CallbackID: 7})
		// The event follows the reply at once; the registration must
		// already be known when it arrives.
		for _, id := range []int32{9, 7} {
			msg := remote.DomainEventCallbackLifecycleMsg{CallbackID: id, Msg: remote.DomainEventLifecycleMsg{
				Dom: remote.NonnullDomain{Name: "d", ID: 3}, Event: 2, Detail: 0}}
			s.write(message.Header{Prog: remote.Program, Vers: 1, Proc: int32(remote.ProcDomainEventCallbackLifecycle), Type: netproto.Message, Serial: 1}, xdr.Marshal(&msg))
		}
		return true
	}}
	c := fake(t, s, "test+unix:///default", Options{KeepaliveInterval: -1})
	got := make(chan driver.Event, 4)
	filter := driver.DomainRef{Name: "d", ID: 3}
	id, err := c.EventRegister(context.Background(), driver.EventDomain, 0, &filter, func(ev driver.Event) { got <- ev })
	if err != nil || id != 7 {
		t.Fatalf("register: %d %v", id, err)
	}
	var args remote.ConnectDomainEventCallbackRegisterAnyArgs
	_ = xdr.Unmarshal(s.calls[len(s.calls)-1].Payload, &args)
	if args.Dom == nil || args.Dom.Name != "d" {
		t.Errorf("filter not sent: %+v", args)
	}
	select {
	case ev := <-got:
		m, ok := ev.Payload.(*driver.DomainEventLifecycleMsg)
		if !ok || ev.Kind != driver.EventDomain || ev.ID != 0 || m.Dom.Name != "d" || m.Event != 2 {
			t.Errorf("event %+v", ev)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no event")
	}
	select {
	case ev := <-got:
		t.Errorf("event for another registration delivered: %+v", ev)
	case <-time.After(50 * time.Millisecond):
	}
}

func TestErrorRemap(t *testing.T) {
	s := &fakeServer{handle: func(s *fakeServer, p *message.Packet) bool {
		switch p.Proc {
		case int32(remote.ProcConnectGetType):
			s.replyError(p, virterr.NewFrom(virterr.FromSecret, 62, "old numbering"))
		case int32(remote.ProcConnectGetHostname):
			s.replyError(p, virterr.NewFrom(virterr.FromNwfilter, virterr.NoNwfilter, "no filter"))
		default:
			return false
		}
		return true
	}}
	c := fake(t, s, "test+unix:///default", Options{KeepaliveInterval: -1})
	if _, err := c.ConnectGetType(context.Background()); errCode(err) != 66 {
		t.Errorf("code 62 outside NWFILTER: %v", err)
	}
	if _, err := c.ConnectGetHostname(context.Background()); errCode(err) != virterr.NoNwfilter {
		t.Errorf("NO_NWFILTER: %v", err)
	}
}

func TestDownloadStream(t *testing.T) {
	finishSeen := make(chan struct{})
	s := &fakeServer{handle: func(s *fakeServer, p *message.Packet) bool {
		switch {
		case p.Type == netproto.Call && p.Proc == int32(remote.ProcStorageVolDownload):
			s.reply(p, nil)
			s.stream(p, netproto.Stream, netproto.Continue, []byte("abc"))
			s.stream(p, netproto.MessageTypeStreamHole, netproto.Continue, xdr.Marshal(&netproto.StreamHole{Length: 4096}))
			s.stream(p, netproto.Stream, netproto.Continue, []byte("def"))
			s.stream(p, netproto.Stream, netproto.Continue, nil)
		case p.Type == netproto.Stream && p.Status == netproto.OK:
			close(finishSeen)
			s.stream(p, netproto.Stream, netproto.OK, nil)
		default:
			return false
		}
		return true
	}}
	c := fake(t, s, "test+unix:///default", Options{KeepaliveInterval: -1})
	st := newSink()
	if err := c.StorageVolDownload(context.Background(), st, driver.StorageVolRef{Pool: "p", Name: "v"}, 0, 0, 1); err != nil {
		t.Fatal(err)
	}
	select {
	case <-st.finished:
	case <-st.aborted:
		t.Fatal("aborted")
	case <-time.After(30 * time.Second):
		t.Fatal("not finished")
	}
	<-finishSeen
	if st.data.String() != "abcdef" || st.holes != 4096 {
		t.Errorf("data %q holes %d", st.data.String(), st.holes)
	}
}

func TestDownloadStreamError(t *testing.T) {
	s := &fakeServer{handle: func(s *fakeServer, p *message.Packet) bool {
		if p.Type == netproto.Call && p.Proc == int32(remote.ProcStorageVolDownload) {
			s.reply(p, nil)
			s.stream(p, netproto.Stream, netproto.Continue, []byte("abc"))
			h := p.Header
			h.Type, h.Status = netproto.Stream, netproto.Error
			s.write(h, xdr.Marshal(message.ErrorPayload(virterr.New(virterr.SystemError, "disk on fire"))))
			return true
		}
		return false
	}}
	c := fake(t, s, "test+unix:///default", Options{KeepaliveInterval: -1})
	st := newSink()
	if err := c.StorageVolDownload(context.Background(), st, driver.StorageVolRef{}, 0, 0, 0); err != nil {
		t.Fatal(err)
	}
	select {
	case <-st.aborted:
	case <-st.finished:
		t.Fatal("finished despite the error")
	case <-time.After(30 * time.Second):
		t.Fatal("not aborted")
	}
}

// source is a driver.Stream that an upload reads from.
type source struct {
	chunks [][]byte
	abort  chan struct{}
	once   sync.Once
}

func (s *source) Send(ctx context.Context, data []byte) (int, error) { return len(data), nil }
func (s *source) Recv(ctx context.Context, buf []byte) (int, error) {
	if len(s.chunks) == 0 {
		return 0, nil
	}
	n := copy(buf, s.chunks[0])
	s.chunks = s.chunks[1:]
	return n, nil
}
func (s *source) SendHole(ctx context.Context, length int64, flags uint32) error { return nil }
func (s *source) Finish(ctx context.Context) error                               { return nil }
func (s *source) Abort(ctx context.Context) error {
	s.once.Do(func() { close(s.abort) })
	return nil
}

func TestUploadStream(t *testing.T) {
	var mu sync.Mutex
	var got bytes.Buffer
	done := make(chan struct{})
	s := &fakeServer{handle: func(s *fakeServer, p *message.Packet) bool {
		switch {
		case p.Type == netproto.Call && p.Proc == int32(remote.ProcStorageVolUpload):
			s.reply(p, nil)
		case p.Type == netproto.Stream && p.Status == netproto.Continue:
			mu.Lock()
			got.Write(p.Payload)
			mu.Unlock()
		case p.Type == netproto.Stream && p.Status == netproto.OK:
			s.stream(p, netproto.Stream, netproto.OK, nil)
			close(done)
		default:
			return false
		}
		return true
	}}
	c := fake(t, s, "test+unix:///default", Options{KeepaliveInterval: -1})
	big := bytes.Repeat([]byte("x"), chunkMax+10)
	src := &source{chunks: [][]byte{[]byte("hello "), big}, abort: make(chan struct{})}
	if err := c.StorageVolUpload(context.Background(), src, driver.StorageVolRef{}, 0, 0, 0); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("upload not finished")
	}
	mu.Lock()
	defer mu.Unlock()
	if got.Len() != 6+chunkMax || !bytes.HasPrefix(got.Bytes(), []byte("hello x")) {
		t.Errorf("server received %d bytes", got.Len())
	}
}

func FuzzDecodeEvent(f *testing.F) {
	msg := remote.DomainEventCallbackLifecycleMsg{CallbackID: 1, Msg: remote.DomainEventLifecycleMsg{Dom: remote.NonnullDomain{Name: "x"}}}
	f.Add(int32(318), xdr.Marshal(&msg))
	f.Add(int32(315), []byte{0, 0, 0, 1})
	f.Fuzz(func(t *testing.T, proc int32, data []byte) {
		_, _, _, _ = decodeEvent(proc, data)
		_ = decodeError(data)
	})
}

// duplex is a driver.Stream for a console: what the guest prints is
// collected, keystrokes are read from in.
type duplex struct {
	*sink
	in chan []byte
}

func (d *duplex) Recv(ctx context.Context, buf []byte) (int, error) {
	b, ok := <-d.in
	if !ok {
		return 0, nil
	}
	return copy(buf, b), nil
}

func TestConsoleStream(t *testing.T) {
	typed := make(chan string, 4)
	s := &fakeServer{handle: func(s *fakeServer, p *message.Packet) bool {
		switch {
		case p.Type == netproto.Call && p.Proc == int32(remote.ProcDomainOpenConsole):
			s.reply(p, nil)
			s.stream(p, netproto.Stream, netproto.Continue, []byte("login: "))
		case p.Type == netproto.Stream && p.Status == netproto.Continue:
			typed <- string(p.Payload)
			// The guest echoes, then hangs up.
			s.stream(p, netproto.Stream, netproto.Continue, p.Payload)
			s.stream(p, netproto.Stream, netproto.Continue, nil)
		case p.Type == netproto.Stream && p.Status == netproto.OK:
			s.stream(p, netproto.Stream, netproto.OK, nil)
		default:
			return false
		}
		return true
	}}
	c := fake(t, s, "test+unix:///default", Options{KeepaliveInterval: -1})
	st := &duplex{sink: newSink(), in: make(chan []byte, 1)}
	if err := c.DomainOpenConsole(context.Background(), driver.DomainRef{Name: "d"}, st, nil, 0); err != nil {
		t.Fatal(err)
	}
	st.in <- []byte("root\n")
	select {
	case got := <-typed:
		if got != "root\n" {
			t.Errorf("server got %q", got)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("keystrokes not sent")
	}
	select {
	case <-st.finished:
	case <-st.aborted:
		t.Fatal("aborted")
	case <-time.After(30 * time.Second):
		t.Fatal("console not finished after the guest hung up")
	}
	close(st.in)
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.data.String() != "login: root\n" {
		t.Errorf("console output %q", st.data.String())
	}
}
