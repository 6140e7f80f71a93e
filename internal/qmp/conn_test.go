package qmp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/govirt/govirt/virt/virterr"
)

type wireCommand struct {
	Execute   string          `json:"execute"`
	Arguments json.RawMessage `json:"arguments"`
	ID        json.RawMessage `json:"id"`
}

// fakeQEMU is a scripted monitor: handle gets each command (after
// qmp_capabilities) with the files passed along it, and writes what it
// likes through send.
type fakeQEMU struct {
	conn   *net.UnixConn
	sendMu sync.Mutex
}

func (f *fakeQEMU) send(v any) {
	data, _ := json.Marshal(v)
	f.sendMu.Lock()
	defer f.sendMu.Unlock()
	f.conn.Write(append(data, '\r', '\n'))
}

func (f *fakeQEMU) reply(cmd wireCommand, ret any) {
	f.send(map[string]any{"return": ret, "id": cmd.ID})
}

func startFake(t *testing.T, handle func(f *fakeQEMU, cmd wireCommand, files []*os.File)) *Conn {
	t.Helper()
	client, server, err := socketPair()
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeQEMU{conn: server.(*net.UnixConn)}
	go func() {
		defer server.Close()
		f.send(map[string]any{"QMP": map[string]any{
			"version":      map[string]any{"qemu": map[string]int{"major": 7, "minor": 2, "micro": 0}, "package": ""},
			"capabilities": []string{"oob"},
		}})
		buf := make([]byte, 64<<10)
		oob := make([]byte, syscall.CmsgSpace(4*8))
		var pending []byte
		var files []*os.File
		for {
			n, oobn, _, _, err := f.conn.ReadMsgUnix(buf, oob)
			if err != nil {
				return
			}
			if oobn > 0 {
				msgs, _ := syscall.ParseSocketControlMessage(oob[:oobn])
				for _, m := range msgs {
					fds, _ := syscall.ParseUnixRights(&m)
					for _, fd := range fds {
						files = append(files, os.NewFile(uintptr(fd), "passed"))
					}
				}
			}
			pending = append(pending, buf[:n]...)
			for {
				i := indexByte(pending, '\n')
				if i < 0 {
					break
				}
				line := pending[:i]
				pending = pending[i+1:]
				var cmd wireCommand
				if err := json.Unmarshal(line, &cmd); err != nil {
					continue
				}
				if cmd.Execute == "qmp_capabilities" {
					f.reply(cmd, map[string]any{})
					continue
				}
				got := files
				files = nil
				handle(f, cmd, got)
			}
		}
	}()
	c, err := New(context.Background(), client, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

func TestConcurrentCommandsOutOfOrder(t *testing.T) {
	var mu sync.Mutex
	var held []wireCommand
	c := startFake(t, func(f *fakeQEMU, cmd wireCommand, _ []*os.File) {
		mu.Lock()
		defer mu.Unlock()
		held = append(held, cmd)
		if len(held) == 20 {
			// Answer in reverse order: ids, not order, pair replies.
			for i := len(held) - 1; i >= 0; i-- {
				var args struct{ N int }
				json.Unmarshal(held[i].Arguments, &args)
				f.reply(held[i], map[string]int{"n": args.N})
			}
		}
	})
	if g := c.Greeting(); g.Version.String() != "7.2.0" || len(g.Capabilities) != 1 {
		t.Fatalf("greeting %+v", g)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			var out struct{ N int }
			if err := c.ExecuteInto(context.Background(), "echo", map[string]int{"n": i}, &out); err != nil {
				errs <- err
			} else if out.N != i {
				errs <- fmt.Errorf("command %d got reply %d", i, out.N)
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestEventsNeverBlockReader(t *testing.T) {
	const n = 5000
	c := startFake(t, func(f *fakeQEMU, cmd wireCommand, _ []*os.File) {
		for i := 0; i < n; i++ {
			f.send(map[string]any{"event": "BLOCK_JOB_READY", "data": map[string]int{"i": i},
				"timestamp": map[string]int{"seconds": 1, "microseconds": 2}})
		}
		f.reply(cmd, map[string]any{})
	})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	// Nobody reads Events while the command waits behind n events.
	if _, err := c.Execute(ctx, "flood", nil); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		ev := <-c.Events()
		var d struct{ I int }
		json.Unmarshal(ev.Data, &d)
		if ev.Name != "BLOCK_JOB_READY" || d.I != i {
			t.Fatalf("event %d: %+v", i, ev)
		}
	}
}

func TestOnEventCallback(t *testing.T) {
	client, server, err := socketPair()
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	got := make(chan string, 10)
	go func() {
		server.Write([]byte(`{"QMP": {"version": {"qemu": {"major": 8, "minor": 0, "micro": 1}, "package": ""}, "capabilities": []}}` + "\n"))
		dec := json.NewDecoder(server)
		var cmd wireCommand
		dec.Decode(&cmd)
		server.Write([]byte(`{"event": "STOP", "timestamp": {"seconds": 1, "microseconds": 0}}` + "\n"))
		fmt.Fprintf(server, `{"return": {}, "id": %s}`+"\n", cmd.ID)
	}()
	c, err := New(context.Background(), client, Options{OnEvent: func(ev Event) { got <- ev.Name }})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	select {
	case name := <-got:
		if name != "STOP" {
			t.Fatal(name)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("callback not called")
	}
}

func TestTimeoutThenLateReply(t *testing.T) {
	release := make(chan wireCommand, 1)
	c := startFake(t, func(f *fakeQEMU, cmd wireCommand, _ []*os.File) {
		if cmd.Execute == "slow" {
			release <- cmd
			return
		}
		old := <-release
		f.reply(old, "late")
		f.reply(cmd, "fresh")
	})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := c.Execute(ctx, "slow", nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("slow: %v", err)
	}
	ret, err := c.Execute(context.Background(), "fast", nil)
	if err != nil || string(ret) != `"fresh"` {
		t.Fatalf("fast after timeout: %s %v", ret, err)
	}
}

func TestEOFWithPendingCommandAndShutdown(t *testing.T) {
	c := startFake(t, func(f *fakeQEMU, cmd wireCommand, _ []*os.File) {
		if cmd.Execute == "system_powerdown" {
			f.reply(cmd, map[string]any{})
			f.send(map[string]any{"event": "SHUTDOWN", "data": map[string]any{"guest": true, "reason": "guest-shutdown"},
				"timestamp": map[string]int{"seconds": 1, "microseconds": 0}})
			return
		}
		// query-status never answered: QEMU "exits".
		f.conn.Close()
	})
	ctx := context.Background()
	if _, err := c.Execute(ctx, "system_powerdown", nil); err != nil {
		t.Fatal(err)
	}
	_, err := c.Execute(ctx, "query-status", nil)
	if !IsEOF(err) || !errors.Is(err, virterr.OperationFailed) {
		t.Fatalf("pending command on EOF: %v", err)
	}
	if err.Error() != "operation failed: End of file from qemu monitor" {
		t.Errorf("EOF text %q", err)
	}
	<-c.Done()
	if !IsEOF(c.Err()) {
		t.Fatalf("Err %v", c.Err())
	}
	if ev := c.ShutdownEvent(); ev == nil || ev.Name != "SHUTDOWN" {
		t.Fatal("SHUTDOWN event not kept")
	}
	if _, err := c.Execute(ctx, "query-status", nil); !IsEOF(err) {
		t.Fatalf("command after EOF: %v", err)
	}
	// The queued event is still delivered, then the channel closes.
	var names []string
	for ev := range c.Events() {
		names = append(names, ev.Name)
	}
	if len(names) != 1 || names[0] != "SHUTDOWN" {
		t.Fatalf("events after EOF %v", names)
	}
}

func TestCloseFailsPending(t *testing.T) {
	c := startFake(t, func(f *fakeQEMU, cmd wireCommand, _ []*os.File) {})
	done := make(chan error)
	go func() {
		_, err := c.Execute(context.Background(), "hang", nil)
		done <- err
	}()
	time.Sleep(50 * time.Millisecond)
	c.Close()
	if err := <-done; !errors.Is(err, ErrClosed) || IsEOF(err) {
		t.Fatalf("pending after Close: %v", err)
	}
	if !errors.Is(c.Err(), ErrClosed) {
		t.Fatalf("Err %v", c.Err())
	}
}

func TestGreetingFailures(t *testing.T) {
	client, server, err := socketPair()
	if err != nil {
		t.Fatal(err)
	}
	server.Close()
	if _, err := New(context.Background(), client, Options{}); !IsEOF(err) {
		t.Fatalf("hang-up before greeting: %v", err)
	}
	client, server, _ = socketPair()
	defer server.Close()
	go server.Write([]byte(`{"return": {}}` + "\n"))
	var pe *ProtocolError
	if _, err := New(context.Background(), client, Options{}); !errors.As(err, &pe) {
		t.Fatalf("bad greeting: %v", err)
	}
	client, server2, _ := socketPair()
	defer server2.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := New(ctx, client, Options{}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("silent peer: %v", err)
	}
}

func TestFDPassing(t *testing.T) {
	type passed struct {
		cmd   wireCommand
		files []*os.File
	}
	got := make(chan passed, 4)
	c := startFake(t, func(f *fakeQEMU, cmd wireCommand, files []*os.File) {
		got <- passed{cmd, files}
		switch cmd.Execute {
		case "add-fd":
			f.reply(cmd, map[string]int{"fdset-id": 1, "fd": 42})
		default:
			f.reply(cmd, map[string]any{})
		}
	})
	ctx := context.Background()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if err := c.GetFD(ctx, "tap0", w); err != nil {
		t.Fatal(err)
	}
	p := <-got
	if p.cmd.Execute != "getfd" || string(p.cmd.Arguments) != `{"fdname":"tap0"}` || len(p.files) != 1 {
		t.Fatalf("getfd passed %+v", p)
	}
	// The received descriptor is the pipe's write end.
	p.files[0].Write([]byte("x"))
	p.files[0].Close()
	buf := make([]byte, 1)
	if _, err := r.Read(buf); err != nil || buf[0] != 'x' {
		t.Fatalf("passed fd unusable: %v", err)
	}
	info, err := c.AddFD(ctx, r, -1, "disk0")
	if err != nil || info.FDSetID != 1 || info.FD != 42 {
		t.Fatalf("add-fd %+v %v", info, err)
	}
	p = <-got
	if p.cmd.Execute != "add-fd" || string(p.cmd.Arguments) != `{"opaque":"disk0"}` || len(p.files) != 1 {
		t.Fatalf("add-fd passed %+v", p)
	}
	p.files[0].Close()
	if err := c.CloseFD(ctx, "tap0"); err != nil {
		t.Fatal(err)
	}
	if p := <-got; len(p.files) != 0 {
		t.Fatal("closefd carried files")
	}
}

// BenchmarkRoundTrip measures one command/reply over a socket pair.
func BenchmarkRoundTrip(b *testing.B) {
	client, server, err := socketPair()
	if err != nil {
		b.Fatal(err)
	}
	go func() {
		defer server.Close()
		server.Write([]byte(`{"QMP": {"version": {"qemu": {"major": 7, "minor": 2, "micro": 0}, "package": ""}, "capabilities": []}}` + "\n"))
		dec := json.NewDecoder(server)
		for {
			var cmd wireCommand
			if dec.Decode(&cmd) != nil {
				return
			}
			fmt.Fprintf(server, `{"return": {"running": false, "status": "prelaunch"}, "id": %s}`+"\n", cmd.ID)
		}
	}()
	c, err := New(context.Background(), client, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.Execute(ctx, "query-status", nil); err != nil {
			b.Fatal(err)
		}
	}
}

// TestSendPipelines checks that Send writes at once: the fake answers
// nothing until all three commands have arrived, in the order sent.
func TestSendPipelines(t *testing.T) {
	var mu sync.Mutex
	var got []wireCommand
	c := startFake(t, func(f *fakeQEMU, cmd wireCommand, _ []*os.File) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, cmd)
		if len(got) < 3 {
			return
		}
		for _, w := range got {
			switch w.Execute {
			case "query-cpus-fast":
				f.reply(w, []map[string]int{{"cpu-index": 0, "thread-id": 42}})
			case "bogus":
				f.send(map[string]any{"error": map[string]string{"class": "CommandNotFound", "desc": "The command bogus has not been found"}, "id": w.ID})
			default:
				f.reply(w, map[string]any{})
			}
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	cpus := c.Send(ctx, "query-cpus-fast", nil)
	bogus := c.Send(ctx, "bogus", nil)
	cont := c.Send(ctx, "cont", nil)
	// Collected out of order on purpose.
	if _, err := cont.Wait(ctx); err != nil {
		t.Fatalf("cont: %v", err)
	}
	var out []struct {
		Thread int `json:"thread-id"`
	}
	if err := cpus.WaitInto(ctx, &out); err != nil || len(out) != 1 || out[0].Thread != 42 {
		t.Fatalf("query-cpus-fast: %v %+v", err, out)
	}
	var ce *CommandError
	if _, err := bogus.Wait(ctx); !errors.As(err, &ce) || ce.Class != "CommandNotFound" {
		t.Fatalf("bogus: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	var order []string
	for _, w := range got {
		order = append(order, w.Execute)
	}
	if fmt.Sprint(order) != "[query-cpus-fast bogus cont]" {
		t.Fatalf("order %v", order)
	}
}

// TestSendAfterClose reports the connection's end from Wait.
func TestSendAfterClose(t *testing.T) {
	c := startFake(t, func(f *fakeQEMU, cmd wireCommand, _ []*os.File) {})
	c.Close()
	<-c.Done()
	if _, err := c.Send(context.Background(), "cont", nil).Wait(context.Background()); err == nil {
		t.Fatal("Send on a closed connection succeeded")
	}
}

// eagerServer greets only after qmp_capabilities has arrived, so a
// client that waits for the greeting before negotiating would hang; it
// then answers each command line with reply(cmd).
func eagerServer(t *testing.T, reply func(cmd wireCommand) map[string]any) net.Conn {
	t.Helper()
	client, server, err := socketPair()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { server.Close() })
	go func() {
		dec := json.NewDecoder(server)
		write := func(v any) {
			data, _ := json.Marshal(v)
			server.Write(append(data, '\r', '\n'))
		}
		for first := true; ; first = false {
			var cmd wireCommand
			if err := dec.Decode(&cmd); err != nil {
				return
			}
			if first {
				if cmd.Execute != "qmp_capabilities" {
					write(map[string]any{"error": map[string]string{"class": "CommandNotFound", "desc": "expected qmp_capabilities first"}, "id": cmd.ID})
					return
				}
				write(map[string]any{"QMP": map[string]any{
					"version":      map[string]any{"qemu": map[string]int{"major": 7, "minor": 2, "micro": 0}, "package": ""},
					"capabilities": []string{},
				}})
			}
			m := reply(cmd)
			m["id"] = cmd.ID
			write(m)
		}
	}()
	return client
}

func TestEagerNegotiation(t *testing.T) {
	client := eagerServer(t, func(cmd wireCommand) map[string]any {
		return map[string]any{"return": map[string]string{"ran": cmd.Execute}}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := New(ctx, client, Options{EagerNegotiation: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var out struct{ Ran string }
	if err := c.Send(ctx, "cont", nil).WaitInto(ctx, &out); err != nil || out.Ran != "cont" {
		t.Fatalf("cont: %v %+v", err, out)
	}
	if c.Greeting().Version.String() != "7.2.0" {
		t.Fatalf("greeting %+v", c.Greeting())
	}
}

// TestEagerNegotiationFailure: a refused qmp_capabilities is what the
// next command's Wait reports, and the connection ends.
func TestEagerNegotiationFailure(t *testing.T) {
	client := eagerServer(t, func(cmd wireCommand) map[string]any {
		if cmd.Execute == "qmp_capabilities" {
			return map[string]any{"error": map[string]string{"class": "GenericError", "desc": "no"}}
		}
		return map[string]any{"return": map[string]any{}}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := New(ctx, client, Options{EagerNegotiation: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var ce *CommandError
	if _, err := c.Execute(ctx, "cont", nil); !errors.As(err, &ce) || ce.Command != "qmp_capabilities" {
		t.Fatalf("cont after a refused negotiation: %v", err)
	}
	select {
	case <-c.Done():
	case <-ctx.Done():
		t.Fatal("connection still open after a refused negotiation")
	}
}
