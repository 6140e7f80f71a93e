// Package test is govirt's test driver (libvirt's "test" driver): an
// in-memory hypervisor for test:///default, whose state every connection
// of the process shares, and for test:///path/to/node.xml, whose state is
// private to each connection.
package test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/virt/uri"
	"github.com/govirt/govirt/virt/virterr"
)

// Name is the URI scheme the driver serves.
const Name = "test"

// The node libvirt's test driver describes when the node XML says nothing
// (defaultNodeInfo).
var defaultNodeInfo = nodeInfo{model: "i686", memory: 3 * 1024 * 1024, cpus: 16, mhz: 1400, nodes: 2, sockets: 2, cores: 2, threads: 2}

type nodeInfo struct {
	model                                     string
	memory                                    uint64
	cpus, mhz, nodes, sockets, cores, threads int32
}

// state is one test node: what test:///default shares between
// connections, or what one file-backed connection owns.
type state struct {
	mu      sync.Mutex
	node    nodeInfo
	domains []*domainObj // in definition order
	// byUUID, byName and byID index domains (see reindex).
	byUUID map[driver.UUID]*domainObj
	byName map[string]*domainObj
	byID   map[int32]*domainObj
	nextID int32
	events driver.EventBus
	refs   int

	// Networks, interfaces, pools, node devices and NUMA cells (host.go).
	hostObjs hostObjects
}

// shared holds test:///default's state while connections to it are open;
// the last close drops it, as libvirt's testDriverCloseInternal does.
var shared struct {
	mu sync.Mutex
	st *state
}

// Open serves test:///default and test:///<absolute path of a node XML>.
func Open(ctx context.Context, u *uri.URI, flags driver.OpenFlags) (*driver.Connection, error) {
	if u.Path == "" || u.Path == "/" {
		return nil, virterr.NewFrom(virterr.FromTest, virterr.InvalidArg, "testOpen: supply a path or use test:///default")
	}
	var st *state
	if u.Path == "/default" {
		shared.mu.Lock()
		if shared.st == nil {
			s, err := parseNode([]byte(defaultNode), "(test driver)", "")
			if err != nil {
				shared.mu.Unlock()
				return nil, err
			}
			shared.st = s
		}
		st = shared.st
		st.refs++
		shared.mu.Unlock()
	} else {
		data, err := os.ReadFile(u.Path)
		if err != nil {
			return nil, virterr.NewFrom(virterr.FromTest, virterr.SystemError, "failed to open file '%s': %s", u.Path, errnoText(err))
		}
		if st, err = parseNode(data, u.Path, filepath.Dir(u.Path)); err != nil {
			return nil, err
		}
		st.refs = 1
	}
	c := &conn{st: st, uri: u.String(), readOnly: flags&driver.OpenReadOnly != 0}
	return &driver.Connection{
		Hypervisor: c,
		Network:    networkDriver{c: c},
		Storage:    storageDriver{c: c},
		NodeDevice: nodeDeviceDriver{c: c},
		Interface:  interfaceDriver{c: c},
		Events:     c,
		Close:      c.close,
	}, nil
}

// conn is one connection; its methods serve the Hypervisor table.
type conn struct {
	driver.UnsupportedHypervisor
	st       *state
	uri      string
	readOnly bool
}

var (
	_ driver.Hypervisor = (*conn)(nil)
	_ driver.Events     = (*conn)(nil)
)

func (c *conn) close(ctx context.Context) error {
	c.st.events.DeregisterOwner(c)
	shared.mu.Lock()
	defer shared.mu.Unlock()
	c.st.refs--
	if c.st.refs == 0 && shared.st == c.st {
		shared.st = nil
	}
	return nil
}

// eventAPIs are the registration functions of each event kind, the error
// domain of the libvirt file that defines them, and their event ID limit
// (VIR_*_EVENT_ID_LAST).
var eventAPIs = map[driver.EventKind]struct {
	function string
	from     virterr.Domain
	last     int32
}{
	driver.EventDomain:      {"virConnectDomainEventRegisterAny", virterr.FromDomain, 27},
	driver.EventNetwork:     {"virConnectNetworkEventRegisterAny", virterr.FromNetwork, 1},
	driver.EventStoragePool: {"virConnectStoragePoolEventRegisterAny", virterr.FromStorage, 2},
	driver.EventNodeDevice:  {"virConnectNodeDeviceEventRegisterAny", virterr.FromNodedev, 2},
	driver.EventSecret:      {"virConnectSecretEventRegisterAny", virterr.FromSecret, 2},
}

var _ driver.EventStater = (*conn)(nil)

// EventState is the driver's event bus: the daemon numbers this
// driver's callback IDs with it, as libvirtd numbers them per event state.
func (c *conn) EventState() *driver.EventBus { return &c.st.events }

// EventRegister subscribes to the node's events; test:///default's
// connections see each other's changes. The test driver has no secret
// driver, so secret events are not supported.
func (c *conn) EventRegister(ctx context.Context, kind driver.EventKind, id int32, filter any, cb driver.EventCallback) (int32, error) {
	api, ok := eventAPIs[kind]
	if !ok {
		return -1, virterr.NoSupportFor("virConnectDomainEventRegisterAny")
	}
	if id < 0 || id >= api.last {
		return -1, virterr.InvalidArgument(api.from, api.function, "eventID",
			"eventID in %s must be less than %d", api.function, api.last)
	}
	if kind == driver.EventSecret {
		return -1, virterr.NoSupportFor(api.function).WithDomain(api.from)
	}
	return c.st.events.Register(c, kind, id, filter, cb)
}

// EventDeregister cancels a subscription of this connection.
func (c *conn) EventDeregister(ctx context.Context, callbackID int32) error {
	return c.st.events.Deregister(c, callbackID)
}

func errnoText(err error) string {
	if pe, ok := err.(*os.PathError); ok {
		err = pe.Err
	}
	s := err.Error()
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// parseNode reads a <node> document (testOpenParse): node info, then
// domains; networks, interfaces, pools and devices are read by the
// families that serve them. Elements with file='…' are read from that file,
// relative to dir.
func parseNode(data []byte, name, dir string) (*state, error) {
	root, err := xmltree.Parse(data, name)
	if err != nil {
		return nil, err
	}
	if root.Name != "node" {
		return nil, virterr.NewFrom(virterr.FromTest, virterr.XMLError, "Root element is not 'node'")
	}
	st := &state{node: defaultNodeInfo, nextID: 1, byUUID: map[driver.UUID]*domainObj{}, byName: map[string]*domainObj{}, byID: map[int32]*domainObj{}}
	if err := st.node.parse(root); err != nil {
		return nil, err
	}
	for _, n := range root.ChildrenNamed("domain") {
		n, err := fromFile(n, dir, "domain")
		if err != nil {
			return nil, err
		}
		if err := st.loadDomain(n, dir); err != nil {
			return nil, err
		}
	}
	if err := st.loadHostObjects(root, dir); err != nil {
		return nil, err
	}
	return st, nil
}

// fromFile follows an element's file='…' reference (testParseXMLDocFromFile).
func fromFile(n *xmltree.Node, dir, want string) (*xmltree.Node, error) {
	file, ok := n.Attr("file")
	if !ok {
		return n, nil
	}
	if !filepath.IsAbs(file) {
		file = filepath.Join(dir, file)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, virterr.NewFrom(virterr.FromTest, virterr.SystemError, "failed to open file '%s': %s", file, errnoText(err))
	}
	return xmltree.ParseRoot(data, file, want)
}

func (ni *nodeInfo) parse(root *xmltree.Node) error {
	cpu := root.Child("cpu")
	num := func(n *xmltree.Node, name, what string, set func(int64)) error {
		if n == nil {
			return nil
		}
		t, ok := n.ChildText(name)
		if !ok {
			return nil
		}
		v, err := strconv.ParseInt(strings.TrimSpace(t), 10, 64)
		if err != nil {
			return virterr.NewFrom(virterr.FromTest, virterr.XMLError, "invalid node %s value", what)
		}
		set(v)
		return nil
	}
	steps := []struct {
		n          *xmltree.Node
		name, what string
		set        func(int64)
	}{
		{cpu, "nodes", "cpu nodes", func(v int64) { ni.nodes = int32(v) }},
		{cpu, "sockets", "cpu sockets", func(v int64) { ni.sockets = int32(v) }},
		{cpu, "cores", "cpu cores", func(v int64) { ni.cores = int32(v) }},
		{cpu, "threads", "cpu threads", func(v int64) { ni.threads = int32(v) }},
	}
	for _, s := range steps {
		if err := num(s.n, s.name, s.what, s.set); err != nil {
			return err
		}
	}
	ni.cpus = ni.cores * ni.threads * ni.sockets * ni.nodes
	if err := num(cpu, "active", "cpu active", func(v int64) {
		if v < int64(ni.cpus) {
			ni.cpus = int32(v)
		}
	}); err != nil {
		return err
	}
	if err := num(cpu, "mhz", "cpu mhz", func(v int64) { ni.mhz = int32(v) }); err != nil {
		return err
	}
	if cpu != nil {
		if m, ok := cpu.ChildText("model"); ok {
			if len(m) >= 32 {
				return virterr.NewFrom(virterr.FromTest, virterr.InternalError, "Model %s too big for destination", m)
			}
			ni.model = m
		}
	}
	return num(root, "memory", "memory", func(v int64) { ni.memory = uint64(v) })
}

// testNamespace is the URI of the test driver's domain XML extensions
// (<test:runstate>, <test:transient>, <test:hasmanagedsave>).
const testNamespace = "http://libvirt.org/schemas/domain/test/1.0"

// nsOptions are the test-namespace settings of a node file's domain.
type nsOptions struct {
	runstate       int32
	transient      bool
	hasManagedSave bool
}

func parseNamespace(n *xmltree.Node) (nsOptions, error) {
	opts := nsOptions{runstate: stateRunning}
	prefix := ""
	for _, a := range n.Attrs {
		if strings.HasPrefix(a.Name, "xmlns:") && a.Value == testNamespace {
			prefix = strings.TrimPrefix(a.Name, "xmlns:") + ":"
		}
	}
	if prefix == "" {
		return opts, nil
	}
	opts.transient = n.Child(prefix+"transient") != nil
	opts.hasManagedSave = n.Child(prefix+"hasmanagedsave") != nil
	if t, ok := n.ChildText(prefix + "runstate"); ok {
		v, err := strconv.ParseUint(strings.TrimSpace(t), 10, 32)
		if err != nil {
			return opts, virterr.NewFrom(virterr.FromTest, virterr.XMLError, "invalid runstate")
		}
		if v > uint64(stateLast) {
			return opts, virterr.NewFrom(virterr.FromTest, virterr.XMLError, "runstate '%d' out of range'", v)
		}
		opts.runstate = int32(v)
	}
	if opts.transient && opts.runstate == stateShutoff {
		return opts, virterr.NewFrom(virterr.FromTest, virterr.XMLError, "transient domain cannot have runstate 'shutoff'")
	}
	if opts.hasManagedSave && opts.runstate != stateShutoff {
		return opts, virterr.NewFrom(virterr.FromTest, virterr.XMLError, "domain with managedsave data can only have runstate 'shutoff'")
	}
	return opts, nil
}

// loadDomain adds a domain of the node file (testParseDomains).
func (st *state) loadDomain(n *xmltree.Node, dir string) error {
	opts, err := parseNamespace(n)
	if err != nil {
		return err
	}
	def, err := domain.ParseNode(n, domain.ParseInactive)
	if err != nil {
		return err
	}
	if err := postParse(def); err != nil {
		return err
	}
	if def, err = generateIfnames(def); err != nil {
		return err
	}
	obj, _, err := st.add(def, false)
	if err != nil {
		return err
	}
	if err := st.loadSnapshots(obj, n, testPrefix(n), dir); err != nil {
		return err
	}
	obj.persistent = !opts.transient
	obj.hasManagedSave = opts.hasManagedSave
	if opts.runstate != stateShutoff {
		st.startState(obj, runningBooted)
	}
	obj.state, obj.reason = opts.runstate, 0
	return nil
}

// InMemoryReads tells the daemon that lookups, states and listings only
// read this driver's memory under its lock, so they may run inline on a
// client's reading goroutine (dispatch.InMemoryReads).
func (c *conn) InMemoryReads() bool { return true }
