package qemu_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/govirt/govirt/internal/testguest"
)

// fieldNames is the first word of every line of virsh's output, or what
// precedes '=' in domstats'.
func fieldNames(out string) string {
	var names []string
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "Domain:") {
			continue
		}
		name, _, _ := strings.Cut(line, "=")
		names = append(names, strings.Fields(name)[0])
	}
	return strings.Join(names, " ")
}

// A guest whose balloon driver reports every second shows its memory
// statistics in dommemstat and domstats --balloon, in the order and
// under the names libvirtd 9.0 gives them for the same guest; a NIC
// hot-plugged with its link down is down; and a daemon that restarts
// reads the balloon size back from QEMU rather than from the status file.
func TestE2EBalloonStats(t *testing.T) {
	requireE2E(t)
	kernel, initrd := testguest.Build(t)
	bin := buildGovirtd(t)
	root := t.TempDir()
	d := startDaemon(t, bin, root)
	dir := t.TempDir()

	xml := strings.Replace(balloonGuestXML("bs", kernel, initrd), "<stats period='2'/>", "<stats period='1'/>", 1)
	// A free root port for the hot-plugged NIC.
	xml = strings.Replace(xml, "<controller type='pci' index='3' model='pcie-root-port'/>",
		"<controller type='pci' index='3' model='pcie-root-port'/>\n    <controller type='pci' index='4' model='pcie-root-port'/>\n    <controller type='pci' index='5' model='pcie-root-port'/>", 1)
	d.virsh("define", writeFile(t, filepath.Join(dir, "bs.xml"), xml))
	d.virsh("start", "bs")
	if got := fieldNames(d.virsh("domstats", "--balloon", "bs")); !strings.HasPrefix(got, "balloon.current balloon.maximum") {
		t.Errorf("domstats --balloon right after the start: %s", got)
	}
	con := d.openConsole("bs")
	con.waitCount(t, testguest.ReadyMarker, 1, 90*time.Second)
	d.waitUsedMemory("bs", "114688 KiB", 60*time.Second)

	deadline := time.Now().Add(60 * time.Second)
	out := ""
	for time.Now().Before(deadline) {
		if out = d.virsh("dommemstat", "bs"); strings.Contains(out, "usable ") {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	want := "actual swap_in swap_out major_fault minor_fault unused available usable last_update disk_caches hugetlb_pgalloc hugetlb_pgfail rss"
	if got := fieldNames(out); got != want {
		t.Fatalf("dommemstat fields:\n%s\nwant:\n%s\n%s", got, want, out)
	}
	if !strings.Contains(out, "actual 114688\n") || regexp.MustCompile(`(?m)^last_update 0$`).MatchString(out) {
		t.Errorf("dommemstat:\n%s", out)
	}
	stats := d.virsh("domstats", "--balloon", "bs")
	want = "balloon.current balloon.maximum balloon.swap_in balloon.swap_out balloon.major_fault balloon.minor_fault " +
		"balloon.unused balloon.available balloon.usable balloon.last-update balloon.disk_caches " +
		"balloon.hugetlb_pgalloc balloon.hugetlb_pgfail balloon.rss"
	if got := fieldNames(stats); got != want {
		t.Errorf("domstats --balloon fields:\n%s\nwant:\n%s", got, want)
	}
	if !strings.Contains(stats, "balloon.current=114688\n") || !strings.Contains(stats, "balloon.maximum=131072\n") {
		t.Errorf("domstats --balloon:\n%s", stats)
	}

	nic := writeFile(t, filepath.Join(dir, "nic.xml"), "<interface type='user'><mac address='52:54:00:5a:11:09'/><model type='virtio'/><link state='down'/></interface>\n")
	d.virsh("attach-device", "bs", nic, "--live")
	if got := d.virsh("domif-getlink", "bs", "52:54:00:5a:11:09"); got != "52:54:00:5a:11:09 down" {
		t.Errorf("domif-getlink of the hot-plugged NIC: %q", got)
	}

	// The status file is made to lie; the restarted daemon asks QEMU.
	status := filepath.Join(root, "run", "libvirt", "qemu", "bs.xml")
	d.kill9()
	data, err := os.ReadFile(status)
	if err != nil {
		t.Fatal(err)
	}
	lie := regexp.MustCompile(`<currentMemory unit='KiB'>\d+</currentMemory>`).ReplaceAll(data, []byte("<currentMemory unit='KiB'>4096</currentMemory>"))
	if err := os.WriteFile(status, lie, 0o600); err != nil {
		t.Fatal(err)
	}
	d.start()
	if got := d.usedMemory("bs"); got != "114688 KiB" {
		t.Errorf("used memory after the daemon restart = %q, want QEMU's 114688 KiB", got)
	}
	con.close()
}
