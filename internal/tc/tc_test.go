package tc

import (
	"context"
	"strings"
	"testing"

	"github.com/govirt/govirt/internal/cmdrun"
	"github.com/govirt/govirt/internal/conf/netdev"
)

func lines(r *cmdrun.Recorder) string {
	var b strings.Builder
	for _, c := range r.Commands() {
		b.WriteString(cmdrun.ToString(c, false, true))
		b.WriteByte('\n')
	}
	return b.String()
}

func TestApplyHierarchical(t *testing.T) {
	rec := cmdrun.NewRecorder()
	cmds := BandwidthCmds("virbr0", &netdev.Rate{Average: 1000, Peak: 2000, Burst: 512}, &netdev.Rate{Average: 300}, true)
	if err := Apply(context.Background(), rec, "virbr0", cmds); err != nil {
		t.Fatal(err)
	}
	want := `tc qdisc del dev virbr0 root
tc qdisc del dev virbr0 ingress
tc qdisc add dev virbr0 root handle 1: htb default 2
tc class add dev virbr0 parent 1: classid 1:1 htb rate 1000kbps ceil 2000kbps burst 512kb
tc class add dev virbr0 parent 1:1 classid 1:2 htb rate 1000kbps ceil 2000kbps burst 512kb
tc qdisc add dev virbr0 parent 1:2 handle 2: sfq perturb 10
tc filter add dev virbr0 parent 1:0 protocol all prio 1 handle 1 fw flowid 1
tc qdisc add dev virbr0 ingress
tc filter add dev virbr0 parent ffff: protocol all u32 match u32 0 0 police rate 300kbps burst 300kb mtu 64kb drop flowid :1
`
	if got := lines(rec); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestBandwidthCmdsFlat(t *testing.T) {
	got := BandwidthCmds("vnet0", &netdev.Rate{Average: 10}, nil, false)
	var b strings.Builder
	for _, c := range got {
		b.WriteString(cmdrun.ToString(c, false, true) + "\n")
	}
	want := `tc qdisc add dev vnet0 root handle 1: htb default 1
tc class add dev vnet0 parent 1: classid 1:1 htb rate 10kbps
tc qdisc add dev vnet0 parent 1:1 handle 2: sfq perturb 10
tc filter add dev vnet0 parent 1:0 protocol all prio 1 handle 1 fw flowid 1
`
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
	if cmds := BandwidthCmds("vnet0", &netdev.Rate{Floor: 5}, nil, false); len(cmds) != 0 {
		t.Errorf("a floor alone gave %d commands", len(cmds))
	}
}

// A failing step leaves the device cleared rather than half shaped.
func TestApplyFailureClears(t *testing.T) {
	rec := cmdrun.NewRecorder()
	rec.Respond(cmdrun.Response{Match: []string{"tc", "class", "add"}, ExitCode: 2})
	err := Apply(context.Background(), rec, "vnet0", BandwidthCmds("vnet0", &netdev.Rate{Average: 10}, nil, false))
	if err == nil {
		t.Fatal("no error")
	}
	got := lines(rec)
	if !strings.HasSuffix(got, "tc qdisc del dev vnet0 root\ntc qdisc del dev vnet0 ingress\n") {
		t.Errorf("not cleared after failure:\n%s", got)
	}
}

func TestPlugUnplugClass(t *testing.T) {
	rec := cmdrun.NewRecorder()
	if err := PlugClass(context.Background(), rec, "virbr0", 11, 200, 1000); err != nil {
		t.Fatal(err)
	}
	UnplugClass(context.Background(), rec, "virbr0", 11)
	want := `tc class add dev virbr0 parent 1:1 classid 1:b htb rate 200kbps ceil 1000kbps
tc qdisc add dev virbr0 parent 1:b handle b: sfq perturb 10
tc qdisc del dev virbr0 parent 1:b handle b:
tc class del dev virbr0 classid 1:b
`
	if got := lines(rec); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}
