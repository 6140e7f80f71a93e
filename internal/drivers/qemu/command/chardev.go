package command

import (
	"fmt"
	"strings"

	"github.com/govirt/govirt/internal/conf/domain"
)

func init() {
	RegisterStep("monitor", buildMonitor)
}

// buildMonitor is qemuBuildMonitorCommandLine: the QMP monitor on a
// socket libvirt opened and hands over, or on a path.
func buildMonitor(b *Builder) error {
	if b.Ctx.MonitorFD >= 0 {
		b.Cmd.Arg("-chardev", fmt.Sprintf("socket,id=charmonitor,fd=%d,server=on,wait=off", b.Ctx.MonitorFD))
	} else {
		b.Cmd.Arg("-chardev", "socket,id=charmonitor,path="+EscapeComma(b.Ctx.MonitorPath)+",server=on,wait=off")
	}
	b.Cmd.Arg("-mon", "chardev=charmonitor,id=monitor,mode=control")
	return nil
}

// ChardevOptions tune how a character device backend is built.
type ChardevOptions struct {
	// Wait keeps QEMU waiting for a client on a listening socket (no
	// wait=off); libvirt only does that for vhost-user backends.
	Wait bool
	// NoFDPass keeps a listening unix socket as a path instead of a
	// descriptor libvirt pre-opens.
	NoFDPass bool
	// Spicevmc is the channel a spicevmc backend carries
	// (virDomainChrSpicevmcType: usbredir, smartcard); empty means the
	// agent's, vdagent.
	Spicevmc string
}

// AddChardev adds the -chardev backend for src under alias
// (qemuBuildChardevCommand), passing listening sockets and files as
// descriptors like libvirt does.
func (b *Builder) AddChardev(src *domain.ChrSource, alias string, opts ChardevOptions) error {
	arg, err := b.chardevArg(src, alias, opts)
	if err != nil {
		return err
	}
	b.Cmd.Arg("-chardev", arg)
	return nil
}

// addFD registers a descriptor in a new fd set (-add-fd) and returns its
// /dev/fdset path (qemuFDPass).
func (b *Builder) addFD(fd int, opaque string) string {
	set, _ := b.state["fdset"].(int)
	b.state["fdset"] = set + 1
	b.Cmd.Arg("-add-fd", fmt.Sprintf("set=%d,fd=%d,opaque=%s", set, fd, opaque))
	return fmt.Sprintf("/dev/fdset/%d", set)
}

// chardevArg is qemuBuildChardevStr.
func (b *Builder) chardevArg(src *domain.ChrSource, alias string, opts ChardevOptions) (string, error) {
	var s strings.Builder
	devAlias := strings.TrimPrefix(alias, "char")
	listen := src.Mode == "bind"
	switch src.Type {
	case "null":
		fmt.Fprintf(&s, "null,id=%s", alias)
	case "vc":
		fmt.Fprintf(&s, "vc,id=%s", alias)
	case "pty":
		fmt.Fprintf(&s, "pty,id=%s", alias)
	case "dev":
		backend := "serial"
		if strings.HasPrefix(devAlias, "parallel") {
			backend = "parallel"
		}
		fmt.Fprintf(&s, "%s,id=%s,path=%s", backend, alias, EscapeComma(src.Path))
	case "file":
		fmt.Fprintf(&s, "file,id=%s", alias)
		path, appendv := src.Path, switchText(src.Append)
		if b.Ctx.FileFD != nil {
			path = b.addFD(b.Ctx.FileFD(src.Path, false), devAlias+"-source")
			appendv = "on"
		}
		s.WriteString(",path=" + EscapeComma(path))
		if appendv != "" {
			s.WriteString(",append=" + appendv)
		}
	case "pipe":
		fmt.Fprintf(&s, "pipe,id=%s,path=%s", alias, EscapeComma(src.Path))
	case "stdio":
		fmt.Fprintf(&s, "stdio,id=%s", alias)
	case "udp":
		port := src.BindService
		if port == "" {
			port = "0"
		}
		fmt.Fprintf(&s, "udp,id=%s,host=%s,port=%s,localaddr=%s,localport=%s", alias, src.ConnectHost, src.ConnectService, src.BindHost, port)
	case "tcp":
		fmt.Fprintf(&s, "socket,id=%s,host=%s,port=%s", alias, src.Host, src.Service)
		if src.Protocol == "telnet" {
			s.WriteString(",telnet=on")
		}
		if listen {
			s.WriteString(",server=on")
			if !opts.Wait {
				s.WriteString(",wait=off")
			}
		}
		chardevReconnect(&s, src.Reconnect)
	case "unix":
		fmt.Fprintf(&s, "socket,id=%s", alias)
		if listen && !opts.NoFDPass && b.Ctx.ListenFD != nil {
			fmt.Fprintf(&s, ",fd=%d", b.Ctx.ListenFD(src.Path))
		} else {
			s.WriteString(",path=" + EscapeComma(src.Path))
		}
		if listen {
			s.WriteString(",server=on")
			if !opts.Wait {
				s.WriteString(",wait=off")
			}
		}
		chardevReconnect(&s, src.Reconnect)
	case "spicevmc":
		name := opts.Spicevmc
		if name == "" {
			name = "vdagent"
		}
		fmt.Fprintf(&s, "spicevmc,id=%s,name=%s", alias, name)
	case "spiceport":
		fmt.Fprintf(&s, "spiceport,id=%s,name=%s", alias, src.Channel)
	case "qemu-vdagent":
		fmt.Fprintf(&s, "qemu-vdagent,id=%s,name=vdagent", alias)
		if v := switchText(src.Clipboard); v != "" {
			s.WriteString(",clipboard=" + v)
		}
		switch src.Mouse {
		case "client":
			s.WriteString(",mouse=on")
		case "server":
			s.WriteString(",mouse=off")
		}
	case "dbus":
		fmt.Fprintf(&s, "dbus,id=%s,name=%s", alias, src.Channel)
	default:
		return "", Unsupported("Unsupported char device type '%s'", src.Type)
	}
	if src.LogFile != "" {
		if b.Ctx.FileFD != nil {
			// QEMU cannot tell whether a passed descriptor appends, so
			// it is told to.
			s.WriteString(",logfile=" + b.addFD(b.Ctx.FileFD(src.LogFile, true), devAlias+"-log"))
			s.WriteString(",logappend=on")
		} else {
			s.WriteString(",logfile=" + EscapeComma(src.LogFile))
			if v := switchText(src.LogAppend); v != "" {
				s.WriteString(",logappend=" + v)
			}
		}
	}
	return s.String(), nil
}

func chardevReconnect(s *strings.Builder, r *domain.ChrReconnect) {
	if r == nil {
		return
	}
	switch r.Enabled {
	case "yes":
		fmt.Fprintf(s, ",reconnect=%d", r.Timeout)
	case "no":
		s.WriteString(",reconnect=0")
	}
}
