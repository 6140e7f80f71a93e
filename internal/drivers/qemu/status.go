package qemu

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/govirt/govirt/internal/atomicfile"
	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/internal/cpumap"
	"github.com/govirt/govirt/internal/drivers/qemu/caps"
	"github.com/govirt/govirt/virt/virterr"
)

var stateNames = []string{"nostate", "running", "blocked", "paused", "shutdown", "shutoff", "crashed", "pmsuspended"}

var reasonNames = map[int32][]string{
	stateNoState:  {"unknown"},
	stateRunning:  {"unknown", "booted", "migrated", "restored", "from snapshot", "unpaused", "migration canceled", "save canceled", "wakeup", "crashed", "post-copy", "post-copy failed"},
	2:             {"unknown"},
	statePaused:   {"unknown", "user", "migration", "save", "dump", "ioerror", "watchdog", "from snapshot", "shutdown", "snapshot", "panicked", "starting up", "post-copy", "post-copy failed", "api error"},
	stateShutdown: {"unknown", "user"},
	stateShutoff:  {"unknown", "shutdown", "destroyed", "crashed", "migrated", "saved", "failed", "from snapshot", "daemon"},
	stateCrashed:  {"unknown", "panicked"},
	7:             {"unknown"},
}

func stateName(s int32) string {
	if s >= 0 && int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "nostate"
}

func reasonName(s, r int32) string {
	if names := reasonNames[s]; r >= 0 && int(r) < len(names) {
		return names[r]
	}
	return "unknown"
}

func lookupName(names []string, s string) (int32, bool) {
	for i, n := range names {
		if n == s {
			return int32(i), true
		}
	}
	return 0, false
}

// formatStatus writes libvirt's <domstatus> for a running domain
// (virDomainObjFormat with qemuDomainObjPrivateXMLFormat).
func (d *Driver) formatStatus(o *domainObj) string {
	p := o.proc
	b := &xmlbuf.Buffer{}
	b.Asprintf("<domstatus state='%s' reason='%s' pid='%d'>\n", stateName(o.state), reasonName(o.state, o.reason), p.pid)
	b.AdjustIndent(2)
	for _, f := range p.statusTaints(d.privileged) {
		b.Asprintf("<taint flag='%s'/>\n", f)
	}
	b.AddLit("<monitor")
	b.Attr("path", p.monPath)
	b.AddLit(" type='unix'/>\n")
	if len(p.vcpus) > 0 {
		b.AddLit("<vcpus>\n")
		for i, tid := range p.vcpus {
			b.Asprintf("  <vcpu id='%d' pid='%d'/>\n", i, tid)
		}
		b.AddLit("</vcpus>\n")
	}
	if p.caps != nil {
		b.AddLit("<qemuCaps>\n")
		for _, f := range p.caps.Flags() {
			b.AddLit("  <flag")
			b.Attr("name", f.String())
			b.AddLit("/>\n")
		}
		b.AddLit("</qemuCaps>\n")
	}
	b.AddLit("<libDir")
	b.Attr("path", p.libDir)
	b.AddLit("/>\n")
	channelDir := p.channelDir
	if channelDir == "" {
		channelDir = d.paths.ChannelDir + "/domain-" + shortNameOf(o)
	}
	b.AddLit("<channelTargetDir")
	b.Attr("path", channelDir)
	b.AddLit("/>\n")
	if p.origCPU != nil {
		p.origCPU.FormatBuf(b)
	}
	b.AddLit("<allowReboot value='yes'/>\n")
	p.mu.Lock()
	fake := p.fakeReboot
	p.mu.Unlock()
	if fake {
		b.AddLit("<fakereboot/>\n")
	}
	b.AddLit("<nodename index='0'/>\n")
	b.AddLit("<fdset index='0'/>\n")
	b.AddLit("<blockjobs active='no'/>\n")
	b.Asprintf("<agentTimeout>%d</agentTimeout>\n", o.agentTimeout())
	p.mu.Lock()
	formatNICs(b, p.nics)
	p.mu.Unlock()
	o.live.FormatTo(b, domain.FormatStatus|domain.FormatSecure)
	b.AdjustIndent(-2)
	b.AddLit("</domstatus>\n")
	return b.String()
}

func shortNameOf(o *domainObj) string {
	return fmt.Sprintf("%d-%s", o.id, truncName(o.def.Name))
}

func truncName(n string) string {
	if len(n) > 20 {
		n = n[:20]
	}
	return n
}

// writeStatus saves o's status file atomically (temp, fsync, rename).
func (d *Driver) writeStatus(o *domainObj) error {
	// Writers format and write in turn: the last state read is the last
	// one written, whichever goroutine (a job, an event) wrote it.
	o.statusMu.Lock()
	defer o.statusMu.Unlock()
	o.mu.Lock()
	if o.proc == nil || o.live == nil {
		o.mu.Unlock()
		return nil
	}
	data := d.formatStatus(o)
	name := o.def.Name
	o.mu.Unlock()
	if err := atomicfile.Write(d.paths.StatusFile(name), []byte(data), 0o600); err != nil {
		return virterr.NewFrom(virterr.FromQemu, virterr.SystemError, "cannot write status file %s: %v", d.paths.StatusFile(name), err)
	}
	return nil
}

// status is what a status file says.
type status struct {
	state, reason int32
	pid           int
	monPath       string
	libDir        string
	vcpus         []int
	flags         []caps.Flag
	fakeReboot    bool
	origCPU       *cpumap.CPU
	channelDir    string
	nics          []*hostNIC
	def           *domain.Def
	// taints are the <taint> flags; agentTimeout the <agentTimeout>
	// (nil when absent).
	taints       []string
	agentTimeout *int32
}

// parseStatus reads a <domstatus> document.
func parseStatus(data []byte, name string) (*status, error) {
	root, err := xmltree.ParseRoot(data, name, "domstatus")
	if err != nil {
		return nil, err
	}
	st := &status{}
	var ok bool
	if st.state, ok = lookupName(stateNames, root.Prop("state")); !ok {
		return nil, virterr.NewFrom(virterr.FromQemu, virterr.InternalError, "invalid domain state '%s'", root.Prop("state"))
	}
	st.reason, _ = lookupName(reasonNames[st.state], root.Prop("reason"))
	if st.pid, err = strconv.Atoi(root.Prop("pid")); err != nil {
		return nil, virterr.NewFrom(virterr.FromQemu, virterr.InternalError, "invalid pid")
	}
	if m := root.Child("monitor"); m != nil {
		st.monPath = m.Prop("path")
	}
	if st.monPath == "" {
		return nil, virterr.NewFrom(virterr.FromQemu, virterr.InternalError, "no monitor path")
	}
	if l := root.Child("libDir"); l != nil {
		st.libDir = l.Prop("path")
	}
	if c := root.Child("channelTargetDir"); c != nil {
		st.channelDir = c.Prop("path")
	}
	if v := root.Child("vcpus"); v != nil {
		for _, c := range v.ChildrenNamed("vcpu") {
			if tid, err := strconv.Atoi(c.Prop("pid")); err == nil {
				st.vcpus = append(st.vcpus, tid)
			}
		}
	}
	if q := root.Child("qemuCaps"); q != nil {
		for _, c := range q.ChildrenNamed("flag") {
			if f, ok := caps.FlagFromString(c.Prop("name")); ok {
				st.flags = append(st.flags, f)
			}
		}
	}
	st.fakeReboot = root.Child("fakereboot") != nil
	for _, t := range root.ChildrenNamed("taint") {
		st.taints = append(st.taints, t.Prop("flag"))
	}
	if a := root.Child("agentTimeout"); a != nil {
		if v, err := strconv.ParseInt(strings.TrimSpace(a.Text), 10, 32); err == nil {
			t := int32(v)
			st.agentTimeout = &t
		}
	}
	if c := root.Child("cpu"); c != nil {
		if st.origCPU, err = cpumap.ParseNode(c, cpumap.Guest); err != nil {
			return nil, err
		}
	}
	st.nics = parseNICs(root)
	dn := root.Child("domain")
	if dn == nil {
		return nil, virterr.NewFrom(virterr.FromQemu, virterr.InternalError, "no domain in status file")
	}
	if st.def, err = domain.ParseNode(dn, domain.ParseStatus); err != nil {
		return nil, err
	}
	return st, nil
}

// readStatusFile reads a status file from disk.
func readStatusFile(path string) (*status, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parseStatus(data, path)
}
