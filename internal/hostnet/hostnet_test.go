package hostnet

import (
	"fmt"
	"math/rand"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestNamesCounter(t *testing.T) {
	n := NewNames()
	n.Reserve("vnet7")
	n.Reserve("vnet3")     // lower: ignored
	n.Reserve("eth0")      // not generated
	n.Reserve("vnet007")   // leading zero: not a generated name
	n.Reserve("macvtap41") // its own counter
	taken := map[string]bool{"vnet9": true}
	var got []string
	for i := 0; i < 3; i++ {
		name, err := n.Next(TemplateTap, func(s string) bool { return taken[s] })
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, name)
	}
	if want := "vnet8 vnet10 vnet11"; strings.Join(got, " ") != want {
		t.Errorf("tap names = %v, want %s", got, want)
	}
	if name, _ := n.Next(TemplateMacvtap, nil); name != "macvtap42" {
		t.Errorf("macvtap name = %s, want macvtap42", name)
	}
	if name, _ := n.Next(TemplateMacvlan, nil); name != "macvlan0" {
		t.Errorf("macvlan name = %s, want macvlan0", name)
	}
}

func TestNamesWrap(t *testing.T) {
	// vnet has 11 digits left of IFNAMSIZ-1, more than INT_MAX holds;
	// macvtap has 8.
	if got := maxID(TemplateTap); got != 1<<31-1 {
		t.Errorf("maxID(vnet) = %d", got)
	}
	if got := maxID(TemplateMacvtap); got != 100000000 {
		t.Errorf("maxID(macvtap) = %d", got)
	}
	n := NewNames()
	n.Reserve("macvtap99999998")
	a, _ := n.Next(TemplateMacvtap, nil)
	b, _ := n.Next(TemplateMacvtap, nil)
	if a != "macvtap99999999" || b != "macvtap0" {
		t.Errorf("wrap: %s then %s", a, b)
	}
	n.Reserve("vnet2147483646")
	a, _ = n.Next(TemplateTap, nil)
	b, _ = n.Next(TemplateTap, nil)
	if a != "vnet0" || b != "vnet1" {
		t.Errorf("INT_MAX wrap: %s then %s", a, b)
	}
	for _, name := range []string{a, b, "macvtap99999999"} {
		if len(name) > maxIfNameLen {
			t.Errorf("%s is longer than IFNAMSIZ-1", name)
		}
	}
}

func TestNamesExhausted(t *testing.T) {
	n := NewNames()
	if _, err := n.Next(TemplateTap, func(string) bool { return true }); err == nil {
		t.Fatal("every name taken: want an error")
	}
}

func TestNamesConcurrentUnique(t *testing.T) {
	n := NewNames()
	var mu sync.Mutex
	seen := map[string]bool{}
	var wg sync.WaitGroup
	for g := 0; g < 50; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				name, err := n.Next(TemplateTap, nil)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if seen[name] {
					t.Errorf("%s handed out twice", name)
				}
				seen[name] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
}

// inNetns re-runs the calling test inside a network namespace of its own
// (with its own /sys), or skips without root. It returns true in the
// child, where the test body runs.
func inNetns(t *testing.T) bool {
	t.Helper()
	if os.Getenv("GOVIRT_HOSTNET_NETNS") == t.Name() {
		return true
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root for a network namespace")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("needs ip(8) to make a network namespace")
	}
	ns := fmt.Sprintf("govirt-hostnet-%d", os.Getpid())
	if out, err := exec.Command("ip", "netns", "add", ns).CombinedOutput(); err != nil {
		t.Skipf("cannot create a network namespace: %v: %s", err, out)
	}
	defer exec.Command("ip", "netns", "del", ns).Run()
	cmd := exec.Command("ip", "netns", "exec", ns, os.Args[0], "-test.run", "^"+t.Name()+"$", "-test.v")
	cmd.Env = append(os.Environ(), "GOVIRT_HOSTNET_NETNS="+t.Name())
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: "+t.Name()) {
		t.Fatalf("in namespace %s: %v\n%s", ns, err, out)
	}
	return false
}

func TestBridgeLifecycle(t *testing.T) {
	if !inNetns(t) {
		return
	}
	mac, _ := net.ParseMAC("52:54:00:12:34:56")
	if err := CreateBridge("gvbr0", BridgeOptions{MAC: mac, MTU: 9000}); err != nil {
		t.Fatal(err)
	}
	if err := CreateBridge("gvbr0", BridgeOptions{}); err == nil {
		t.Error("creating an existing bridge: want an error")
	}
	if err := SetSTP("gvbr0", true); err != nil {
		t.Error(err)
	}
	if err := SetSTPDelay("gvbr0", 2000); err != nil {
		t.Error(err)
	}
	if d, _ := os.ReadFile("/sys/class/net/gvbr0/bridge/forward_delay"); strings.TrimSpace(string(d)) != "200" {
		t.Errorf("forward_delay = %q", d)
	}
	if err := AddAddress("gvbr0", netip.MustParseAddr("192.168.150.1"), 24); err != nil {
		t.Fatal(err)
	}
	if err := SetUp("gvbr0", true); err != nil {
		t.Fatal(err)
	}
	if err := AddRoute("gvbr0", netip.MustParsePrefix("10.50.0.0/16"), netip.MustParseAddr("192.168.150.2"), 1); err != nil {
		t.Error(err)
	}
	routes, err := Routes(false)
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, r := range routes {
		if r.Dev == "gvbr0" && (r.Dst.String() == "192.168.150.0/24" || r.Dst.String() == "10.50.0.0/16") {
			found++
		}
	}
	if found != 2 {
		t.Errorf("routes: %v", routes)
	}
	if got := MAC("gvbr0").String(); got != "52:54:00:12:34:56" {
		t.Errorf("MAC = %s", got)
	}
	if got := MTU("gvbr0"); got != 9000 {
		t.Errorf("MTU = %d", got)
	}
	if err := Sysctl("net/ipv6/conf/gvbr0/disable_ipv6", "1"); err != nil {
		t.Error(err)
	}
	if v, _ := ReadSysctl("net/ipv6/conf/gvbr0/disable_ipv6"); v != "1" {
		t.Errorf("disable_ipv6 = %q", v)
	}
	n := NewNames()
	tap, err := n.CreateTap("", TapOptions{Bridge: "gvbr0", MAC: mac, MTU: 1400})
	if err != nil {
		t.Fatal(err)
	}
	if tap.Name != "vnet0" || MTU(tap.Name) != 1400 {
		t.Errorf("tap %s mtu %d", tap.Name, MTU(tap.Name))
	}
	if _, err := n.CreateTap("vnet0", TapOptions{}); err == nil {
		t.Error("explicit name in use: want an error")
	}
	mv, err := n.CreateMacv("", MacvOptions{Link: "gvbr0", Mode: "bridge", Tap: true})
	if err != nil {
		t.Fatal(err)
	}
	ml, err := n.CreateMacv("", MacvOptions{Link: "gvbr0", Mode: "private"})
	if err != nil {
		t.Fatal(err)
	}
	if mv != "macvtap0" || ml != "macvlan0" {
		t.Errorf("macv names %s %s", mv, ml)
	}
	// A restarted daemon's counters go past what the host already has.
	n2 := NewNames()
	if err := n2.ReserveExisting(); err != nil {
		t.Fatal(err)
	}
	if name, _ := n2.Next(TemplateTap, Exists); name != "vnet1" {
		t.Errorf("after restart: %s", name)
	}
	for _, d := range []string{mv, ml, tap.Name, "gvbr0"} {
		if err := DeleteLink(d); err != nil {
			t.Error(err)
		}
		if Exists(d) {
			t.Errorf("%s still exists", d)
		}
	}
	if err := DeleteLink("gvbr0"); err != nil {
		t.Errorf("deleting a missing link: %v", err)
	}
}

// TestTapStress creates and destroys 50 guests' worth of tap devices
// concurrently: no name is ever handed to a guest while another start or
// stop still holds it.
func TestTapStress(t *testing.T) {
	if !inNetns(t) {
		return
	}
	if err := CreateBridge("gvbr1", BridgeOptions{}); err != nil {
		t.Fatal(err)
	}
	defer DeleteLink("gvbr1")
	n := NewNames()
	var mu sync.Mutex
	held := map[string]int{}
	var wg sync.WaitGroup
	const guests, cycles = 50, 6
	for g := 0; g < guests; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			r := rand.New(rand.NewSource(int64(g)))
			for c := 0; c < cycles; c++ {
				// Two NICs per guest, as a guest often has.
				var names []string
				for nic := 0; nic < 2; nic++ {
					tap, err := n.CreateTap("", TapOptions{Bridge: "gvbr1"})
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					if other, ok := held[tap.Name]; ok {
						t.Errorf("%s handed to guest %d while guest %d holds it", tap.Name, g, other)
					}
					held[tap.Name] = g
					mu.Unlock()
					names = append(names, tap.Name)
				}
				time.Sleep(time.Duration(r.Intn(3)) * time.Millisecond)
				for _, name := range names {
					// The name stays held until the device is gone.
					if err := DeleteLink(name); err != nil {
						t.Error(err)
					}
					mu.Lock()
					delete(held, name)
					mu.Unlock()
				}
			}
		}(g)
	}
	wg.Wait()
	devs, _ := Devices()
	for _, d := range devs {
		if strings.HasPrefix(d, "vnet") {
			t.Errorf("%s left behind", d)
		}
	}
}
