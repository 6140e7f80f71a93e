package virt

// NewStream creates a stream for a streaming call such as a volume upload
// or download. In process, the stream buffers what one side sends until
// the other reads it; Finish marks the end of the data.
//
// libvirt: virStreamNew
func (c *Conn) NewStream(flags uint32) *Stream {
	return &Stream{conn: c, st: newBufferStream()}
}
