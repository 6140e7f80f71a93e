package remote

import (
	"context"
	"testing"
)

// BenchmarkCall measures one trivial call's round trip to libvirtd
// (CONNECT_GET_TYPE), one caller at a time and from many goroutines
// sharing the connection.
func BenchmarkCall(b *testing.B) {
	d := startLibvirtd(b)
	c := dial(b, d.uri(""), 0)
	ctx := context.Background()
	b.Run("serial", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := c.ConnectGetType(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := c.ConnectGetType(ctx); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}
