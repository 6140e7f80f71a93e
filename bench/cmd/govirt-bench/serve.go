package main

import (
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"syscall"

	govirtdaemon "github.com/govirt/govirt/internal/daemon"
	"github.com/govirt/govirt/internal/dispatch"
	"github.com/govirt/govirt/internal/drivers/all"
)

// serveGovirtd is govirtd's RPC core as cmd/govirtd assembles it (the
// daemon registry, the REMOTE dispatcher, libvirtd's default limits, the
// read-write socket under --root) with pprof around it: a CPU profile
// from start to SIGTERM, a heap profile on SIGUSR1 and at exit, and
// optionally a runtime trace. govirtd
// itself has no profiling switch; this is the same code under a profiler.
func serveGovirtd(args []string) error {
	fs := flag.NewFlagSet("serve-govirtd", flag.ContinueOnError)
	root := fs.String("root", "", "root directory")
	cpu := fs.String("cpuprofile", "", "CPU profile `FILE`")
	heap := fs.String("memprofile", "", "heap profile `FILE` (SIGUSR1 and exit)")
	traceFile := fs.String("trace", "", "runtime trace `FILE` (scheduling: go tool trace -pprof=sched)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *root == "" {
		return fmt.Errorf("serve-govirtd: --root is required")
	}
	// Small domains are ~1 KiB each: sample the heap finely enough to see
	// them.
	runtime.MemProfileRate = 4096
	if *traceFile != "" {
		f, err := os.Create(*traceFile)
		if err != nil {
			return err
		}
		if err := trace.Start(f); err != nil {
			return err
		}
		defer func() { trace.Stop(); f.Close() }()
	}
	if *cpu != "" {
		f, err := os.Create(*cpu)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer func() { pprof.StopCPUProfile(); f.Close() }()
	}
	writeHeap := func() {
		if *heap == "" {
			return
		}
		runtime.GC()
		if f, err := os.Create(*heap); err == nil {
			_ = pprof.WriteHeapProfile(f)
			f.Close()
		}
	}

	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	layout := govirtdaemon.Layout{Root: *root}
	if err := os.MkdirAll(filepath.Dir(layout.SocketRW()), 0o755); err != nil {
		return err
	}
	remote := dispatch.New(all.Daemon(), log)
	srv := govirtdaemon.NewServer(govirtdaemon.DefaultConfig(), log, remote.Programs(), remote)
	ln, err := govirtdaemon.ListenUnix(layout.SocketRW(), 0o700)
	if err != nil {
		return err
	}
	srv.AddListener(&govirtdaemon.Listener{Name: "libvirt-sock", Auth: govirtdaemon.AuthNone}, ln)

	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGUSR1)
	for sig := range sigs {
		if sig == syscall.SIGUSR1 {
			writeHeap()
			continue
		}
		break
	}
	srv.Shutdown()
	os.Remove(layout.SocketRW())
	if *heap != "" {
		// The last SIGUSR1 snapshot is the interesting one; keep it.
		if _, err := os.Stat(*heap); err != nil {
			writeHeap()
		}
	}
	return nil
}
