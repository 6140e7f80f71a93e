package dispatch

import (
	"bytes"
	"context"
	"encoding/binary"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govirt/govirt/internal/daemon"
	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/internal/drivers/test"
	"github.com/govirt/govirt/internal/rpc/message"
	"github.com/govirt/govirt/internal/rpc/netproto"
	"github.com/govirt/govirt/internal/rpc/remote"
	"github.com/govirt/govirt/internal/rpc/xdr"
	"github.com/govirt/govirt/virt/uri"
	"github.com/govirt/govirt/virt/virterr"
)

// fakeDriver serves "fake:///": streams and a call that blocks until its
// client goes away.
type fakeDriver struct {
	driver.UnsupportedHypervisor
	driver.UnsupportedStorage
	started   chan struct{} // closed when the blocking call begins
	blocked   chan struct{} // closed when the blocking call's ctx ends
	uploaded  chan []byte
	startOnce sync.Once
	closeOnce sync.Once
}

func (f *fakeDriver) DomainLookupByName(ctx context.Context, name string) (driver.DomainRef, error) {
	if name == "block" {
		f.startOnce.Do(func() { close(f.started) })
		<-ctx.Done()
		f.closeOnce.Do(func() { close(f.blocked) })
		return driver.DomainRef{}, ctx.Err()
	}
	return driver.DomainRef{Name: name, ID: -1}, nil
}

var screenshot = bytes.Repeat([]byte("PNG!"), 100000) // spans two packets

func (f *fakeDriver) DomainScreenshot(ctx context.Context, st driver.Stream, dom driver.DomainRef, screen, flags uint32) (*string, error) {
	if dom.Name == "noscreen" {
		return nil, virterr.NewFrom(virterr.FromDomain, virterr.OperationInvalid, "no screen")
	}
	go func() {
		if _, err := st.Send(context.Background(), screenshot); err != nil {
			st.Abort(context.Background())
			return
		}
		st.Finish(context.Background())
	}()
	mime := "image/png"
	return &mime, nil
}

func (f *fakeDriver) StorageVolUpload(ctx context.Context, st driver.Stream, vol driver.StorageVolRef, offset, length uint64, flags uint32) error {
	go func() {
		var got []byte
		buf := make([]byte, 1000)
		for {
			n, err := st.Recv(context.Background(), buf)
			if err != nil {
				st.Abort(context.Background())
				return
			}
			if n == 0 {
				break
			}
			got = append(got, buf[:n]...)
		}
		st.Finish(context.Background())
		f.uploaded <- got
	}()
	return nil
}

func (f *fakeDriver) StorageVolDownload(ctx context.Context, st driver.Stream, vol driver.StorageVolRef, offset, length uint64, flags uint32) error {
	go func() {
		st.Send(context.Background(), []byte("head"))
		st.SendHole(context.Background(), 8, 0)
		st.Send(context.Background(), []byte("tail"))
		st.Finish(context.Background())
	}()
	return nil
}

type fixture struct {
	srv  *daemon.Server
	rw   string
	ro   string
	pk   string // a polkit-authenticated socket
	fake *fakeDriver
}

func newFixture(t testing.TB, cfg daemon.Config) *fixture {
	t.Helper()
	f := &fixture{fake: &fakeDriver{started: make(chan struct{}), blocked: make(chan struct{}), uploaded: make(chan []byte, 1)}}
	reg := driver.NewRegistry()
	reg.Register(test.Name, test.Open)
	reg.Register("fake", func(ctx context.Context, u *uri.URI, flags driver.OpenFlags) (*driver.Connection, error) {
		return &driver.Connection{Hypervisor: f.fake, Storage: f.fake}, nil
	})
	r := New(reg, nil)
	r.DefaultURIs = []string{"test:///default"}
	f.srv = daemon.NewServer(cfg, nil, r.Programs(), r)
	dir := t.TempDir()
	for _, l := range []struct {
		path *string
		name string
		ro   bool
		auth daemon.Auth
	}{{&f.rw, "rw", false, daemon.AuthNone}, {&f.ro, "ro", true, daemon.AuthNone}, {&f.pk, "pk", false, daemon.AuthPolkit}} {
		*l.path = filepath.Join(dir, l.name)
		ln, err := daemon.ListenUnix(*l.path, 0o700)
		if err != nil {
			t.Fatal(err)
		}
		f.srv.AddListener(&daemon.Listener{Name: l.name, ReadOnly: l.ro, Auth: l.auth}, ln)
	}
	t.Cleanup(f.srv.Shutdown)
	return f
}

// rawClient speaks the protocol by hand.
type rawClient struct {
	t      *testing.T
	conn   net.Conn
	serial uint32
}

func dial(t *testing.T, path string) *rawClient {
	t.Helper()
	conn, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &rawClient{t: t, conn: conn}
}

func (c *rawClient) send(h message.Header, payload []byte) {
	c.t.Helper()
	b, err := message.Append(nil, &h, payload)
	if err != nil {
		c.t.Fatal(err)
	}
	if _, err := c.conn.Write(b); err != nil {
		c.t.Fatal(err)
	}
}

func encode(v xdr.Marshaler) []byte {
	if v == nil {
		return nil
	}
	e := xdr.NewEncoder(nil)
	v.EncodeXDR(e)
	return e.Bytes()
}

func (c *rawClient) callRaw(prog uint32, proc int32, payload []byte) uint32 {
	c.serial++
	c.send(message.Header{Prog: prog, Vers: 1, Proc: proc, Type: netproto.Call, Serial: c.serial}, payload)
	return c.serial
}

func (c *rawClient) read() *message.Packet {
	c.t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	p, err := message.Read(c.conn, nil)
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	return p
}

// call sends a REMOTE call and returns its reply, collecting the
// MESSAGE packets that arrive before it.
func (c *rawClient) call(proc remote.Procedure, args xdr.Marshaler, ret xdr.Marshaler) (*virterr.Error, []*message.Packet) {
	c.t.Helper()
	serial := c.callRaw(remote.Program, int32(proc), encode(args))
	var before []*message.Packet
	for {
		p := c.read()
		if p.Type == netproto.Message {
			before = append(before, p)
			continue
		}
		if p.Type != netproto.Reply || p.Serial != serial || p.Proc != int32(proc) {
			c.t.Fatalf("unexpected packet %+v", p.Header)
		}
		return decodeReply(c.t, p, ret), before
	}
}

func decodeReply(t *testing.T, p *message.Packet, ret xdr.Marshaler) *virterr.Error {
	t.Helper()
	if p.Status == netproto.Error {
		var me netproto.MessageError
		if err := xdr.Unmarshal(p.Payload, &me); err != nil {
			t.Fatalf("error payload: %v", err)
		}
		if me.Message == nil || me.Code == 0 {
			t.Fatalf("error without message or code: %+v", me)
		}
		return message.ErrorFromWire(&me)
	}
	if ret != nil {
		if err := xdr.Unmarshal(p.Payload, ret); err != nil {
			t.Fatalf("reply payload: %v", err)
		}
	} else if len(p.Payload) != 0 {
		t.Fatalf("void reply with %d bytes", len(p.Payload))
	}
	return nil
}

func (c *rawClient) open(name string, flags uint32) {
	c.t.Helper()
	var auth remote.AuthListRet
	if e, _ := c.call(remote.ProcAuthList, nil, &auth); e != nil {
		c.t.Fatal(e)
	}
	if e, _ := c.call(remote.ProcConnectOpen, &remote.ConnectOpenArgs{Name: &name, Flags: flags}, nil); e != nil {
		c.t.Fatalf("open %s: %v", name, e)
	}
}

func wantErr(t *testing.T, e *virterr.Error, code virterr.Code, dom virterr.Domain, msg string) {
	t.Helper()
	if e == nil {
		t.Fatalf("no error, want %v %q", code, msg)
	}
	if e.Code != code || e.Domain != dom || e.Message != msg {
		t.Errorf("error %d/%d %q, want %d/%d %q", e.Code, e.Domain, e.Message, code, dom, msg)
	}
}

// TestProtocolErrors covers every protocol-level error of libvirtd's
// table (rpc-protocol.md §1.11.4).
func TestProtocolErrors(t *testing.T) {
	f := newFixture(t, daemon.DefaultConfig())

	c := dial(t, f.pk)
	e, _ := c.call(remote.ProcConnectGetType, nil, nil)
	wantErr(t, e, virterr.RPC, virterr.FromRPC, "authentication required")
	var auth remote.AuthListRet
	if e, _ := c.call(remote.ProcAuthList, nil, &auth); e != nil || len(auth.Types) != 1 || auth.Types[0] != remote.AuthNone {
		t.Fatalf("AUTH_LIST on a polkit socket for the daemon's own user: %v %+v", e, auth)
	}

	c = dial(t, f.rw)
	var feat remote.ConnectSupportsFeatureRet
	if e, _ := c.call(remote.ProcConnectSupportsFeature, &remote.ConnectSupportsFeatureArgs{Feature: 10}, &feat); e != nil || feat.Supported != 1 {
		t.Fatalf("feature 10 before open: %v %d", e, feat.Supported)
	}
	e, _ = c.call(remote.ProcConnectSupportsFeature, &remote.ConnectSupportsFeatureArgs{Feature: 14}, &feat)
	wantErr(t, e, virterr.InternalError, virterr.FromRPC, "internal error: hypervisor connection not open")
	e, _ = c.call(remote.ProcConnectGetType, nil, nil)
	wantErr(t, e, virterr.InternalError, virterr.FromRPC, "internal error: hypervisor connection not open")

	name := "foo:///bar"
	e, _ = c.call(remote.ProcConnectOpen, &remote.ConnectOpenArgs{Name: &name}, nil)
	wantErr(t, e, virterr.NoConnect, virterr.FromNone, "no connection driver available for foo:///bar")

	c.open("test:///default", 0)
	e, _ = c.call(remote.ProcConnectOpen, &remote.ConnectOpenArgs{}, nil)
	wantErr(t, e, virterr.InternalError, virterr.FromRPC, "internal error: connection already open")

	serial := c.callRaw(remote.Program, 9999, nil)
	p := c.read()
	if p.Serial != serial || p.Proc != 9999 || p.Status != netproto.Error {
		t.Fatalf("unknown procedure reply %+v", p.Header)
	}
	wantErr(t, decodeReply(t, p, nil), virterr.NoSupport, virterr.FromRPC, "unknown procedure: 9999")

	c.callRaw(0x12345678, 1, nil)
	p = c.read()
	if p.Prog != 0x12345678 {
		t.Fatalf("unknown program reply %+v", p.Header)
	}
	wantErr(t, decodeReply(t, p, nil), virterr.RPC, virterr.FromRPC, "Cannot find program 305419896 version 1")

	// Truncated arguments, and an array longer than its bound.
	c.callRaw(remote.Program, int32(remote.ProcDomainLookupByName), []byte{0, 0, 0, 9, 'a'})
	wantErr(t, decodeReply(t, c.read(), nil), virterr.RPC, virterr.FromRPC, "Unable to decode message payload")
	c.callRaw(remote.Program, int32(remote.ProcDomainLookupByName), []byte{0xff, 0xff, 0xff, 0xff})
	wantErr(t, decodeReply(t, c.read(), nil), virterr.RPC, virterr.FromRPC, "Unable to decode message payload")

	c.serial++
	c.send(message.Header{Prog: remote.Program, Vers: 1, Proc: 3, Type: netproto.Call, Serial: c.serial, Status: netproto.Continue}, nil)
	wantErr(t, decodeReply(t, c.read(), nil), virterr.RPC, virterr.FromRPC, "Unexpected message status 2")

	// A driver that lacks a procedure answers NO_SUPPORT naming it, from
	// the domain of the libvirt file defining the function.
	e, _ = c.call(remote.ProcConnectListAllSecrets, &remote.ConnectListAllSecretsArgs{NeedResults: 1}, nil)
	wantErr(t, e, virterr.NoSupport, virterr.FromSecret, "this function is not supported by the connection driver: virConnectListAllSecrets")

	// The connection still works after all that.
	var typ remote.ConnectGetTypeRet
	if e, _ := c.call(remote.ProcConnectGetType, nil, &typ); e != nil || typ.Type != "TEST" {
		t.Fatalf("GET_TYPE: %v %q", e, typ.Type)
	}
}

func TestGoLibvirtOptionalDiscriminant(t *testing.T) {
	f := newFixture(t, daemon.DefaultConfig())
	c := dial(t, f.rw)
	c.call(remote.ProcAuthList, nil, &remote.AuthListRet{})
	// go-libvirt writes "present" as 0x01000000.
	payload, _ := bytesHex("010000000000000f746573743a2f2f2f64656661756c740000000000")
	c.callRaw(remote.Program, int32(remote.ProcConnectOpen), payload)
	if e := decodeReply(t, c.read(), nil); e != nil {
		t.Fatal(e)
	}
	var uriRet remote.ConnectGetURIRet
	if e, _ := c.call(remote.ProcConnectGetURI, nil, &uriRet); e != nil || uriRet.URI != "test:///default" {
		t.Fatalf("GET_URI: %v %q", e, uriRet.URI)
	}
}

func bytesHex(s string) ([]byte, error) {
	out := make([]byte, len(s)/2)
	for i := range out {
		var v byte
		for _, ch := range s[2*i : 2*i+2] {
			v <<= 4
			switch {
			case ch >= '0' && ch <= '9':
				v |= byte(ch - '0')
			default:
				v |= byte(ch-'a') + 10
			}
		}
		out[i] = v
	}
	return out, nil
}

const demoXML = `<domain type='test'><name>dispatchdemo</name><memory>65536</memory><os><type>hvm</type></os></domain>`

// TestReadOnly: the read-only socket forces RO, and RO connections are
// refused every mutating call with libvirt's wording and domain, but may
// read and register for events.
func TestReadOnly(t *testing.T) {
	f := newFixture(t, daemon.DefaultConfig())
	for _, tc := range []struct {
		path  string
		flags uint32
	}{{f.ro, 0}, {f.rw, 1}} {
		c := dial(t, tc.path)
		c.open("test:///default", tc.flags)
		e, _ := c.call(remote.ProcDomainDefineXML, &remote.DomainDefineXMLArgs{XML: demoXML}, nil)
		wantErr(t, e, virterr.OperationDenied, virterr.FromDomain, "operation forbidden: read only access prevents virDomainDefineXML")
		e, _ = c.call(remote.ProcNetworkCreate, &remote.NetworkCreateArgs{}, nil)
		wantErr(t, e, virterr.OperationDenied, virterr.FromNetwork, "operation forbidden: read only access prevents virNetworkCreate")
		e, _ = c.call(remote.ProcStoragePoolRefresh, &remote.StoragePoolRefreshArgs{}, nil)
		wantErr(t, e, virterr.OperationDenied, virterr.FromStorage, "operation forbidden: read only access prevents virStoragePoolRefresh")
		var dom remote.DomainLookupByNameRet
		if e, _ := c.call(remote.ProcDomainLookupByName, &remote.DomainLookupByNameArgs{Name: "test"}, &dom); e != nil {
			t.Fatal(e)
		}
		e, _ = c.call(remote.ProcDomainGetXMLDesc, &remote.DomainGetXMLDescArgs{Dom: dom.Dom, Flags: 1}, nil)
		wantErr(t, e, virterr.OperationDenied, virterr.FromDomain, "operation forbidden: virDomainGetXMLDesc with secure flag")
		if e, _ := c.call(remote.ProcDomainGetXMLDesc, &remote.DomainGetXMLDescArgs{Dom: dom.Dom}, &remote.DomainGetXMLDescRet{}); e != nil {
			t.Fatal(e)
		}
		e, _ = c.call(remote.ProcDomainSetSchedulerParameters, &remote.DomainSetSchedulerParametersArgs{Dom: dom.Dom}, nil)
		wantErr(t, e, virterr.OperationDenied, virterr.FromDomain, "operation forbidden: read only access prevents virDomainSetSchedulerParameters")
		if e, _ := c.call(remote.ProcConnectDomainEventCallbackRegisterAny, &remote.ConnectDomainEventCallbackRegisterAnyArgs{}, &remote.ConnectDomainEventCallbackRegisterAnyRet{}); e != nil {
			t.Fatal(e)
		}
	}
}

// TestScreenshotStream: reply first, then the data, an empty CONTINUE for
// EOF, and STREAM/OK only in answer to the client's finish.
func TestScreenshotStream(t *testing.T) {
	f := newFixture(t, daemon.DefaultConfig())
	c := dial(t, f.rw)
	c.open("fake:///", 0)
	serial := c.callRaw(remote.Program, int32(remote.ProcDomainScreenshot), encode(&remote.DomainScreenshotArgs{Dom: remote.NonnullDomain{Name: "d"}}))
	var ret remote.DomainScreenshotRet
	if e := decodeReply(t, c.read(), &ret); e != nil || ret.Mime == nil || *ret.Mime != "image/png" {
		t.Fatalf("screenshot reply: %v %+v", e, ret)
	}
	var data []byte
	for {
		p := c.read()
		if p.Type != netproto.Stream || p.Serial != serial || p.Proc != int32(remote.ProcDomainScreenshot) || p.Status != netproto.Continue {
			t.Fatalf("stream packet %+v", p.Header)
		}
		if len(p.Payload) > netproto.MessageLegacyPayloadMax {
			t.Fatalf("chunk of %d bytes", len(p.Payload))
		}
		if len(p.Payload) == 0 {
			break
		}
		data = append(data, p.Payload...)
	}
	if !bytes.Equal(data, screenshot) {
		t.Fatalf("got %d bytes, want %d", len(data), len(screenshot))
	}
	c.send(message.Header{Prog: remote.Program, Vers: 1, Proc: int32(remote.ProcDomainScreenshot), Type: netproto.Stream, Serial: serial, Status: netproto.OK}, nil)
	p := c.read()
	if p.Type != netproto.Stream || p.Status != netproto.OK || len(p.Payload) != 0 {
		t.Fatalf("finish confirmation %+v", p.Header)
	}

	// A failing streaming call answers an error and opens no stream.
	serial = c.callRaw(remote.Program, int32(remote.ProcDomainScreenshot), encode(&remote.DomainScreenshotArgs{Dom: remote.NonnullDomain{Name: "noscreen"}}))
	p = c.read()
	wantErr(t, decodeReply(t, p, nil), virterr.OperationInvalid, virterr.FromDomain, "Requested operation is not valid: no screen")
	c.send(message.Header{Prog: remote.Program, Vers: 1, Proc: int32(remote.ProcDomainScreenshot), Type: netproto.Stream, Serial: serial, Status: netproto.Continue}, []byte("late"))
	var typ remote.ConnectGetTypeRet
	if e, _ := c.call(remote.ProcConnectGetType, nil, &typ); e == nil {
		t.Fatal("fake driver answered GET_TYPE")
	}
}

func TestUploadAndSparseDownload(t *testing.T) {
	f := newFixture(t, daemon.DefaultConfig())
	c := dial(t, f.rw)
	c.open("fake:///", 0)
	proc := int32(remote.ProcStorageVolUpload)
	serial := c.callRaw(remote.Program, proc, encode(&remote.StorageVolUploadArgs{Flags: 1}))
	if e := decodeReply(t, c.read(), nil); e != nil {
		t.Fatal(e)
	}
	stream := func(typ netproto.MessageType, status netproto.MessageStatus, payload []byte) {
		c.send(message.Header{Prog: remote.Program, Vers: 1, Proc: proc, Type: typ, Serial: serial, Status: status}, payload)
	}
	stream(netproto.Stream, netproto.Continue, []byte("hello "))
	hole := xdr.NewEncoder(nil)
	hole.Int64(3)
	hole.Uint32(0)
	stream(netproto.MessageTypeStreamHole, netproto.Continue, hole.Bytes())
	stream(netproto.Stream, netproto.Continue, []byte("world"))
	stream(netproto.Stream, netproto.OK, nil)
	p := c.read()
	if p.Type != netproto.Stream || p.Status != netproto.OK || p.Serial != serial {
		t.Fatalf("upload confirmation %+v", p.Header)
	}
	if got := <-f.fake.uploaded; string(got) != "hello \x00\x00\x00world" {
		t.Fatalf("uploaded %q", got)
	}

	proc = int32(remote.ProcStorageVolDownload)
	serial = c.callRaw(remote.Program, proc, encode(&remote.StorageVolDownloadArgs{Flags: 1}))
	if e := decodeReply(t, c.read(), nil); e != nil {
		t.Fatal(e)
	}
	var got []string
	for {
		p := c.read()
		if p.Serial != serial {
			t.Fatalf("packet %+v", p.Header)
		}
		if p.Type == netproto.MessageTypeStreamHole {
			d := xdr.NewDecoder(p.Payload)
			got = append(got, "hole:"+string(rune('0'+d.Int64())))
			continue
		}
		if len(p.Payload) == 0 {
			break
		}
		got = append(got, string(p.Payload))
	}
	if strings.Join(got, ",") != "head,hole:8,tail" {
		t.Fatalf("download %v", got)
	}
}

// TestHangUpCancels: a client that hangs up mid-call cancels the call's
// context, and its driver connection is closed.
func TestHangUpCancels(t *testing.T) {
	f := newFixture(t, daemon.DefaultConfig())
	c := dial(t, f.rw)
	c.open("fake:///", 0)
	c.callRaw(remote.Program, int32(remote.ProcDomainLookupByName), encode(&remote.DomainLookupByNameArgs{Name: "block"}))
	// Hang up only once the call runs (a fixed pause assumed it would
	// start within 50 ms).
	select {
	case <-f.fake.started:
	case <-time.After(30 * time.Second):
		t.Fatal("the blocking call never started")
	}
	c.conn.Close()
	select {
	case <-f.fake.blocked:
	case <-time.After(30 * time.Second):
		t.Fatal("the call's context was not cancelled")
	}
}

// TestHostilePackets: malformed, truncated and oversized packets drop only
// the client that sent them.
func TestHostilePackets(t *testing.T) {
	f := newFixture(t, daemon.DefaultConfig())
	good := dial(t, f.rw)
	good.open("test:///default", 0)
	for _, raw := range [][]byte{
		{0, 0, 0, 2},             // length below the header
		{0xff, 0xff, 0xff, 0xff}, // beyond 32 MiB
		append(binary.BigEndian.AppendUint32(nil, 100), make([]byte, 10)...), // truncated
	} {
		bad := dial(t, f.rw)
		bad.conn.Write(raw)
		if c, ok := bad.conn.(*net.UnixConn); ok {
			c.CloseWrite()
		}
		bad.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := message.Read(bad.conn, nil); err == nil {
			t.Errorf("%x: got a packet back", raw)
		}
	}
	var typ remote.ConnectGetTypeRet
	if e, _ := good.call(remote.ProcConnectGetType, nil, &typ); e != nil || typ.Type != "TEST" {
		t.Fatalf("the good client suffered: %v", e)
	}
}

func TestConnectCloseClosesSocket(t *testing.T) {
	f := newFixture(t, daemon.DefaultConfig())
	c := dial(t, f.rw)
	c.open("test:///default", 0)
	if e, _ := c.call(remote.ProcConnectClose, nil, nil); e != nil {
		t.Fatal(e)
	}
	c.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := message.Read(c.conn, nil); err == nil {
		t.Fatal("the socket stayed open after CONNECT_CLOSE")
	}
}

// TestManyClients: 500 clients at once, each opening and listing.
func TestManyClients(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	f := newFixture(t, daemon.DefaultConfig())
	var wg sync.WaitGroup
	errs := make(chan error, 500)
	for i := 0; i < 500; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn, err := net.Dial("unix", f.rw)
			if err != nil {
				errs <- err
				return
			}
			defer conn.Close()
			name := "test:///default"
			for serial, step := range []struct {
				proc remote.Procedure
				args xdr.Marshaler
			}{{remote.ProcAuthList, nil}, {remote.ProcConnectOpen, &remote.ConnectOpenArgs{Name: &name}}, {remote.ProcConnectListAllDomains, &remote.ConnectListAllDomainsArgs{NeedResults: 1}}} {
				b, _ := message.Append(nil, &message.Header{Prog: remote.Program, Vers: 1, Proc: int32(step.proc), Serial: uint32(serial)}, encode(step.args))
				if _, err := conn.Write(b); err != nil {
					errs <- err
					return
				}
				conn.SetReadDeadline(time.Now().Add(30 * time.Second))
				p, err := message.Read(conn, nil)
				if err != nil {
					errs <- err
					return
				}
				if p.Status != netproto.OK {
					errs <- virterr.New(virterr.InternalError, "call %d failed", step.proc)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestMaxClients: clients past max_clients are turned away.
func TestMaxClients(t *testing.T) {
	cfg := daemon.DefaultConfig()
	cfg.MaxClients = 2
	f := newFixture(t, cfg)
	a, b := dial(t, f.rw), dial(t, f.rw)
	a.open("test:///default", 0)
	b.open("test:///default", 0)
	extra := dial(t, f.rw)
	// The daemon may already have hung up: a failed write is a refusal too.
	pkt, _ := message.Append(nil, &message.Header{Prog: remote.Program, Vers: 1, Proc: int32(remote.ProcAuthList)}, nil)
	if _, err := extra.conn.Write(pkt); err != nil {
		return
	}
	extra.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := message.Read(extra.conn, nil); err == nil {
		t.Fatal("a third client was served with max_clients = 2")
	}
}

// TestGeneratedUpToDate: regenerating the dispatch code gives the same
// bytes as the committed files.
func TestGeneratedUpToDate(t *testing.T) {
	in := "../../../shared/reference/libvirt-9.0.0-protocol"
	if _, err := os.Stat(in); err != nil {
		t.Skip("../shared/reference is not available")
	}
	out := t.TempDir()
	cmd := exec.Command("go", "run", "../gen/apigen", "dispatch", "-in", in, "-wire", "../rpc/remote", "-driver", "../driver", "-out", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("apigen: %v\n%s", err, b)
	}
	for _, name := range []string{"remote_gen.go", "convert_gen.go", "events_gen.go"} {
		want, _ := os.ReadFile(name)
		got, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale: run go generate ./internal/dispatch", name)
		}
	}
}
