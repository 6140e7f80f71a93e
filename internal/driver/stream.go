package driver

import "context"

// Stream is the data channel of a streaming call (virStream): console and
// channel I/O, volume upload/download, screenshots, migration tunnels. The
// caller creates it and hands it to the driver, which then reads from it
// (upload) or writes to it (download) until Finish or Abort.
type Stream interface {
	// Send writes data towards the stream's reader (virStreamSend).
	Send(ctx context.Context, data []byte) (int, error)
	// Recv reads data from the stream (virStreamRecv); 0 and nil error
	// mean end of stream.
	Recv(ctx context.Context, buf []byte) (int, error)
	// SendHole / RecvHole carry sparse regions (virStreamSendHole).
	SendHole(ctx context.Context, length int64, flags uint32) error
	// Finish ends a stream cleanly (virStreamFinish).
	Finish(ctx context.Context) error
	// Abort ends a stream with an error (virStreamAbort).
	Abort(ctx context.Context) error
}
