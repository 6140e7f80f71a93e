package conformance

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/govirt/govirt/internal/drivers/qemu/caps"
	"github.com/govirt/govirt/internal/qmp"
)

// The QEMU capabilities suites replay libvirt's recorded QMP
// conversations (qemucapabilitiestest.c) and derive the host
// capabilities from the recorded flags (qemucaps2xmltest.c).

// capsFileParts splits "caps_<ver>.<arch>.<ext>" into version and arch.
func capsFileParts(name, ext string) (version, arch string, ok bool) {
	base := strings.TrimSuffix(strings.TrimPrefix(name, "caps_"), ext)
	i := strings.LastIndex(base, ".")
	if i < 0 {
		return "", "", false
	}
	return base[:i], base[i+1:], true
}

func init() {
	register(Suite{Name: "qemucapabilitiesdata", Run: func(corpus string) ([]Result, error) {
		dir := filepath.Join(corpus, "qemucapabilitiesdata")
		files, err := Inputs(corpus, "qemucapabilitiesdata", ".replies")
		if err != nil {
			return nil, err
		}
		var out []Result
		for _, f := range files {
			out = append(out, Check(f, func() error {
				version, arch, ok := capsFileParts(f, ".replies")
				if !ok {
					return fmt.Errorf("unexpected file name")
				}
				want, err := os.ReadFile(filepath.Join(dir, strings.TrimSuffix(f, ".replies")+".xml"))
				if err != nil {
					return err
				}
				ex, err := qmp.LoadReplies(filepath.Join(dir, f))
				if err != nil {
					return err
				}
				c, err := caps.ProbeReplay(context.Background(), ex, "/usr/bin/qemu-system-"+arch)
				if err != nil {
					return err
				}
				if c.HaveAccel() && c.Has(caps.TCG) {
					c.MicrocodeVersion = caps.TestMicrocodeVersion(arch, version)
				}
				return Diff(string(want), c.Format())
			}))
		}
		return out, nil
	}})

	register(Suite{Name: "qemucaps2xmloutdata", Run: func(corpus string) ([]Result, error) {
		files, err := Inputs(corpus, "qemucapabilitiesdata", ".xml")
		if err != nil {
			return nil, err
		}
		var out []Result
		for _, f := range files {
			out = append(out, Check(f, func() error {
				_, arch, ok := capsFileParts(f, ".xml")
				if !ok {
					return fmt.Errorf("unexpected file name")
				}
				want, err := os.ReadFile(filepath.Join(corpus, "qemucaps2xmloutdata", "caps."+arch+".xml"))
				if err != nil {
					return err
				}
				full, err := caps.LoadFile(filepath.Join(corpus, "qemucapabilitiesdata", f))
				if err != nil {
					return err
				}
				// libvirt's test keeps only the flags of the cached caps.
				c := caps.New("/usr/bin/qemu-system-" + arch)
				c.Set(full.Flags()...)
				hc := caps.NewHostCapabilities(arch)
				hc.Guests = append(hc.Guests, c.Guest(arch))
				return Diff(string(want), hc.Format())
			}))
		}
		return out, nil
	}})
}
