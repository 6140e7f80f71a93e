package qemu

import (
	"context"
	"os"
	"path/filepath"
	"sync"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/virt/virterr"
)

// consoleStreams tracks which pty has a console stream open, for
// VIR_DOMAIN_CONSOLE_SAFE / FORCE (libvirt's virChrdevs).
var consoleStreams struct {
	mu   sync.Mutex
	open map[string]func()
}

// findConsolePty picks the pty of the named device, or of the first
// console or serial port (qemuDomainOpenConsole).
func findConsolePty(def *domain.Def, devName string) (string, error) {
	if def.Devices == nil {
		return "", virterr.NewFrom(virterr.FromQemu, virterr.InternalError, "cannot find character device <null>")
	}
	var candidates []*domain.Device
	for _, kind := range []string{"console", "serial", "parallel", "channel"} {
		candidates = append(candidates, def.Devices.Kind(kind)...)
	}
	for i, dev := range candidates {
		if devName != "" {
			alias := dev.Info.Alias
			if alias == "" && dev.Kind == "console" {
				alias = "console0"
			}
			if alias != devName && !(dev.Kind == "console" && devName == "console0") {
				continue
			}
		} else if i > 0 && dev.Kind != "console" && dev.Kind != "serial" {
			continue
		}
		if dev.Chr == nil || dev.Chr.Type != "pty" {
			return "", virterr.NewFrom(virterr.FromQemu, virterr.OperationFailed, "character device %s is not using a PTY", devName)
		}
		if dev.Chr.Path == "" {
			continue
		}
		return dev.Chr.Path, nil
	}
	name := devName
	if name == "" {
		name = "<null>"
	}
	return "", virterr.NewFrom(virterr.FromQemu, virterr.InternalError, "cannot find character device %s", name)
}

// DomainOpenConsole connects a stream to the guest's console pty.
func (c *conn) DomainOpenConsole(ctx context.Context, dom driver.DomainRef, st driver.Stream, devName *string, flags uint32) error {
	const consoleForce, consoleSafe = 1 << 0, 1 << 1
	if err := c.denyReadOnly("virDomainOpenConsole"); err != nil {
		return err
	}
	if err := unsupportedFlags(flags, consoleForce|consoleSafe, "qemuDomainOpenConsole"); err != nil {
		return err
	}
	o, err := c.d.lookup(dom)
	if err != nil {
		return err
	}
	o.mu.Lock()
	if !o.active() {
		o.mu.Unlock()
		return notRunning()
	}
	name := ""
	if devName != nil {
		name = *devName
	}
	path, err := findConsolePty(o.live, name)
	o.mu.Unlock()
	if err != nil {
		return err
	}
	consoleStreams.mu.Lock()
	if consoleStreams.open == nil {
		consoleStreams.open = map[string]func(){}
	}
	if prev := consoleStreams.open[path]; prev != nil {
		if flags&consoleForce == 0 {
			consoleStreams.mu.Unlock()
			return virterr.NewFrom(virterr.FromQemu, virterr.OperationFailed, "Active console session exists for this domain")
		}
		prev()
	}
	pty, err := os.OpenFile(path, os.O_RDWR|syscallNoctty, 0)
	if err != nil {
		consoleStreams.mu.Unlock()
		return virterr.NewFrom(virterr.FromQemu, virterr.SystemError, "Unable to open pty %s: %s", path, errnoText(err))
	}
	var once sync.Once
	closeAll := func() {
		once.Do(func() {
			pty.Close()
			consoleStreams.mu.Lock()
			delete(consoleStreams.open, path)
			consoleStreams.mu.Unlock()
		})
	}
	consoleStreams.open[path] = func() {
		closeAll()
		_ = st.Abort(context.Background())
	}
	consoleStreams.mu.Unlock()

	bg := context.Background()
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := pty.Read(buf)
			if n > 0 {
				if _, serr := st.Send(bg, buf[:n]); serr != nil {
					break
				}
			}
			if err != nil {
				_ = st.Finish(bg)
				break
			}
		}
		closeAll()
	}()
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := st.Recv(bg, buf)
			if n > 0 {
				if _, werr := pty.Write(buf[:n]); werr != nil {
					break
				}
			}
			if err != nil || n == 0 {
				break
			}
		}
		closeAll()
	}()
	return nil
}

// DomainScreenshot streams QEMU's screendump of the display (PPM).
func (c *conn) DomainScreenshot(ctx context.Context, st driver.Stream, dom driver.DomainRef, screen uint32, flags uint32) (*string, error) {
	if err := c.denyReadOnly("virDomainScreenshot"); err != nil {
		return nil, err
	}
	if err := unsupportedFlags(flags, 0, "qemuDomainScreenshot"); err != nil {
		return nil, err
	}
	var data []byte
	err := c.modifyRunning(ctx, dom, "virDomainScreenshot", "remoteDispatchDomainScreenshot", func(o *domainObj, p *qemuProcess) error {
		o.mu.Lock()
		heads := 0
		for _, v := range o.live.Devices.Videos() {
			_ = v
			heads++
		}
		o.mu.Unlock()
		if heads == 0 {
			return virterr.NewFrom(virterr.FromQemu, virterr.OperationInvalid, "no screens to take screenshot from")
		}
		if screen > 0 {
			return virterr.NewFrom(virterr.FromQemu, virterr.InvalidArg, "Screen ID %d is out of range", screen)
		}
		tmp := filepath.Join(p.libDir, "qemu.screendump")
		defer os.Remove(tmp)
		if _, err := p.mon.Execute(ctx, "screendump", map[string]any{"filename": tmp}); err != nil {
			return err
		}
		var err error
		data, err = os.ReadFile(tmp)
		return err
	})
	if err != nil {
		return nil, err
	}
	if _, err := st.Send(ctx, data); err != nil {
		return nil, err
	}
	if err := st.Finish(ctx); err != nil {
		return nil, err
	}
	mime := "image/x-portable-pixmap"
	return &mime, nil
}
