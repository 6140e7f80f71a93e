package qemu_test

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govirt/govirt/internal/testguest"
)

// agentChannel is the guest agent channel virt-install adds; the test
// guest runs no qemu-ga, so the channel stays closed on the guest side.
const agentChannel = `<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>`

// TestE2EQemuProgram drives the QEMU program with the stock virsh:
// monitor passthrough (QMP and HMP), monitor events, and the agent
// APIs' answer for a guest whose agent is not running.
func TestE2EQemuProgram(t *testing.T) {
	requireE2E(t)
	kernel, initrd := testguest.Build(t)
	bin := buildGovirtd(t)
	d := startDaemon(t, bin, t.TempDir())
	dir := t.TempDir()
	d.virsh("define", writeFile(t, filepath.Join(dir, "qp.xml"), guestXML("qp", kernel, initrd, agentChannel)))
	d.virsh("start", "qp")
	// The start reads the channel's state: the guest has not opened it
	// (qemuProcessRefreshChannelVirtioState).
	if out := d.virsh("dumpxml", "qp"); !strings.Contains(out, "<target type='virtio' name='org.qemu.guest_agent.0' state='disconnected'/>") {
		t.Errorf("live agent channel:\n%s", out)
	}

	out := d.virsh("qemu-monitor-command", "qp", `{"execute":"query-status"}`)
	if !regexp.MustCompile(`^\{"return":\{"status":"running","singlestep":false,"running":true\},"id":"libvirt-\d+"\}$`).MatchString(out) {
		t.Errorf("query-status answered %q", out)
	}
	out = d.virsh("qemu-monitor-command", "qp", "--pretty", `{"execute":"query-status"}`)
	if !strings.Contains(out, "\"return\": {\n") || !strings.Contains(out, `"status": "running"`) {
		t.Errorf("--pretty answered %q", out)
	}
	if out := d.virsh("qemu-monitor-command", "qp", "--hmp", "info status"); out != "VM status: running" {
		t.Errorf("HMP info status answered %q", out)
	}
	out = d.virsh("qemu-monitor-command", "qp", `{"execute":"no-such-command"}`)
	if !regexp.MustCompile(`^\{"id":"libvirt-\d+","error":\{"class":"CommandNotFound","desc":"The command no-such-command has not been found"\}\}$`).MatchString(out) {
		t.Errorf("unknown command answered %q", out)
	}

	// Agent APIs: the guest never opens its end of the channel.
	for _, args := range [][]string{
		{"qemu-agent-command", "qp", `{"execute":"guest-ping"}`},
		{"domtime", "qp"},
		{"domifaddr", "qp", "--source", "agent"},
		{"domhostname", "qp"},
	} {
		out, err := d.virshErr(args...)
		if err == nil || !strings.Contains(out, "error: Guest agent is not responding: QEMU guest agent is not connected") {
			t.Errorf("virsh %s: %v %q", strings.Join(args, " "), err, out)
		}
	}
	// The host's ARP table knows nothing of a guest without interfaces.
	if out := d.virsh("domifaddr", "qp", "--source", "arp"); strings.Contains(out, "ipv4") {
		t.Errorf("domifaddr --source arp: %q", out)
	}

	// python3-libvirt's libvirt_qemu module speaks the same program.
	if _, err := os.Stat("/usr/lib/python3/dist-packages/libvirt_qemu.py"); err == nil {
		script := `import libvirt, libvirt_qemu, sys
c = libvirt.open(sys.argv[1])
d = c.lookupByName("qp")
print(libvirt_qemu.qemuMonitorCommand(d, '{"execute":"query-name"}', 0))
print(repr(libvirt_qemu.qemuMonitorCommand(d, "info status", libvirt_qemu.VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP)))
try:
    libvirt_qemu.qemuAgentCommand(d, '{"execute":"guest-ping"}', -1, 0)
except libvirt.libvirtError as e:
    print(e.get_error_code(), e.get_error_domain(), e.get_error_message())
`
		out, err := exec.Command("/usr/bin/python3", "-c", script, d.uri).Output()
		want := regexp.MustCompile(`^\{"return":\{"name":"qp"\},"id":"libvirt-\d+"\}\n'VM status: running\\r\\n'\n86 10 Guest agent is not responding: QEMU guest agent is not connected\n$`)
		if err != nil || !want.Match(out) {
			t.Errorf("python3 libvirt_qemu: %v\n%s", err, out)
		}
	}

	// Monitor events: suspend and resume show STOP and RESUME.
	t.Run("monitor-events", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
		defer cancel()
		ev := exec.CommandContext(ctx, "virsh", "-c", d.uri, "qemu-monitor-event", "qp", "--loop", "--timeout", "90")
		stdout, err := ev.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := ev.Start(); err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		var lines []string
		done := make(chan struct{})
		go func() {
			defer close(done)
			s := bufio.NewScanner(stdout)
			for s.Scan() {
				mu.Lock()
				lines = append(lines, s.Text())
				mu.Unlock()
			}
		}()
		seen := func() string {
			mu.Lock()
			defer mu.Unlock()
			return strings.Join(lines, "\n")
		}
		// virsh prints nothing once registered, and a loaded machine may
		// take seconds to get there: suspend and resume until it shows
		// both events (a fixed second's wait assumed it would be quicker).
		both := func() bool {
			got := seen()
			return strings.Contains(got, "event STOP") && strings.Contains(got, "event RESUME")
		}
		for deadline := time.Now().Add(60 * time.Second); !both() && time.Now().Before(deadline); {
			for _, cmd := range []string{"suspend", "resume"} {
				if out, err := d.virshErr(cmd, "qp"); err != nil {
					t.Fatalf("virsh %s: %v %s", cmd, err, out)
				}
			}
			for wait := time.Now().Add(2 * time.Second); !both() && time.Now().Before(wait); {
				time.Sleep(50 * time.Millisecond)
			}
		}
		ev.Process.Kill()
		<-done
		ev.Wait()
		got := seen()
		if !regexp.MustCompile(`(?m)^event STOP at \d+\.\d{6} for domain 'qp': <null>$`).MatchString(got) ||
			!regexp.MustCompile(`(?m)^event RESUME at \d+\.\d{6} for domain 'qp': <null>$`).MatchString(got) {
			t.Errorf("qemu-monitor-event printed:\n%s", got)
		}
	})
}

// TestE2EDomifaddrLeaseARP: a guest on a NAT network gets a DHCP lease;
// the stock virsh finds its address through the lease and the host's
// ARP table.
func TestE2EDomifaddrLeaseARP(t *testing.T) {
	_, child := netE2EParent(t)
	if !child {
		return
	}
	kernel, initrd := testguest.Build(t)
	bin := buildGovirtd(t)
	buildLeaseHelper(t, bin)
	run(t, "ip", "link", "set", "lo", "up")
	d := startDaemon(t, bin, t.TempDir())
	dir := t.TempDir()
	d.virsh("net-define", writeFile(t, filepath.Join(dir, "net.xml"), natNetwork))
	d.virsh("net-start", "gvqnat")
	con := filepath.Join(dir, "console.log")
	const mac = "52:54:00:77:00:21"
	d.virsh("create", writeFile(t, filepath.Join(dir, "g.xml"), netGuestXML("ifg", kernel, initrd, mac, "", con, "")))
	ip := guestIP(t, con, 120*time.Second)
	wantRow := regexp.MustCompile(`(?m)^\s*vnet\d+ +` + mac + ` +ipv4 +` + regexp.QuoteMeta(ip) + `/24$`)
	var out string
	for i := 0; i < 100; i++ {
		if out = d.virsh("domifaddr", "ifg", "--source", "lease"); wantRow.MatchString(out) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !wantRow.MatchString(out) {
		t.Fatalf("domifaddr --source lease:\n%s", out)
	}
	if def := d.virsh("domifaddr", "ifg"); def != out {
		t.Errorf("domifaddr without a source differs from the lease source:\n%s", def)
	}
	// The host learnt the guest's MAC when it answered its DHCP.
	arpRow := regexp.MustCompile(`(?m)^\s*vnet\d+ +` + mac + ` +ipv4 +` + regexp.QuoteMeta(ip) + `/0$`)
	for i := 0; i < 50; i++ {
		if out = d.virsh("domifaddr", "ifg", "--source", "arp"); arpRow.MatchString(out) {
			break
		}
		try("ping", "-c", "1", "-W", "1", ip)
	}
	if !arpRow.MatchString(out) {
		t.Errorf("domifaddr --source arp:\n%s", out)
	}
	if out, err := d.virshErr("domhostname", "ifg", "--source", "lease"); err == nil || !strings.Contains(out, "error: no hostname found: no hostname found for domain ifg") {
		t.Errorf("domhostname --source lease: %v %q", err, out)
	}
}
