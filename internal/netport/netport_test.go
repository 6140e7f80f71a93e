package netport

import (
	"errors"
	"testing"

	"github.com/govirt/govirt/internal/conf/macaddr"
	"github.com/govirt/govirt/internal/conf/netdev"
	"github.com/govirt/govirt/internal/conf/networkport"
	"github.com/govirt/govirt/virt/virterr"
)

func TestValidate(t *testing.T) {
	mac, _ := macaddr.Parse("52:54:00:aa:bb:cc")
	vlan := &netdev.Vlan{}
	ovs := &netdev.VirtualPort{Type: "openvswitch"}
	bw := &netdev.Bandwidth{}
	cases := []struct {
		name string
		a    Actual
		want string
	}{
		{"plain bridge", Actual{Type: TypeBridge}, ""},
		{"vlan on linux bridge", Actual{Type: TypeBridge, Vlan: vlan}, "unsupported configuration: interface 52:54:00:aa:bb:cc - vlan tag not supported for this connection type"},
		{"vlan on ovs bridge", Actual{Type: TypeBridge, Vlan: vlan, VirtualPort: ovs}, ""},
		{"vlan on macvtap vepa", Actual{Type: TypeDirect, Vlan: vlan}, "unsupported configuration: interface 52:54:00:aa:bb:cc - vlan tag not supported for this connection type"},
		{"vlan on passthrough", Actual{Type: TypeDirect, DirectMode: "passthrough", Vlan: vlan}, ""},
		{"vlan on hostdev", Actual{Type: TypeHostdev, Vlan: vlan}, ""},
		{"bandwidth on hostdev", Actual{Type: TypeHostdev, Bandwidth: bw}, "unsupported configuration: interface 52:54:00:aa:bb:cc - bandwidth settings are not supported for hostdev interfaces"},
		{"bandwidth on bridge", Actual{Type: TypeBridge, Bandwidth: bw}, ""},
		{"isolated on direct", Actual{Type: TypeDirect, IsolatedPort: netdev.Yes}, "unsupported configuration: interface 52:54:00:aa:bb:cc - <port isolated='yes'/> is not supported for network interfaces with type='direct'"},
		{"isolated with ovs", Actual{Type: TypeBridge, IsolatedPort: netdev.Yes, VirtualPort: ovs}, "unsupported configuration: interface 52:54:00:aa:bb:cc - <port isolated='yes'/> is not supported for network interfaces with virtualport type='openvswitch'"},
		{"isolated on bridge", Actual{Type: TypeBridge, IsolatedPort: netdev.Yes}, ""},
	}
	for _, c := range cases {
		c.a.MAC = mac
		err := Validate(c.a)
		got := ""
		if err != nil {
			got = err.Error()
			if !errors.Is(err, virterr.ConfigUnsupported) {
				t.Errorf("%s: code of %v", c.name, err)
			}
		}
		if got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
}

func TestFromPort(t *testing.T) {
	p, err := networkport.Parse([]byte(`<networkport>
  <uuid>5d744f21-ba4a-4d6e-bdb2-30a35ff3207d</uuid>
  <owner><name>g</name><uuid>5d744f21-ba4a-4d6e-bdb2-30a35ff32000</uuid></owner>
  <mac address='52:54:00:7b:35:93'/>
  <vlan><tag id='42'/></vlan>
  <plug type='direct' dev='eth0' mode='passthrough'/>
</networkport>`))
	if err != nil {
		t.Fatal(err)
	}
	a := FromPort(p)
	if a.Type != TypeDirect || a.DirectMode != "passthrough" {
		t.Fatalf("actual %+v", a)
	}
	if err := Validate(a); err != nil {
		t.Error(err)
	}
	for plug, want := range map[string]string{"network": TypeBridge, "bridge": TypeBridge, "hostdev-pci": TypeHostdev, "": ""} {
		if got := TypeOfPlug(plug); got != want {
			t.Errorf("TypeOfPlug(%q) = %q", plug, got)
		}
	}
}
