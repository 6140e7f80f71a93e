package daemon

import (
	"bufio"
	"encoding/binary"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/govirt/govirt/internal/rpc/message"
	"github.com/govirt/govirt/internal/rpc/netproto"
	"github.com/govirt/govirt/internal/rpc/xdr"
)

// floodProgram answers procedure 1 by sending the client n numbered
// MESSAGE packets of 4 KiB (more than a socket buffer holds) and then the
// reply, and procedure 2 by sending until the client is dropped,
// reporting how long that took. Every call is quick, so it runs on the
// reading goroutine when nothing else is in flight.
type floodProgram struct {
	n       int
	dropped chan time.Duration
}

func (p *floodProgram) Quick(c *Client, pkt *message.Packet) bool { return true }

func (p *floodProgram) Call(c *Client, pkt *message.Packet) {
	body := make([]byte, 4096)
	// A client that reads is given all the time a loaded machine needs;
	// the one that never reads (procedure 2) is dropped after 200 ms.
	within := 10 * time.Second
	if pkt.Proc == 2 {
		within = 200 * time.Millisecond
	}
	send := func(i int) bool {
		binary.BigEndian.PutUint32(body, uint32(i))
		h := message.Header{Prog: testProg, Vers: 1, Proc: 9, Type: netproto.Message, Status: netproto.OK}
		b, _ := message.Append(nil, &h, body)
		return c.SendWithin(b, within)
	}
	switch pkt.Proc {
	case 1:
		for i := 0; i < p.n; i++ {
			if !send(i) {
				return
			}
		}
		c.Reply(&pkt.Header, &word{V: uint32(p.n)})
	case 2:
		start := time.Now()
		for i := 0; send(i); i++ {
		}
		p.dropped <- time.Since(start)
	}
}

// TestPacketsKeepTheirOrder: packets sent directly and through the queue
// (a client slow to start reading fills the socket) arrive whole and in
// the order they were sent, the reply last.
func TestPacketsKeepTheirOrder(t *testing.T) {
	prog := &floodProgram{n: 3000}
	path, _ := startServer(t, DefaultConfig(), prog)
	conn, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	call(t, conn, testProg, 1, 7, nil)
	time.Sleep(50 * time.Millisecond)
	r := bufio.NewReader(conn)
	conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	for i := 0; i < prog.n; i++ {
		p, err := message.Read(r, nil)
		if err != nil {
			t.Fatalf("packet %d: %v", i, err)
		}
		if p.Type != netproto.Message || len(p.Payload) != 4096 || binary.BigEndian.Uint32(p.Payload) != uint32(i) {
			t.Fatalf("packet %d: %+v, %d bytes, number %d", i, p.Header, len(p.Payload), binary.BigEndian.Uint32(p.Payload))
		}
	}
	p, err := message.Read(r, nil)
	if err != nil || p.Type != netproto.Reply || p.Serial != 7 {
		t.Fatalf("reply: %v %+v", err, p)
	}
	var w word
	if err := xdr.Unmarshal(p.Payload, &w); err != nil || w.V != uint32(prog.n) {
		t.Fatalf("reply payload %v %d", err, w.V)
	}
}

// TestStalledClientNeverBlocksSender: a client that never reads is
// dropped once its queue stays full for SendWithin's limit; the sender is
// never stuck in a write.
func TestStalledClientNeverBlocksSender(t *testing.T) {
	prog := &floodProgram{dropped: make(chan time.Duration, 1)}
	path, s := startServer(t, DefaultConfig(), prog)
	conn, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	call(t, conn, testProg, 2, 1, nil)
	select {
	case d := <-prog.dropped:
		if d > 5*time.Second {
			t.Fatalf("sender took %v to give up", d)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the sender is blocked on a client that does not read")
	}
	deadline := time.Now().Add(30 * time.Second)
	for s.NumClients() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the stalled client was not dropped")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// quickEcho is echoProgram with every procedure but 2 quick.
type quickEcho struct{ echoProgram }

func (p *quickEcho) Quick(c *Client, pkt *message.Packet) bool { return pkt.Proc != 2 }

// TestQuickCallsPipelined: quick calls sent back to back are all answered
// in order, and a quick call still runs while a slow one is in flight.
func TestQuickCallsPipelined(t *testing.T) {
	prog := &quickEcho{echoProgram{release: make(chan struct{})}}
	path, _ := startServer(t, DefaultConfig(), prog)
	conn, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	call(t, conn, testProg, 2, 1000, xdr.Marshal(&word{V: 1000}))
	var batch []byte
	for i := uint32(1); i <= 50; i++ {
		batch, _ = message.Append(batch, &message.Header{Prog: testProg, Vers: 1, Proc: 1, Type: netproto.Call, Serial: i}, xdr.Marshal(&word{V: i}))
	}
	if _, err := conn.Write(batch); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(conn)
	seen := map[uint32]bool{}
	for len(seen) < 50 {
		p, err := message.Read(r, nil)
		if err != nil {
			t.Fatal(err)
		}
		var w word
		if err := xdr.Unmarshal(p.Payload, &w); err != nil || p.Status != netproto.OK || w.V != p.Serial {
			t.Fatalf("reply %+v: %v %d", p.Header, err, w.V)
		}
		seen[p.Serial] = true
	}
	close(prog.release)
	p, err := message.Read(r, nil)
	if err != nil || p.Serial != 1000 {
		t.Fatalf("slow call's reply: %v %+v", err, p)
	}
	if m := prog.maxSeen.Load(); m > int32(DefaultConfig().MaxClientRequests) {
		t.Fatalf("%d calls ran at once", m)
	}
}

// fanInProgram answers procedure 1 by sending the client, from senders
// goroutines at once, perSender MESSAGE packets each, of sizes that mix
// small packets (written concurrently) with large ones (written alone),
// and then the reply.
type fanInProgram struct {
	senders, perSender int
	smallMax           int // small packets' sizes spread below this (default 4000)
}

func (p *fanInProgram) Call(c *Client, pkt *message.Packet) {
	if tc, ok := c.conn.(*net.TCPConn); ok {
		// A send buffer of a few packets: the socket is often full.
		tc.SetWriteBuffer(8 << 10)
	}
	var wg sync.WaitGroup
	for s := 0; s < p.senders; s++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < p.perSender; i++ {
				smallMax := p.smallMax
				if smallMax == 0 {
					smallMax = 4000
				}
				size := 64 + (s*131+i*977)%smallMax
				if i%50 == 49 {
					size = atomicWriteMax + 20000
				}
				body := make([]byte, size)
				binary.BigEndian.PutUint32(body, uint32(s))
				binary.BigEndian.PutUint32(body[4:], uint32(i))
				for j := 8; j < size; j++ {
					body[j] = byte(s + i + j)
				}
				h := message.Header{Prog: testProg, Vers: 1, Proc: 9, Type: netproto.Message, Status: netproto.OK}
				b, _ := message.Append(nil, &h, body)
				if !c.SendWithin(b, 10*time.Second) {
					return
				}
			}
		}()
	}
	wg.Wait()
	c.Reply(&pkt.Header, &word{V: uint32(p.senders * p.perSender)})
}

// TestConcurrentSendersNeverInterleave: packets sent by many goroutines
// at once, small ones sharing a unix socket and large ones taking it
// alone, with a client slow to start reading so that the queue takes over
// too, arrive whole, each sender's in its order, the reply after them all.
// The same holds over TCP, where every direct write is exclusive because
// TCP may take part of any write (a small send buffer makes the queue
// take over more often there).
func TestConcurrentSendersNeverInterleave(t *testing.T) {
	// Small packets up to nearly atomicWriteMax, so that a send buffer
	// often has room for only part of one.
	prog := &fanInProgram{senders: 8, perSender: 300, smallMax: atomicWriteMax - 200}
	path, srv := startServer(t, DefaultConfig(), prog)
	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv.AddListener(&Listener{Name: "tcp"}, tcp)
	dial := map[string]func() (net.Conn, error){
		"unix": func() (net.Conn, error) { return net.Dial("unix", path) },
		"tcp": func() (net.Conn, error) {
			return net.Dial("tcp", tcp.Addr().String())
		},
	}
	for _, network := range []string{"unix", "tcp"} {
		for _, delay := range []time.Duration{0, 30 * time.Millisecond} {
			conn, err := dial[network]()
			if err != nil {
				t.Fatal(err)
			}
			readInterleaved(t, network, conn, prog, delay)
			conn.Close()
		}
	}
}

func readInterleaved(t *testing.T, network string, conn net.Conn, prog *fanInProgram, delay time.Duration) {
	t.Helper()
	{
		call(t, conn, testProg, 1, 7, nil)
		time.Sleep(delay)
		r := bufio.NewReader(conn)
		conn.SetReadDeadline(time.Now().Add(30 * time.Second))
		next := make([]int, prog.senders)
		for n := 0; n < prog.senders*prog.perSender; n++ {
			p, err := message.Read(r, nil)
			if err != nil {
				t.Fatalf("%s: packet %d: %v", network, n, err)
			}
			if p.Type != netproto.Message || len(p.Payload) < 8 {
				t.Fatalf("%s: packet %d: %+v, %d bytes", network, n, p.Header, len(p.Payload))
			}
			s, i := int(binary.BigEndian.Uint32(p.Payload)), int(binary.BigEndian.Uint32(p.Payload[4:]))
			if s >= prog.senders || i != next[s] {
				t.Fatalf("%s: packet %d: sender %d number %d, want number %d", network, n, s, i, next[s])
			}
			for j := 8; j < len(p.Payload); j++ {
				if p.Payload[j] != byte(s+i+j) {
					t.Fatalf("%s: packet %d (sender %d number %d) corrupt at byte %d", network, n, s, i, j)
				}
			}
			next[s]++
		}
		p, err := message.Read(r, nil)
		if err != nil || p.Type != netproto.Reply || p.Serial != 7 {
			t.Fatalf("%s: reply: %v %+v", network, err, p)
		}
	}
}
