package driver

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/govirt/govirt/virt/uri"
	"github.com/govirt/govirt/virt/virterr"
)

var unsupported = map[string]any{
	"Hypervisor": UnsupportedHypervisor{},
	"Network":    UnsupportedNetwork{},
	"Storage":    UnsupportedStorage{},
	"NodeDevice": UnsupportedNodeDevice{},
	"Secret":     UnsupportedSecret{},
	"NWFilter":   UnsupportedNWFilter{},
	"Interface":  UnsupportedInterface{},
}

// Every Unsupported… method answers VIR_ERR_NO_SUPPORT naming the libvirt
// function, worded as virReportUnsupportedError words it.
func TestUnsupportedMethods(t *testing.T) {
	ctx := context.Background()
	total := 0
	for fam, impl := range unsupported {
		v := reflect.ValueOf(impl)
		for i := 0; i < v.NumMethod(); i++ {
			m := v.Method(i)
			name := v.Type().Method(i).Name
			args := []reflect.Value{reflect.ValueOf(ctx)}
			for j := 1; j < m.Type().NumIn(); j++ {
				args = append(args, reflect.Zero(m.Type().In(j)))
			}
			out := m.Call(args)
			err, _ := out[len(out)-1].Interface().(error)
			if !errors.Is(err, virterr.NoSupport) {
				t.Errorf("%s.%s: err = %v", fam, name, err)
				continue
			}
			want := "this function is not supported by the connection driver: vir" + name
			if err.Error() != want {
				t.Errorf("%s.%s: %q, want %q", fam, name, err, want)
			}
			total++
		}
	}
	if total < 350 {
		t.Errorf("only %d methods", total)
	}
}

// The procedure table covers the whole protocol, numbered without gaps,
// and every procedure a driver serves names an existing method.
func TestProcedures(t *testing.T) {
	if len(Procedures) != 443 {
		t.Fatalf("%d procedures, want 443", len(Procedures))
	}
	for i, p := range Procedures {
		if p.Number != i+1 {
			t.Fatalf("procedure %d numbered %d", i+1, p.Number)
		}
		if p.Special != "" {
			if p.Family != "" || p.Method != "" {
				t.Errorf("%s: special %q with method %s.%s", p.Name, p.Special, p.Family, p.Method)
			}
			continue
		}
		impl, ok := unsupported[p.Family]
		if !ok {
			t.Errorf("%s: unknown family %q", p.Name, p.Family)
			continue
		}
		if _, ok := reflect.TypeOf(impl).MethodByName(p.Method); !ok {
			t.Errorf("%s: %s has no method %s", p.Name, p.Family, p.Method)
		}
	}
	spot := map[string]string{
		"REMOTE_PROC_DOMAIN_GET_XML_DESC":         "Hypervisor.DomainGetXMLDesc",
		"REMOTE_PROC_CONNECT_LIST_ALL_NETWORKS":   "Network.ConnectListAllNetworks",
		"REMOTE_PROC_NODE_NUM_OF_DEVICES":         "NodeDevice.NodeNumOfDevices",
		"REMOTE_PROC_STORAGE_VOL_UPLOAD":          "Storage.StorageVolUpload",
		"REMOTE_PROC_NWFILTER_BINDING_CREATE_XML": "NWFilter.NWFilterBindingCreateXML",
		"REMOTE_PROC_DOMAIN_INTERFACE_ADDRESSES":  "Hypervisor.DomainInterfaceAddresses",
		"REMOTE_PROC_NODE_GET_INFO":               "Hypervisor.NodeGetInfo",
	}
	for _, p := range Procedures {
		if want, ok := spot[p.Name]; ok && p.Family+"."+p.Method != want {
			t.Errorf("%s served by %s.%s, want %s", p.Name, p.Family, p.Method, want)
		}
	}
}

func TestRegistry(t *testing.T) {
	ctx := context.Background()
	r := NewRegistry()
	opened := ""
	r.Register("test", func(ctx context.Context, u *uri.URI, flags OpenFlags) (*Connection, error) {
		opened = u.String()
		return &Connection{}, nil
	})
	u, _ := uri.Parse("test:///default")
	c, err := r.Open(ctx, u, 0)
	if err != nil || opened != "test:///default" {
		t.Fatalf("open: %v %q", err, opened)
	}
	if _, err := c.Network.ConnectNumOfNetworks(ctx); !errors.Is(err, virterr.NoSupport) {
		t.Errorf("nil family not filled: %v", err)
	}
	for _, s := range []string{"foo:///bar", "test+ssh://host/default", "test://host/default"} {
		u, _ := uri.Parse(s)
		_, err := r.Open(ctx, u, 0)
		if want := "no connection driver available for " + s; !errors.Is(err, virterr.NoConnect) || err.Error() != want {
			t.Errorf("%s: %v, want %q", s, err, want)
		}
	}
}

func TestEventBus(t *testing.T) {
	var bus EventBus
	dom1 := DomainRef{Name: "a", UUID: UUID{1}}
	dom2 := DomainRef{Name: "b", UUID: UUID{2}}
	var got []string
	all, _ := bus.Register("c1", EventDomain, 0, nil, func(e Event) { got = append(got, "all") })
	one, _ := bus.Register("c1", EventDomain, 0, &dom1, func(e Event) { got = append(got, "one") })
	_, _ = bus.Register("c2", EventDomain, 0, nil, func(e Event) { got = append(got, "c2") })
	bus.Emit(dom2, Event{Kind: EventDomain, ID: 0})
	bus.Emit(dom1, Event{Kind: EventDomain, ID: 0})
	bus.Emit(dom1, Event{Kind: EventDomain, ID: 1})
	if want := []string{"all", "c2", "all", "one", "c2"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if err := bus.Deregister("c2", one); err == nil {
		t.Error("deregistered another owner's callback")
	}
	_ = bus.Deregister("c1", all)
	bus.DeregisterOwner("c2")
	got = nil
	bus.Emit(dom1, Event{Kind: EventDomain, ID: 0})
	if want := []string{"one"}; !reflect.DeepEqual(got, want) {
		t.Errorf("after deregister got %v", got)
	}
	if _, err := bus.Register("c1", EventDomain, 27, nil, nil); err == nil || err.Error() != "invalid argument: eventID in virConnectDomainEventRegisterAny must be less than 27" {
		t.Errorf("bad id: %v", err)
	}
}
