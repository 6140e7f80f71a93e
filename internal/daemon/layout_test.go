package daemon

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
)

func TestLayoutUnderRoot(t *testing.T) {
	l := Layout{Root: "/tmp/x"}
	if l.SocketRW() != "/tmp/x/run/libvirt/libvirt-sock" || l.SocketRO() != "/tmp/x/run/libvirt/libvirt-sock-ro" {
		t.Fatal(l.SocketRW(), l.SocketRO())
	}
	if (Layout{}).SocketRW() != "/run/libvirt/libvirt-sock" {
		t.Fatal((Layout{}).SocketRW())
	}
}

func TestLockRefusesASecondDaemon(t *testing.T) {
	l := Layout{Root: t.TempDir()}
	f, err := l.Lock()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	data, _ := os.ReadFile(l.PidFile())
	if strings.TrimSpace(string(data)) != strconv.Itoa(os.Getpid()) {
		t.Fatalf("pid file holds %q", data)
	}
	if _, err := l.Lock(); !errors.Is(err, ErrLocked) {
		t.Fatalf("second lock: %v", err)
	}
}
