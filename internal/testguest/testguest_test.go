package testguest

import (
	"context"
	"encoding/json"
	"net"
	"testing"
	"time"
)

// TestBootAndPowerdown boots the guest, waits for its ready marker and
// its DHCP lease, then presses the ACPI power button over QMP: the
// guest's acpid powers it off and QEMU exits with status 0.
func TestBootAndPowerdown(t *testing.T) {
	if testing.Short() {
		t.Skip("boots a guest under TCG (~10 s)")
	}
	g := Boot(t, Options{NIC: true})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if _, err := g.WaitFor(ctx, ReadyMarker); err != nil {
		t.Fatal(err)
	}
	boot := time.Since(g.Started)
	t.Logf("guest ready %.1f s after QEMU started", boot.Seconds())

	ip, err := g.WaitFor(ctx, IPMarker)
	if err != nil {
		t.Fatal(err)
	}
	if net.ParseIP(ip) == nil {
		t.Fatalf("lease marker carries %q", ip)
	}
	t.Logf("guest leased %s %.1f s after start", ip, time.Since(g.Started).Seconds())

	var status struct {
		Running bool   `json:"running"`
		Status  string `json:"status"`
	}
	if err := g.QMP.ExecuteInto(ctx, "query-status", nil, &status); err != nil || !status.Running {
		t.Fatalf("query-status %+v %v", status, err)
	}
	pressed := time.Now()
	if _, err := g.QMP.Execute(ctx, "system_powerdown", nil); err != nil {
		t.Fatal(err)
	}
	select {
	case <-g.Process.Done():
	case <-ctx.Done():
		t.Fatal("guest did not power off after system_powerdown")
	}
	st, err := g.Process.Wait()
	if err != nil || !st.Exited() || st.Code != 0 {
		t.Fatalf("qemu ended with %v %v", st, err)
	}
	t.Logf("powered off %.1f s after the button", time.Since(pressed).Seconds())
	if _, err := g.WaitFor(ctx, PowerOffMarker); err != nil {
		t.Errorf("guest did not run its shutdown action: %v", err)
	}
	<-g.QMP.Done()
	ev := g.QMP.ShutdownEvent()
	if ev == nil {
		t.Fatal("no SHUTDOWN event: the exit would look like a crash")
	}
	var data struct {
		Guest  bool   `json:"guest"`
		Reason string `json:"reason"`
	}
	json.Unmarshal(ev.Data, &data)
	if !data.Guest || data.Reason != "guest-shutdown" {
		t.Errorf("SHUTDOWN %s", ev.Data)
	}
}

func TestBuildIsIdempotent(t *testing.T) {
	k1, i1 := Build(t)
	k2, i2, skip, fail := runBuild()
	if skip != "" || fail != "" || k1 != k2 || i1 != i2 {
		t.Fatalf("second build: %q %q %q %q", k2, i2, skip, fail)
	}
}

// TestMarkerLineWaitsForTheWholeLine: a marker whose line has not ended
// yet is not found while QEMU runs (a loaded machine delivered
// "GOVIRT-TESTGUEST-IP " before the address once), but is once the output
// is final.
func TestMarkerLineWaitsForTheWholeLine(t *testing.T) {
	partial := "udhcpc: lease obtained\r\nGOVIRT-TESTGUEST-IP "
	if rest, ok := markerLine(partial, IPMarker, false); ok {
		t.Errorf("unterminated marker line found early: %q", rest)
	}
	if rest, ok := markerLine(partial+"10.0.2.15\r\n", IPMarker, false); !ok || rest != "10.0.2.15" {
		t.Errorf("whole line: %q %v", rest, ok)
	}
	if rest, ok := markerLine("x\n"+PowerOffMarker, PowerOffMarker, true); !ok || rest != "" {
		t.Errorf("last line of a finished console: %q %v", rest, ok)
	}
	if _, ok := markerLine("shell# "+ReadyMarker+"\n", ReadyMarker, false); !ok {
		t.Error("a marker after a prompt was not found")
	}
}
