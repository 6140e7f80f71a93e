package main

import (
	"sort"
	"strings"
	"time"

	"github.com/govirt/govirt/virt"
)

// The "Networking" group (virsh-network.c).
func init() {
	register(
		&cmdDef{name: "net-autostart", needsConn: true, run: cmdNetAutostart},
		&cmdDef{name: "net-create", needsConn: true, run: cmdNetCreate},
		&cmdDef{name: "net-define", needsConn: true, run: cmdNetDefine},
		&cmdDef{name: "net-destroy", needsConn: true, run: cmdNetDestroy},
		&cmdDef{name: "net-dhcp-leases", needsConn: true, run: cmdNetDHCPLeases},
		&cmdDef{name: "net-dumpxml", needsConn: true, run: cmdNetDumpXML},
		&cmdDef{name: "net-edit", needsConn: true, run: cmdNetEdit},
		&cmdDef{name: "net-event", needsConn: true, run: cmdNetEvent},
		&cmdDef{name: "net-info", needsConn: true, run: cmdNetInfo},
		&cmdDef{name: "net-list", needsConn: true, run: cmdNetList},
		&cmdDef{name: "net-name", needsConn: true, run: cmdNetName},
		&cmdDef{name: "net-start", needsConn: true, run: cmdNetStart},
		&cmdDef{name: "net-undefine", needsConn: true, run: cmdNetUndefine},
		&cmdDef{name: "net-update", needsConn: true, run: cmdNetUpdate},
		&cmdDef{name: "net-uuid", needsConn: true, run: cmdNetUUID},
		&cmdDef{name: "net-port-list", needsConn: true, run: cmdNetPortList},
		&cmdDef{name: "net-port-create", needsConn: true, run: cmdNetPortCreate},
		&cmdDef{name: "net-port-dumpxml", needsConn: true, run: cmdNetPortDumpXML},
		&cmdDef{name: "net-port-delete", needsConn: true, run: cmdNetPortDelete},
	)
}

// networkArg is virshCommandOptNetworkBy: by UUID when the word has a
// UUID's length, then by name.
func (c *ctl) networkArg(cmd *parsedCmd, opt string, by int) (*virt.Network, string) {
	name, present, ok := c.strReq(cmd, opt)
	if !ok || !present {
		return nil, name
	}
	var net *virt.Network
	var err error
	if by&byUUID != 0 && len(name) == 36 {
		net, err = c.conn.LookupNetworkByUUIDString(c.ctx, name)
	}
	if net == nil && by&byName != 0 {
		net, err = c.conn.LookupNetworkByName(c.ctx, name)
	}
	if net == nil {
		c.lastErr = err
		c.errorf("failed to get network '%s'", name)
	}
	return net, name
}

func ynStr(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func cmdNetAutostart(c *ctl, cmd *parsedCmd) bool {
	net, name := c.networkArg(cmd, "network", byUUID|byName)
	if net == nil {
		return false
	}
	autostart := !cmd.bool("disable")
	if err := net.SetAutostart(c.ctx, autostart); err != nil {
		if autostart {
			c.errorf("failed to mark network %s as autostarted", name)
		} else {
			c.errorf("failed to unmark network %s as autostarted", name)
		}
		return c.fail(err)
	}
	if autostart {
		c.printExtra("Network %s marked as autostarted\n", name)
	} else {
		c.printExtra("Network %s unmarked as autostarted\n", name)
	}
	return true
}

// fileArg reads the file an option names (vshCommandOptStringReq then
// virFileReadAll).
func (c *ctl) fileArg(cmd *parsedCmd, opt string) (string, string, bool) {
	from, _, ok := c.strReq(cmd, opt)
	if !ok {
		return "", "", false
	}
	data, err := readFile(from)
	if err != nil {
		c.lastErr = err
		return from, "", false
	}
	return from, string(data), true
}

func cmdNetCreate(c *ctl, cmd *parsedCmd) bool {
	from, xml, ok := c.fileArg(cmd, "file")
	if !ok {
		return false
	}
	var flags virt.NetworkCreateFlags
	if cmd.bool("validate") {
		flags |= virt.NetworkCreateValidate
	}
	net, err := c.conn.NetworkCreateXMLFlags(c.ctx, xml, flags)
	if err != nil {
		c.errorf("Failed to create network from %s", from)
		return c.fail(err)
	}
	c.printExtra("Network %s created from %s\n", net.Name(), from)
	return true
}

func cmdNetDefine(c *ctl, cmd *parsedCmd) bool {
	from, xml, ok := c.fileArg(cmd, "file")
	if !ok {
		return false
	}
	var flags virt.NetworkDefineFlags
	if cmd.bool("validate") {
		flags |= virt.NetworkDefineValidate
	}
	// virsh asks for virNetworkDefineXMLFlags only when it has a flag.
	var net *virt.Network
	var err error
	if flags != 0 {
		net, err = c.conn.NetworkDefineXMLFlags(c.ctx, xml, flags)
	} else {
		net, err = c.conn.NetworkDefineXML(c.ctx, xml)
	}
	if err != nil {
		c.errorf("Failed to define network from %s", from)
		return c.fail(err)
	}
	c.printExtra("Network %s defined from %s\n", net.Name(), from)
	return true
}

func cmdNetDestroy(c *ctl, cmd *parsedCmd) bool {
	net, name := c.networkArg(cmd, "network", byUUID|byName)
	if net == nil {
		return false
	}
	if err := net.Destroy(c.ctx); err != nil {
		c.errorf("Failed to destroy network %s", name)
		return c.fail(err)
	}
	c.printExtra("Network %s destroyed\n", name)
	return true
}

// leaseTime formats a lease expiry in local time as virsh does.
func leaseTime(unix int64) string {
	return time.Unix(unix, 0).Format("2006-01-02 15:04:05")
}

func dashIfEmpty(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func cmdNetDHCPLeases(c *ctl, cmd *parsedCmd) bool {
	mac, _, ok := c.strReq(cmd, "mac")
	if !ok {
		return false
	}
	net, name := c.networkArg(cmd, "network", byUUID|byName)
	if net == nil {
		return false
	}
	leases, err := net.DHCPLeases(c.ctx, mac, 0)
	if err != nil {
		c.errorf("Failed to get leases info for %s", name)
		return c.fail(err)
	}
	sort.SliceStable(leases, func(i, j int) bool {
		return strings.ToLower(leases[i].MAC) < strings.ToLower(leases[j].MAC)
	})
	if c.json {
		out := []jsonKV{}
		for _, l := range leases {
			typ := "ipv4"
			if l.Type == virt.IPAddrTypeIpv6 {
				typ = "ipv6"
			}
			out = append(out, jsonKV{{"expiry_time", l.ExpiryTime}, {"mac", l.MAC}, {"protocol", typ},
				{"ip_address", l.IPAddr}, {"prefix", l.Prefix}, {"hostname", l.Hostname}, {"client_id", l.ClientID},
				{"iaid", l.IAID}, {"interface", l.Iface}})
		}
		return c.jsonOut(out)
	}
	t := newTable("Expiry Time", "MAC address", "Protocol", "IP address", "Hostname", "Client ID or DUID")
	for _, l := range leases {
		typ := "-"
		switch l.Type {
		case virt.IPAddrTypeIpv4:
			typ = "ipv4"
		case virt.IPAddrTypeIpv6:
			typ = "ipv6"
		}
		t.add(leaseTime(l.ExpiryTime), dashIfEmpty(l.MAC), typ,
			l.IPAddr+"/"+itoa(int(l.Prefix)), dashIfEmpty(l.Hostname), dashIfEmpty(l.ClientID))
	}
	c.printTable(t)
	return true
}

// printTable is vshTablePrintToStdout: the header unless --quiet.
func (c *ctl) printTable(t *table) {
	c.print("%s", t.render(!c.quiet))
}

func cmdNetDumpXML(c *ctl, cmd *parsedCmd) bool {
	net, _ := c.networkArg(cmd, "network", byUUID|byName)
	if net == nil {
		return false
	}
	var flags virt.NetworkXMLFlags
	if cmd.bool("inactive") {
		flags |= virt.NetworkXMLInactive
	}
	xpath, ok := c.xpathOpt(cmd)
	if !ok {
		return false
	}
	xml, err := net.XMLDesc(c.ctx, flags)
	if err != nil {
		return c.fail(err)
	}
	return c.dumpXML(xml, xpath, cmd.bool("wrap"))
}

func cmdNetEdit(c *ctl, cmd *parsedCmd) bool {
	net, _ := c.networkArg(cmd, "network", byUUID|byName)
	if net == nil {
		return false
	}
	// virshNetworkGetXMLDesc: drivers that refuse the inactive flag
	// (the test driver) are asked again without it.
	flags := virt.NetworkXMLInactive
	if _, err := net.XMLDesc(c.ctx, flags); err != nil {
		if !isErrorCode(err, virt.ErrInvalidArg) {
			return c.fail(err)
		}
		flags = 0
	}
	edited := nullName("", false)
	return c.editLoop(editSpec{
		get: func() (string, error) { return net.XMLDesc(c.ctx, flags) },
		define: func(xml string) error {
			n, err := c.conn.NetworkDefineXML(c.ctx, xml)
			if err == nil {
				edited = n.Name()
			}
			return err
		},
		notChanged: func() { c.printExtra("Network %s XML configuration not changed.\n", net.Name()) },
		edited:     func() { c.printExtra("Network %s XML configuration edited.\n", edited) },
	})
}

var networkEventStrings = []string{"Defined", "Undefined", "Started", "Stopped"}

func cmdNetEvent(c *ctl, cmd *parsedCmd) bool {
	if cmd.bool("list") {
		c.print("lifecycle\n")
		return true
	}
	event, _, ok := c.strReq(cmd, "event")
	if !ok {
		return false
	}
	if event == "" {
		c.errorf("either --list or --event <type> is required")
		return false
	}
	if event != "lifecycle" {
		c.errorf("unknown event type %s", event)
		return false
	}
	timeout, ok := c.timeoutOpt(cmd)
	if !ok {
		return false
	}
	var net *virt.Network
	if cmd.has("network") {
		if net, _ = c.networkArg(cmd, "network", byUUID|byName); net == nil {
			return false
		}
	}
	w := c.newEventWait(cmd.bool("loop"), cmd.bool("timestamp"))
	id, err := c.conn.NetworkEventLifecycleRegister(c.ctx, net, func(_ *virt.Conn, e *virt.NetworkEventLifecycle) {
		w.emit("event 'lifecycle' for network %s: %s\n", e.Network.Name(), enumString(networkEventStrings, int(e.Event)))
	})
	if err != nil {
		return c.fail(err)
	}
	defer c.conn.NetworkEventDeregisterAny(c.ctx, id)
	return w.wait(timeout)
}

// enumString is virsh's NULLSTR(…TypeToString) with its "unknown".
func enumString(names []string, v int) string {
	if v >= 0 && v < len(names) {
		return names[v]
	}
	return "unknown"
}

func cmdNetInfo(c *ctl, cmd *parsedCmd) bool {
	net, _ := c.networkArg(cmd, "network", byUUID|byName)
	if net == nil {
		return false
	}
	active, errActive := net.IsActive(c.ctx)
	persistent, errPersistent := net.IsPersistent(c.ctx)
	autostart, errAutostart := net.Autostart(c.ctx)
	bridge, errBridge := net.BridgeName(c.ctx)
	if c.json {
		kv := jsonKV{{"name", net.Name()}, {"uuid", net.UUIDString()}}
		if errActive == nil {
			kv = append(kv, jsonField{"active", active})
		}
		if errPersistent == nil {
			kv = append(kv, jsonField{"persistent", persistent})
		}
		if errAutostart == nil {
			kv = append(kv, jsonField{"autostart", autostart})
		}
		if errBridge == nil {
			kv = append(kv, jsonField{"bridge", bridge})
		}
		return c.jsonOut(kv)
	}
	c.print("%-15s %s\n", "Name:", net.Name())
	c.print("%-15s %s\n", "UUID:", net.UUIDString())
	if errActive == nil {
		c.print("%-15s %s\n", "Active:", ynStr(active))
	}
	if errPersistent != nil {
		c.print("%-15s %s\n", "Persistent:", "unknown")
	} else {
		c.print("%-15s %s\n", "Persistent:", ynStr(persistent))
	}
	if errAutostart != nil {
		c.print("%-15s %s\n", "Autostart:", "no autostart")
	} else {
		c.print("%-15s %s\n", "Autostart:", ynStr(autostart))
	}
	if errBridge == nil {
		c.print("%-15s %s\n", "Bridge:", bridge)
	}
	return true
}

func cmdNetList(c *ctl, cmd *parsedCmd) bool {
	optName, optTable, optUUID := cmd.bool("name"), cmd.bool("table"), cmd.bool("uuid")
	flags := virt.ConnectListNetworksActive
	if cmd.bool("inactive") {
		flags = virt.ConnectListNetworksInactive
	}
	if cmd.bool("all") {
		flags = virt.ConnectListNetworksActive | virt.ConnectListNetworksInactive
	}
	for _, f := range []struct {
		opt  string
		flag virt.ConnectListAllNetworksFlags
	}{{"persistent", virt.ConnectListNetworksPersistent}, {"transient", virt.ConnectListNetworksTransient},
		{"autostart", virt.ConnectListNetworksAutostart}, {"no-autostart", virt.ConnectListNetworksNoAutostart}} {
		if cmd.bool(f.opt) {
			flags |= f.flag
		}
	}
	if b2i(optTable)+b2i(optName)+b2i(optUUID) > 1 {
		c.errorf("Only one argument from --table, --name and --uuid may be specified.")
		return false
	}
	if !optUUID && !optName {
		optTable = true
	}
	nets, err := c.conn.ListAllNetworks(c.ctx, flags)
	if err != nil {
		c.errorf("Failed to list networks")
		return c.fail(err)
	}
	sort.SliceStable(nets, func(i, j int) bool { return strings.ToLower(nets[i].Name()) < strings.ToLower(nets[j].Name()) })
	if c.json {
		out := []jsonKV{}
		for _, n := range nets {
			active, _ := n.IsActive(c.ctx)
			persistent, _ := n.IsPersistent(c.ctx)
			autostart, _ := n.Autostart(c.ctx)
			out = append(out, jsonKV{{"name", n.Name()}, {"uuid", n.UUIDString()}, {"active", active},
				{"autostart", autostart}, {"persistent", persistent}})
		}
		return c.jsonOut(out)
	}
	var t *table
	if optTable {
		t = newTable("Name", "State", "Autostart", "Persistent")
	}
	for _, n := range nets {
		switch {
		case optTable:
			autostart := "no autostart"
			if a, err := n.Autostart(c.ctx); err == nil {
				autostart = ynStr(a)
			}
			active, _ := n.IsActive(c.ctx)
			state := "inactive"
			if active {
				state = "active"
			}
			persistent, _ := n.IsPersistent(c.ctx)
			t.add(n.Name(), state, autostart, ynStr(persistent))
		case optUUID:
			c.print("%s\n", n.UUIDString())
		default:
			c.print("%s\n", n.Name())
		}
	}
	if optTable {
		c.printTable(t)
	}
	return true
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func cmdNetName(c *ctl, cmd *parsedCmd) bool {
	net, _ := c.networkArg(cmd, "network", byUUID)
	if net == nil {
		return false
	}
	c.print("%s\n", net.Name())
	return true
}

func cmdNetStart(c *ctl, cmd *parsedCmd) bool {
	net, _ := c.networkArg(cmd, "network", byUUID|byName)
	if net == nil {
		return false
	}
	if err := net.Create(c.ctx); err != nil {
		c.errorf("Failed to start network %s", net.Name())
		return c.fail(err)
	}
	c.printExtra("Network %s started\n", net.Name())
	return true
}

func cmdNetUndefine(c *ctl, cmd *parsedCmd) bool {
	net, name := c.networkArg(cmd, "network", byUUID|byName)
	if net == nil {
		return false
	}
	if err := net.Undefine(c.ctx); err != nil {
		c.errorf("Failed to undefine network %s", name)
		return c.fail(err)
	}
	c.printExtra("Network %s has been undefined\n", name)
	return true
}

var (
	netUpdateCommands = []string{"none", "modify", "delete", "add-last", "add-first"}
	netUpdateSections = []string{"none", "bridge", "domain", "ip", "ip-dhcp-host", "ip-dhcp-range", "forward",
		"forward-interface", "forward-pf", "portgroup", "dns-host", "dns-txt", "dns-srv"}
)

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

func cmdNetUpdate(c *ctl, cmd *parsedCmd) bool {
	current, config, live := cmd.bool("current"), cmd.bool("config"), cmd.bool("live")
	if !c.exclusive(cmd, "current", "live") || !c.exclusive(cmd, "current", "config") {
		return false
	}
	net, _ := c.networkArg(cmd, "network", byUUID|byName)
	if net == nil {
		return false
	}
	_ = current
	commandStr, _, ok := c.strReq(cmd, "command")
	if !ok {
		return false
	}
	var command virt.NetworkUpdateCommand
	if commandStr == "add" {
		command = virt.NetworkUpdateCommandAddLast
	} else if i := indexOf(netUpdateCommands, commandStr); i > 0 {
		command = virt.NetworkUpdateCommand(i)
	} else {
		c.errorf("unrecognized command name '%s'", commandStr)
		return false
	}
	sectionStr, _, ok := c.strReq(cmd, "section")
	if !ok {
		return false
	}
	section := indexOf(netUpdateSections, sectionStr)
	if section <= 0 {
		c.errorf("unrecognized section name '%s'", sectionStr)
		return false
	}
	parent := -1
	if v, present, ok := c.intOpt(cmd, "parent-index"); !ok {
		return false
	} else if present {
		parent = v
	}
	xml, _, ok := c.strReq(cmd, "xml")
	if !ok {
		return false
	}
	if !strings.HasPrefix(xml, "<") {
		data, err := readFile(xml)
		if err != nil {
			return c.fail(err)
		}
		xml = string(data)
	}
	var flags virt.NetworkUpdateFlags
	if config {
		flags |= virt.NetworkUpdateAffectConfig
	}
	if live {
		flags |= virt.NetworkUpdateAffectLive
	}
	if err := net.Update(c.ctx, command, virt.NetworkUpdateSection(section), parent, xml, flags); err != nil {
		c.errorf("Failed to update network %s", net.Name())
		return c.fail(err)
	}
	var affected string
	switch {
	case config && live:
		affected = "persistent config and live state"
	case config:
		affected = "persistent config"
	case live:
		affected = "live state"
	default:
		// virsh names what --current resolved to, in the same words.
		if a, _ := net.IsActive(c.ctx); a {
			affected = "live state"
		} else {
			affected = "persistent config"
		}
	}
	c.printExtra("Updated network %s %s", net.Name(), affected)
	return true
}

func cmdNetUUID(c *ctl, cmd *parsedCmd) bool {
	net, _ := c.networkArg(cmd, "network", byName)
	if net == nil {
		return false
	}
	c.print("%s\n", net.UUIDString())
	return true
}

// portArg is virshCommandOptNetworkPort.
func (c *ctl) portArg(cmd *parsedCmd, net *virt.Network) *virt.NetworkPort {
	id, _, ok := c.strReq(cmd, "port")
	if !ok {
		return nil
	}
	port, err := net.PortLookupByUUIDString(c.ctx, id)
	if err != nil {
		c.lastErr = err
		c.errorf("failed to get network port '%s'", id)
		return nil
	}
	return port
}

func cmdNetPortList(c *ctl, cmd *parsedCmd) bool {
	optTable, optUUID := cmd.bool("table"), cmd.bool("uuid")
	if optTable && optUUID {
		c.errorf("Only one argument from --table and --uuid may be specified.")
		return false
	}
	if !optUUID {
		optTable = true
	}
	net, _ := c.networkArg(cmd, "network", byUUID|byName)
	if net == nil {
		return false
	}
	ports, err := net.ListAllPorts(c.ctx)
	if err != nil {
		return c.fail(err)
	}
	sort.SliceStable(ports, func(i, j int) bool { return ports[i].UUIDString() < ports[j].UUIDString() })
	if c.json {
		out := []jsonKV{}
		for _, p := range ports {
			out = append(out, jsonKV{{"uuid", p.UUIDString()}})
		}
		return c.jsonOut(out)
	}
	t := newTable("UUID")
	for _, p := range ports {
		if optTable {
			t.add(p.UUIDString())
		} else {
			c.print("%s\n", p.UUIDString())
		}
	}
	if optTable {
		c.printTable(t)
	}
	return true
}

func cmdNetPortCreate(c *ctl, cmd *parsedCmd) bool {
	net, _ := c.networkArg(cmd, "network", byUUID|byName)
	if net == nil {
		return false
	}
	from, xml, ok := c.fileArg(cmd, "file")
	if !ok {
		return false
	}
	var flags virt.NetworkPortCreateFlags
	if cmd.bool("validate") {
		flags |= virt.NetworkPortCreateValidate
	}
	port, err := net.PortCreateXML(c.ctx, xml, flags)
	if err != nil {
		c.errorf("Failed to create network from %s", from)
		return c.fail(err)
	}
	c.printExtra("Network port %s created from %s\n", port.UUIDString(), from)
	return true
}

func cmdNetPortDumpXML(c *ctl, cmd *parsedCmd) bool {
	// virsh 9.0 reports a failed lookup here yet succeeds, leaving the
	// driver's error unsaid.
	net, _ := c.networkArg(cmd, "network", byUUID|byName)
	if net == nil {
		c.lastErr = nil
		return true
	}
	port := c.portArg(cmd, net)
	if port == nil {
		c.lastErr = nil
		return true
	}
	xpath, ok := c.xpathOpt(cmd)
	if !ok {
		return false
	}
	xml, err := port.XMLDesc(c.ctx)
	if err != nil {
		return c.fail(err)
	}
	return c.dumpXML(xml, xpath, cmd.bool("wrap"))
}

func cmdNetPortDelete(c *ctl, cmd *parsedCmd) bool {
	// virsh 9.0 reports a failed lookup here yet succeeds, leaving the
	// driver's error unsaid.
	net, _ := c.networkArg(cmd, "network", byUUID|byName)
	if net == nil {
		c.lastErr = nil
		return true
	}
	port := c.portArg(cmd, net)
	if port == nil {
		c.lastErr = nil
		return true
	}
	id := port.UUIDString()
	if err := port.Delete(c.ctx, 0); err != nil {
		c.errorf("Failed to delete network port %s", id)
		return c.fail(err)
	}
	c.printExtra("Network port %s deleted\n", id)
	return true
}
