package dispatch

import (
	"context"
	"sync"

	"github.com/govirt/govirt/internal/daemon"
	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/internal/rpc/message"
	"github.com/govirt/govirt/internal/rpc/netproto"
	"github.com/govirt/govirt/internal/rpc/remote"
	"github.com/govirt/govirt/internal/rpc/xdr"
	"github.com/govirt/govirt/virt/virterr"
)

// chunkMax is the largest stream packet payload libvirtd sends.
const chunkMax = netproto.MessageLegacyPayloadMax

// earlyMax bounds what a stream holds back while its call's reply is not
// yet out: drivers that produce their data within the call (a screenshot)
// send it before returning, and the reply must precede the data on the
// wire. A driver sending more than this must send from its own goroutine.
const earlyMax = 64 << 20

// inQueue bounds the client data a stream holds before the daemon stops
// reading from that client (flow control towards a slow driver).
const inQueue = 16

var (
	errStreamClosed  = virterr.NewFrom(virterr.FromStreams, virterr.OperationInvalid, "stream is closed")
	errStreamAborted = virterr.NewFrom(virterr.FromStreams, virterr.OperationAborted, "stream aborted by client")
)

// inChunk is one thing the client sent on a stream.
type inChunk struct {
	data []byte
	hole int64
	eof  bool // the client finished
}

// serverStream is the daemon's end of a stream (libvirtd's
// daemonClientStream): the driver writes to it and reads from it through
// driver.Stream, the client through STREAM packets carrying the opening
// call's procedure and serial.
type serverStream struct {
	s      *session
	hdr    message.Header
	dir    driver.StreamDirection
	sparse bool

	ready chan struct{} // closed once the call's reply is queued
	done  chan struct{} // closed when the stream ends
	in    chan inChunk

	mu         sync.Mutex
	started    bool
	ended      bool
	err        error // why the stream ended, for the driver
	sentEOF    bool  // the driver finished sending
	clientDone bool  // the client finished sending
	pending    []byte
	holeLeft   int64
	early      [][]byte // packets sent before the reply, in order
	earlySize  int
}

// openStream creates the stream of a streaming call; the driver gets it
// with the call, and data flows once the reply has been sent.
func (c *call) openStream(dir driver.StreamDirection, sparse bool) driver.Stream {
	st := &serverStream{s: c.s, hdr: c.hdr, dir: dir, sparse: sparse,
		ready: make(chan struct{}), done: make(chan struct{}), in: make(chan inChunk, inQueue)}
	c.s.mu.Lock()
	if old := c.s.streams[c.hdr.Serial]; old != nil {
		old.shutdown(errStreamClosed)
	}
	c.s.streams[c.hdr.Serial] = st
	c.s.mu.Unlock()
	c.stream = st
	return st
}

func (s *session) dropStream(st *serverStream) {
	s.mu.Lock()
	if s.streams[st.hdr.Serial] == st {
		delete(s.streams, st.hdr.Serial)
	}
	s.mu.Unlock()
	st.shutdown(errStreamClosed)
}

// start lets data flow: the reply has been queued. Packets the driver
// sent before are flushed first, under the lock, so that later packets
// cannot overtake them.
func (st *serverStream) start() {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.started {
		return
	}
	for _, pkt := range st.early {
		if !st.s.client.Send(pkt) {
			break
		}
	}
	st.early, st.earlySize = nil, 0
	st.started = true
	close(st.ready)
}

// shutdown ends the stream for the driver with err.
func (st *serverStream) shutdown(err error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.ended {
		return
	}
	st.ended = true
	st.err = err
	st.early, st.earlySize = nil, 0
	close(st.done)
}

// finishStream forgets the stream and ends it.
func (st *serverStream) finishStream(err error) {
	st.s.mu.Lock()
	if st.s.streams[st.hdr.Serial] == st {
		delete(st.s.streams, st.hdr.Serial)
	}
	st.s.mu.Unlock()
	st.shutdown(err)
}

func (st *serverStream) endErr() error {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.err
}

// packet sends one stream packet once the reply is out, waiting for room
// in the client's queue (which bounds what a slow client costs). Before
// the reply, packets are held back (up to earlyMax bytes) so that a driver
// may send within the call.
func (st *serverStream) packet(ctx context.Context, typ netproto.MessageType, status netproto.MessageStatus, payload []byte) error {
	h := st.hdr
	h.Type, h.Status = typ, status
	pkt, err := message.Append(nil, &h, payload)
	if err != nil {
		return err
	}
	st.mu.Lock()
	if st.ended {
		st.mu.Unlock()
		return st.endErr()
	}
	if !st.started && st.earlySize+len(pkt) <= earlyMax {
		st.early = append(st.early, pkt)
		st.earlySize += len(pkt)
		st.mu.Unlock()
		return nil
	}
	st.mu.Unlock()
	select {
	case <-st.ready:
	case <-st.done:
		return st.endErr()
	case <-ctx.Done():
		return ctx.Err()
	}
	if !st.s.client.Send(pkt) {
		return errStreamClosed
	}
	return nil
}

// Send writes data to the client in packets of at most chunkMax bytes.
func (st *serverStream) Send(ctx context.Context, data []byte) (int, error) {
	if st.ended0() {
		return 0, st.endErr()
	}
	sent := 0
	for len(data) > 0 {
		n := min(len(data), chunkMax)
		if err := st.packet(ctx, netproto.Stream, netproto.Continue, data[:n]); err != nil {
			return sent, err
		}
		sent += n
		data = data[n:]
	}
	return sent, nil
}

func (st *serverStream) ended0() bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.ended
}

// SendHole skips length bytes: a STREAM_HOLE when the call asked for a
// sparse stream, zeros otherwise (the C client drops a connection that
// gets a hole it did not ask for).
func (st *serverStream) SendHole(ctx context.Context, length int64, flags uint32) error {
	if length < 0 {
		return virterr.New(virterr.InvalidArg, "negative hole length")
	}
	if st.sparse {
		e := xdr.NewEncoder(nil)
		e.Int64(length)
		e.Uint32(flags)
		return st.packet(ctx, netproto.MessageTypeStreamHole, netproto.Continue, e.Bytes())
	}
	zeros := make([]byte, min(length, chunkMax))
	for length > 0 {
		n := min(length, int64(len(zeros)))
		if _, err := st.Send(ctx, zeros[:n]); err != nil {
			return err
		}
		length -= n
	}
	return nil
}

// Recv reads what the client sent; holes read as zeros. 0 and nil mean
// the client finished.
func (st *serverStream) Recv(ctx context.Context, buf []byte) (int, error) {
	for {
		st.mu.Lock()
		if len(st.pending) > 0 {
			n := copy(buf, st.pending)
			st.pending = st.pending[n:]
			st.mu.Unlock()
			return n, nil
		}
		if st.holeLeft > 0 {
			n := int(min(int64(len(buf)), st.holeLeft))
			clear(buf[:n])
			st.holeLeft -= int64(n)
			st.mu.Unlock()
			return n, nil
		}
		if st.clientDone {
			st.mu.Unlock()
			return 0, nil
		}
		st.mu.Unlock()
		select {
		case ch := <-st.in:
			st.mu.Lock()
			switch {
			case ch.eof:
				st.clientDone = true
			case ch.hole > 0:
				st.holeLeft = ch.hole
			default:
				st.pending = ch.data
			}
			st.mu.Unlock()
		case <-st.done:
			// Data the client sent before finishing is still read.
			select {
			case ch := <-st.in:
				st.mu.Lock()
				if ch.eof {
					st.clientDone = true
				} else if ch.hole > 0 {
					st.holeLeft = ch.hole
				} else {
					st.pending = ch.data
				}
				st.mu.Unlock()
				continue
			default:
			}
			if err := st.endErr(); err != nil {
				return 0, err
			}
			return 0, nil
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
}

// Finish ends the driver's side cleanly. Once the client has finished
// too, its finish is confirmed with STREAM/OK; before that, the driver's
// end of data is an empty CONTINUE and the confirmation waits for the
// client's finish.
func (st *serverStream) Finish(ctx context.Context) error {
	st.mu.Lock()
	if st.ended {
		st.mu.Unlock()
		return st.endErr()
	}
	clientDone := st.clientDone
	already := st.sentEOF
	st.sentEOF = true
	st.mu.Unlock()
	if clientDone {
		err := st.packet(ctx, netproto.Stream, netproto.OK, nil)
		st.finishStream(nil)
		return err
	}
	if already {
		return nil
	}
	return st.packet(ctx, netproto.Stream, netproto.Continue, nil)
}

// Abort ends the stream with an error the client sees.
func (st *serverStream) Abort(ctx context.Context) error {
	return st.Fail(ctx, virterr.NewFrom(virterr.FromStreams, virterr.OperationAborted, "stream aborted"))
}

// Fail ends the stream reporting err to the client (a STREAM/ERROR with
// remote_error); drivers that know why a transfer failed use it instead
// of Abort.
func (st *serverStream) Fail(ctx context.Context, err error) error {
	if st.ended0() {
		return st.endErr()
	}
	e := xdr.NewEncoder(nil)
	message.ErrorPayload(err).EncodeXDR(e)
	perr := st.packet(ctx, netproto.Stream, netproto.Error, e.Bytes())
	st.finishStream(err)
	return perr
}

// StreamPacket receives a client's STREAM and STREAM_HOLE packets.
func (r *Remote) StreamPacket(c *daemon.Client, p *message.Packet) {
	if p.Prog != remote.Program {
		return
	}
	s := r.session(c)
	s.mu.Lock()
	st := s.streams[p.Serial]
	s.mu.Unlock()
	if st == nil || st.hdr.Proc != p.Proc {
		// Late packets for a stream that is gone are dropped.
		return
	}
	switch {
	case p.Type == netproto.MessageTypeStreamHole:
		if !st.sparse {
			c.Logger().Info("dropping client: stream hole on a stream that is not sparse")
			c.Drop()
			return
		}
		d := xdr.NewDecoder(p.Payload)
		length := d.Int64()
		d.Uint32()
		if d.Err() != nil || length < 0 {
			c.Drop()
			return
		}
		st.push(c, inChunk{hole: length})
	case p.Status == netproto.Continue:
		if len(p.Payload) == 0 {
			return
		}
		st.push(c, inChunk{data: append([]byte(nil), p.Payload...)})
	case p.Status == netproto.OK:
		// The client finished: confirm at once when the driver is done
		// sending, else once the driver has consumed everything.
		st.mu.Lock()
		sentEOF := st.sentEOF
		st.mu.Unlock()
		if sentEOF {
			h := st.hdr
			h.Type, h.Status = netproto.Stream, netproto.OK
			pkt, _ := message.Append(nil, &h, nil)
			c.Send(pkt)
			st.finishStream(nil)
			return
		}
		st.push(c, inChunk{eof: true})
	case p.Status == netproto.Error:
		// The client aborted; confirm, and fail the driver's side.
		h := st.hdr
		h.Type, h.Status = netproto.Stream, netproto.OK
		pkt, _ := message.Append(nil, &h, nil)
		c.Send(pkt)
		st.finishStream(errStreamAborted)
	}
}

// push hands client data to the driver, blocking the client's reader when
// the driver lags (so the daemon never buffers without bound).
func (st *serverStream) push(c *daemon.Client, ch inChunk) {
	select {
	case st.in <- ch:
	case <-st.done:
	case <-c.Context().Done():
	}
}

var _ driver.Stream = (*serverStream)(nil)
