package network

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/govirt/govirt/internal/atomicfile"
	"github.com/govirt/govirt/internal/conf/network"
	"github.com/govirt/govirt/internal/conf/networkport"
	"github.com/govirt/govirt/internal/conf/uuid"
	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/internal/firewall"
	"github.com/govirt/govirt/virt/virterr"
)

// Lifecycle events (virNetworkEventLifecycleType).
const (
	eventDefined   int32 = 0
	eventUndefined int32 = 1
	eventStarted   int32 = 2
	eventStopped   int32 = 3
)

// netObj is one network (virNetworkObj).
type netObj struct {
	def        *network.Def // live definition while active
	newDef     *network.Def // persistent definition for next start
	active     bool
	persistent bool
	autostart  bool

	// What a start did, kept in the status file.
	fwRemoval *firewall.Removal
	floorSum  uint64
	classIDs  map[uint]bool
	ports     map[uuid.UUID]*networkport.Def
}

func (o *netObj) ref() driver.NetworkRef {
	return driver.NetworkRef{Name: o.def.Name, UUID: driver.UUID(o.def.UUID)}
}

func (o *netObj) persistentDef() *network.Def {
	if o.newDef != nil {
		return o.newDef
	}
	return o.def
}

func netErr(code virterr.Code, format string, args ...any) error {
	return virterr.NewFrom(virterr.FromNetwork, code, format, args...)
}

func (d *Driver) byName(name string) (*netObj, error) {
	for _, o := range d.nets {
		if o.def.Name == name {
			return o, nil
		}
	}
	return nil, netErr(virterr.NoNetwork, "no network with matching name '%s'", name)
}

func (d *Driver) byUUID(u driver.UUID) (*netObj, error) {
	for _, o := range d.nets {
		if driver.UUID(o.def.UUID) == u {
			return o, nil
		}
	}
	return nil, netErr(virterr.NoNetwork, "no network with matching uuid '%s'", uuid.UUID(u))
}

// lookup finds a network by reference as libvirt's networkObjFromNetwork
// does: by UUID, naming the network in the error.
func (d *Driver) lookup(ref driver.NetworkRef) (*netObj, error) {
	for _, o := range d.nets {
		if driver.UUID(o.def.UUID) == ref.UUID {
			return o, nil
		}
	}
	return nil, netErr(virterr.NoNetwork, "no network with matching uuid '%s' (%s)", uuid.UUID(ref.UUID), ref.Name)
}

// assign adds def as virNetworkObjAssignDef does.
func (d *Driver) assign(def *network.Def, live bool) (*netObj, error) {
	for _, o := range d.nets {
		if o.def.UUID != def.UUID {
			continue
		}
		if o.def.Name != def.Name {
			return nil, netErr(virterr.OperationFailed, "network '%s' is already defined with uuid %s", o.def.Name, o.def.UUID)
		}
		if live && o.active {
			return nil, netErr(virterr.OperationInvalid, "network is already active as '%s'", o.def.Name)
		}
		if live {
			if o.persistent && o.newDef == nil {
				o.newDef = o.def
			}
			o.def = def
		} else if o.active {
			o.newDef = def
		} else {
			o.def = def
		}
		if !live {
			o.persistent = true
		}
		return o, nil
	}
	for _, o := range d.nets {
		if o.def.Name == def.Name {
			return nil, netErr(virterr.OperationFailed, "network '%s' already exists with uuid %s", def.Name, o.def.UUID)
		}
	}
	o := &netObj{def: def, persistent: !live}
	d.nets = append(d.nets, o)
	return o, nil
}

func (d *Driver) remove(obj *netObj) {
	for i, o := range d.nets {
		if o == obj {
			d.nets = append(d.nets[:i:i], d.nets[i+1:]...)
			return
		}
	}
}

func (d *Driver) emit(o *netObj, event int32) {
	ref := o.ref()
	d.events.Emit(ref, driver.Event{Kind: driver.EventNetwork, ID: 0,
		Payload: &driver.NetworkEventLifecycleMsg{Net: ref, Event: event}})
}

// writeAtomic creates path's directory and replaces path with data
// (atomicfile), so a crash never leaves half a file.
func writeAtomic(path string, data []byte, mode os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return netErr(virterr.SystemError, "cannot create directory '%s': %v", filepath.Dir(path), err)
	}
	if err := atomicfile.Write(path, data, mode); err != nil {
		return netErr(virterr.SystemError, "cannot write '%s': %v", path, err)
	}
	return nil
}

func (d *Driver) configFile(name string) string { return filepath.Join(d.configDir(), name+".xml") }
func (d *Driver) autostartLink(name string) string {
	return filepath.Join(d.autostartDir(), name+".xml")
}
func (d *Driver) statusFile(name string) string { return filepath.Join(d.stateDir(), name+".xml") }
func (d *Driver) pidFile(name string) string    { return filepath.Join(d.stateDir(), name+".pid") }

func (d *Driver) saveConfig(def *network.Def) error {
	return writeAtomic(d.configFile(def.Name), []byte(xmlbuf.SaveWarning("net-edit", def.Name)+def.Format(network.FormatInactive)), 0o600)
}

// formatStatus is the status file (virNetworkObjFormat) with the
// recorded firewall removals, which stopping the network runs.
func (o *netObj) formatStatus() string {
	buf := xmlbuf.New()
	buf.AddLit("<networkstatus>\n")
	buf.AdjustIndent(2)
	buf.Asprintf("<class_id bitmap='%s'/>\n", formatBitmap(o.classIDs))
	buf.Asprintf("<floor sum='%d'/>\n", o.floorSum)
	o.def.FormatBuf(buf, 0)
	if o.fwRemoval != nil {
		o.fwRemoval.Format(buf)
	}
	buf.AdjustIndent(-2)
	buf.AddLit("</networkstatus>\n")
	return buf.String()
}

// formatBitmap writes a set of numbers as libvirt's bitmap ranges
// ("0-2,5"); classes 0-2 are always taken (the root qdisc's and the
// network's own).
func formatBitmap(ids map[uint]bool) string {
	max := uint(2)
	for id := range ids {
		if id > max {
			max = id
		}
	}
	var parts []string
	for i := uint(0); i <= max; {
		if i > 2 && !ids[i] {
			i++
			continue
		}
		j := i
		for j+1 <= max && (j+1 <= 2 || ids[j+1]) {
			j++
		}
		if j == i {
			parts = append(parts, fmt.Sprint(i))
		} else {
			parts = append(parts, fmt.Sprintf("%d-%d", i, j))
		}
		i = j + 1
	}
	return strings.Join(parts, ",")
}

func parseBitmap(s string) map[uint]bool {
	ids := map[uint]bool{}
	for _, part := range strings.Split(s, ",") {
		var a, b uint
		if n, _ := fmt.Sscanf(part, "%d-%d", &a, &b); n == 2 {
			for i := a; i <= b && b-a < 1<<16; i++ {
				ids[i] = true
			}
		} else if n, _ := fmt.Sscanf(part, "%d", &a); n == 1 {
			ids[a] = true
		}
	}
	for i := uint(0); i <= 2; i++ {
		delete(ids, i)
	}
	return ids
}

func (d *Driver) saveStatus(o *netObj) error {
	return writeAtomic(d.statusFile(o.def.Name), []byte(o.formatStatus()), 0o600)
}

// Load reads the saved definitions and the status of running networks
// (networkStateInitialize). A network whose bridge vanished while the
// daemon was down is cleaned up and marked inactive.
func (d *Driver) Load(ctx context.Context) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.loaded {
		return nil
	}
	d.loaded = true
	for _, dir := range []string{d.configDir(), d.stateDir(), d.dnsmasqDir()} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return netErr(virterr.SystemError, "cannot create directory '%s': %v", dir, err)
		}
	}
	if err := d.names.ReserveExisting(); err != nil {
		return err
	}
	configs, _ := filepath.Glob(filepath.Join(d.configDir(), "*.xml"))
	for _, path := range configs {
		data, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		def, err := network.Parse(data)
		if err != nil || def.Name+".xml" != filepath.Base(path) {
			continue
		}
		o, err := d.assign(def, false)
		if err != nil {
			continue
		}
		if _, err := os.Lstat(d.autostartLink(def.Name)); err == nil {
			o.autostart = true
		}
	}
	states, _ := filepath.Glob(filepath.Join(d.stateDir(), "*.xml"))
	for _, path := range states {
		data, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		st, err := parseStatus(data)
		if err != nil {
			continue
		}
		o, err := d.assign(st.def, true)
		if err != nil {
			continue
		}
		o.active = true
		o.fwRemoval, o.floorSum, o.classIDs = st.removal, st.floorSum, st.classIDs
		d.loadPorts(o)
		if createsBridge(o.def) && !d.host.Exists(o.def.Bridge) {
			d.stopLocked(ctx, o)
		}
	}
	return nil
}

type status struct {
	def      *network.Def
	removal  *firewall.Removal
	floorSum uint64
	classIDs map[uint]bool
}

func parseStatus(data []byte) (*status, error) {
	root, err := xmltree.ParseRoot(data, "(network_status)", "networkstatus")
	if err != nil {
		return nil, err
	}
	n := root.Child("network")
	if n == nil {
		return nil, netErr(virterr.InternalError, "Could not find any 'network' element in status file")
	}
	def, err := network.ParseNode(n)
	if err != nil {
		return nil, err
	}
	st := &status{def: def, classIDs: map[uint]bool{}}
	if c := root.Child("class_id"); c != nil {
		if b, ok := c.Attr("bitmap"); ok {
			st.classIDs = parseBitmap(b)
		}
	}
	if f := root.Child("floor"); f != nil {
		if s, ok := f.Attr("sum"); ok {
			fmt.Sscanf(s, "%d", &st.floorSum)
		}
	}
	if fw := root.Child("firewall"); fw != nil {
		if st.removal, err = firewall.ParseNode(fw); err != nil {
			return nil, err
		}
	}
	return st, nil
}

// Autostart starts every autostart network that is not running
// (networkAutostartConfig); failures are skipped.
func (d *Driver) Autostart(ctx context.Context) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, o := range d.nets {
		if o.autostart && !o.active {
			if err := d.startLocked(ctx, o); err == nil {
				d.emit(o, eventStarted)
			}
		}
	}
}
