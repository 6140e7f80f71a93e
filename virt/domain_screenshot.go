package virt

import (
	"context"
	"sync"

	"github.com/govirt/govirt/virt/virterr"
)

// bufferStream is an in-process stream for a driver that produces its
// data (a screenshot) and a client that reads it: what the driver sends is
// buffered until read; Finish on the driver's side marks the end.
type bufferStream struct {
	mu       sync.Mutex
	cond     *sync.Cond
	buf      []byte
	finished bool
	aborted  bool
}

func newBufferStream() *bufferStream {
	s := &bufferStream{}
	s.cond = sync.NewCond(&s.mu)
	return s
}

func (s *bufferStream) Send(ctx context.Context, data []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.aborted || s.finished {
		return -1, virterr.New(virterr.RPC, "stream is not open")
	}
	s.buf = append(s.buf, data...)
	s.cond.Broadcast()
	return len(data), nil
}

func (s *bufferStream) Recv(ctx context.Context, p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.buf) == 0 && !s.finished && !s.aborted {
		s.cond.Wait()
	}
	if s.aborted {
		return -1, virterr.New(virterr.RPC, "stream aborted")
	}
	n := copy(p, s.buf)
	s.buf = s.buf[n:]
	return n, nil
}

func (s *bufferStream) SendHole(ctx context.Context, length int64, flags uint32) error {
	return s.sendZeros(length)
}

func (s *bufferStream) sendZeros(length int64) error {
	_, err := s.Send(context.Background(), make([]byte, length))
	return err
}

func (s *bufferStream) Finish(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.finished = true
	s.cond.Broadcast()
	return nil
}

func (s *bufferStream) Abort(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.aborted = true
	s.cond.Broadcast()
	return nil
}
