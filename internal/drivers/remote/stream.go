package remote

import (
	"context"
	"sync"

	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/internal/rpc/message"
	"github.com/govirt/govirt/internal/rpc/netproto"
	"github.com/govirt/govirt/internal/rpc/remote"
	"github.com/govirt/govirt/internal/rpc/xdr"
	"github.com/govirt/govirt/virt/virterr"
)

// streamMode is which way a stream's data flows.
type streamMode int

const (
	streamDownload streamMode = iota + 1 // server to client: screenshots, volume download
	streamUpload                         // client to server: volume upload, migration tunnels
	streamBoth                           // consoles and channels
)

// chunkMax is the largest data packet sent, the size libvirt's own
// client and daemon use.
const chunkMax = netproto.MessageLegacyPayloadMax

// clientStream is the client half of one stream: the packets the server
// sends under the opening call's serial, pumped into (or out of) the
// caller's driver.Stream.
type clientStream struct {
	c      *Client
	serial uint32
	proc   int32
	mode   streamMode
	st     driver.Stream

	mu      sync.Mutex
	cond    *sync.Cond
	queue   []*message.Packet
	failed  error
	ended   bool // finish or abort sent, or the stream failed
	confirm chan error
}

// callStream makes a call that opens a stream: the stream is registered
// before the CALL goes out, so data that follows the REPLY closely is kept;
// once the reply is in, goroutines pump data between the wire and st.
func (c *Client) callStream(ctx context.Context, proc int32, st driver.Stream, mode streamMode, args, ret xdr.Marshaler) error {
	if st == nil {
		return virterr.NewFrom(virterr.FromStreams, virterr.InvalidStream, "stream must not be NULL")
	}
	if ctx.Err() != nil {
		return ctxError(ctx)
	}
	s := &clientStream{c: c, proc: proc, mode: mode, st: st, confirm: make(chan error, 1)}
	s.cond = sync.NewCond(&s.mu)
	pc := &pendingCall{done: make(chan *message.Packet, 1)}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return c.deadError()
	}
	s.serial = c.nextSerial()
	c.calls[s.serial] = pc
	c.streams[s.serial] = s
	c.mu.Unlock()
	drop := func() {
		c.mu.Lock()
		delete(c.calls, s.serial)
		delete(c.streams, s.serial)
		c.mu.Unlock()
	}
	if err := c.sendCall(remote.Program, proc, s.serial, args); err != nil {
		drop()
		return err
	}
	p, err := c.wait(ctx, s.serial, pc)
	if err == nil {
		err = decodeReply(p, ret)
	}
	if err != nil {
		drop()
		return err
	}
	go s.receive()
	if mode != streamDownload {
		go s.transmit()
	}
	return nil
}

// push queues a packet from the reading goroutine; it never blocks.
func (s *clientStream) push(p *message.Packet) {
	s.mu.Lock()
	s.queue = append(s.queue, p)
	s.cond.Broadcast()
	s.mu.Unlock()
}

// fail ends the stream because the connection died.
func (s *clientStream) fail(err error) {
	s.mu.Lock()
	if s.failed == nil {
		s.failed = err
	}
	s.cond.Broadcast()
	s.mu.Unlock()
}

func (s *clientStream) next() (*message.Packet, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.queue) == 0 && s.failed == nil {
		s.cond.Wait()
	}
	if len(s.queue) > 0 {
		p := s.queue[0]
		s.queue[0] = nil
		s.queue = s.queue[1:]
		return p, nil
	}
	return nil, s.failed
}

func (s *clientStream) header(typ netproto.MessageType, status netproto.MessageStatus) *message.Header {
	return &message.Header{Prog: remote.Program, Vers: remote.ProtocolVersion, Proc: s.proc, Type: typ, Serial: s.serial, Status: status}
}

// end sends the client's finish (STREAM/OK) or abort (STREAM/ERROR, empty)
// once; the server's answer arrives through receive.
func (s *clientStream) end(abort bool) bool {
	s.mu.Lock()
	if s.ended {
		s.mu.Unlock()
		return false
	}
	s.ended = true
	s.mu.Unlock()
	status := netproto.OK
	if abort {
		status = netproto.Error
	}
	if err := s.c.send(s.header(netproto.Stream, status), nil); err != nil {
		s.fail(err)
	}
	return true
}

func (s *clientStream) isEnded() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ended
}

func (s *clientStream) unregister() {
	s.c.mu.Lock()
	if s.c.streams[s.serial] == s {
		delete(s.c.streams, s.serial)
	}
	s.c.mu.Unlock()
}

// receive handles what the server sends: data and holes for the caller,
// the end of its data, and the answer to the client's finish or abort.
func (s *clientStream) receive() {
	defer s.unregister()
	ctx := context.Background()
	for {
		p, err := s.next()
		if err != nil {
			s.finishWith(err)
			return
		}
		switch {
		case p.Type == netproto.MessageTypeStreamHole:
			var h netproto.StreamHole
			if xdr.Unmarshal(p.Payload, &h) != nil || h.Length < 0 {
				s.end(true)
				continue
			}
			if err := s.st.SendHole(ctx, h.Length, h.Flags); err != nil {
				s.end(true)
			}
		case p.Status == netproto.Continue && len(p.Payload) > 0:
			if s.isEnded() {
				continue // late data for a stream being closed
			}
			if _, err := s.st.Send(ctx, p.Payload); err != nil {
				s.end(true)
			}
		case p.Status == netproto.Continue:
			// The server's end of data: finish our side too.
			s.end(false)
		case p.Status == netproto.OK:
			s.finishWith(nil)
			return
		case p.Status == netproto.Error:
			s.finishWith(decodeError(p.Payload))
			return
		}
	}
}

// finishWith completes the stream: the caller's stream is finished or
// aborted, and a transmitter waiting for the server's answer gets it.
func (s *clientStream) finishWith(err error) {
	s.mu.Lock()
	s.ended = true
	if s.failed == nil {
		s.failed = err
		if err == nil {
			s.failed = errStreamClosed
		}
	}
	s.cond.Broadcast()
	s.mu.Unlock()
	ctx := context.Background()
	if err != nil {
		_ = s.st.Abort(ctx)
	} else if s.mode != streamUpload {
		_ = s.st.Finish(ctx)
	}
	select {
	case s.confirm <- err:
	default:
	}
}

var errStreamClosed = virterr.NewFrom(virterr.FromStreams, virterr.RPC, "stream is closed")

// transmit sends what the caller writes to its stream until it reports
// the end (finish) or an error (abort).
func (s *clientStream) transmit() {
	buf := make([]byte, chunkMax)
	ctx := context.Background()
	for {
		n, err := s.st.Recv(ctx, buf)
		if s.isEnded() {
			return
		}
		if err != nil || n < 0 {
			s.end(true)
			return
		}
		if n == 0 {
			s.end(false)
			return
		}
		if err := s.c.send(s.header(netproto.Stream, netproto.Continue), buf[:n]); err != nil {
			return
		}
	}
}
