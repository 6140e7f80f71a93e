package driver

import (
	"context"
	"errors"
	"testing"

	"github.com/govirt/govirt/virt/uri"
	"github.com/govirt/govirt/virt/virterr"
)

type fakeNetwork struct{ UnsupportedNetwork }

type fakeEvents struct{ n int32 }

func (f *fakeEvents) EventRegister(ctx context.Context, kind EventKind, id int32, filter any, cb EventCallback) (int32, error) {
	f.n++
	return f.n, nil
}
func (f *fakeEvents) EventDeregister(ctx context.Context, callbackID int32) error { return nil }

func TestSecondariesServeOnlySharingDrivers(t *testing.T) {
	ctx := context.Background()
	r := NewRegistry()
	closed := []string{}
	hv := func(name string) OpenFunc {
		return func(context.Context, *uri.URI, OpenFlags) (*Connection, error) {
			return &Connection{Hypervisor: UnsupportedHypervisor{}, Close: func(context.Context) error { closed = append(closed, name); return nil }}, nil
		}
	}
	r.Register("qemu", hv("qemu"))
	r.Register("test", hv("test"))
	r.ShareSecondaries("qemu")
	bus := &fakeEvents{}
	r.RegisterSecondary(Secondary{URI: "network:///system", Open: func(context.Context, *uri.URI, OpenFlags) (*Connection, error) {
		return &Connection{Network: fakeNetwork{}, Events: bus, Close: func(context.Context) error { closed = append(closed, "network"); return nil }}, nil
	}})

	u, _ := uri.Parse("qemu:///system")
	c, err := r.Open(ctx, u, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Network.(fakeNetwork); !ok {
		t.Fatalf("qemu connection did not get the shared network driver: %T", c.Network)
	}
	id, err := c.Events.EventRegister(ctx, EventNetwork, 0, nil, func(Event) {})
	if err != nil {
		t.Fatalf("network events are not routed to the network driver: %v", err)
	}
	if _, err := c.Events.EventRegister(ctx, EventDomain, 0, nil, func(Event) {}); !errors.Is(err, virterr.NoSupport) {
		t.Fatalf("domain events must stay the hypervisor's: %v", err)
	}
	if err := c.Events.EventDeregister(ctx, id); err != nil {
		t.Fatal(err)
	}
	c.Close(ctx)
	if len(closed) != 2 || closed[0] != "network" || closed[1] != "qemu" {
		t.Fatalf("close order %v", closed)
	}

	u, _ = uri.Parse("test:///default")
	c, _ = r.Open(ctx, u, 0)
	if _, ok := c.Network.(UnsupportedNetwork); !ok {
		t.Fatalf("test connections must not get shared drivers: %T", c.Network)
	}
}
