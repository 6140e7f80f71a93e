package main

import (
	"sort"
	"strings"

	"github.com/govirt/govirt/virt"
	"github.com/govirt/govirt/virt/virterr"
)

// The "Interface" group (virsh-interface.c).
func init() {
	register(
		&cmdDef{name: "iface-begin", needsConn: true, run: cmdIfaceBegin},
		&cmdDef{name: "iface-bridge", needsConn: true, run: cmdIfaceBridge},
		&cmdDef{name: "iface-commit", needsConn: true, run: cmdIfaceCommit},
		&cmdDef{name: "iface-define", needsConn: true, run: cmdIfaceDefine},
		&cmdDef{name: "iface-destroy", needsConn: true, run: cmdIfaceDestroy},
		&cmdDef{name: "iface-dumpxml", needsConn: true, run: cmdIfaceDumpXML},
		&cmdDef{name: "iface-edit", needsConn: true, run: cmdIfaceEdit},
		&cmdDef{name: "iface-list", needsConn: true, run: cmdIfaceList},
		&cmdDef{name: "iface-mac", needsConn: true, run: cmdIfaceMAC},
		&cmdDef{name: "iface-name", needsConn: true, run: cmdIfaceName},
		&cmdDef{name: "iface-rollback", needsConn: true, run: cmdIfaceRollback},
		&cmdDef{name: "iface-start", needsConn: true, run: cmdIfaceStart},
		&cmdDef{name: "iface-unbridge", needsConn: true, run: cmdIfaceUnbridge},
		&cmdDef{name: "iface-undefine", needsConn: true, run: cmdIfaceUndefine},
	)
}

// Ways to name an interface (VIRSH_BYNAME, VIRSH_BYMAC).
const (
	ifaceByName = 1 << iota
	ifaceByMAC
)

// isMAC is virMacAddrParse's acceptance: six hex bytes of one or two
// digits separated by ':'.
func isMAC(s string) bool {
	parts := strings.Split(s, ":")
	if len(parts) != 6 {
		return false
	}
	for _, p := range parts {
		if len(p) == 0 || len(p) > 2 || !isHex(p[0]) || len(p) == 2 && !isHex(p[1]) {
			return false
		}
	}
	return true
}

// ifaceArg is virshCommandOptInterfaceBy: a word shaped like a MAC
// address is looked up by MAC, anything else by name.
func (c *ctl) ifaceArg(cmd *parsedCmd, opt string, by int) (*virt.Interface, string) {
	n, present, ok := c.strReq(cmd, opt)
	if !ok || !present {
		return nil, n
	}
	var iface *virt.Interface
	var err error
	mac := isMAC(n)
	if !mac && by&ifaceByName != 0 {
		iface, err = c.conn.LookupInterfaceByName(c.ctx, n)
	} else if mac && by&ifaceByMAC != 0 {
		iface, err = c.conn.LookupInterfaceByMACString(c.ctx, n)
	}
	if iface == nil {
		c.lastErr = err
		c.errorf("failed to get interface '%s'", n)
	}
	return iface, n
}

func cmdIfaceEdit(c *ctl, cmd *parsedCmd) bool {
	iface, _ := c.ifaceArg(cmd, "interface", ifaceByName|ifaceByMAC)
	if iface == nil {
		return false
	}
	edited := nullName("", false)
	return c.editLoop(editSpec{
		get: func() (string, error) { return iface.XMLDesc(c.ctx, virt.InterfaceXMLInactive) },
		define: func(xml string) error {
			n, err := c.conn.InterfaceDefineXML(c.ctx, xml, 0)
			if err == nil {
				edited = n.Name()
			}
			return err
		},
		notChanged: func() { c.printExtra("Interface %s XML configuration not changed.\n", iface.Name()) },
		edited:     func() { c.printExtra("Interface %s XML configuration edited.\n", edited) },
	})
}

// listInterfaces is virshInterfaceListCollect: ListAllInterfaces, or
// the older active/defined name lists when the driver lacks it.
func (c *ctl) listInterfaces(flags virt.ConnectListAllInterfacesFlags) ([]*virt.Interface, bool) {
	ifaces, err := c.conn.ListAllInterfaces(c.ctx, flags)
	if err != nil {
		if !isErrorCode(err, virterr.NoSupport) {
			c.lastErr = err
			c.errorf("Failed to list interfaces")
			return nil, false
		}
		var names []string
		if flags&virt.ConnectListInterfacesActive != 0 {
			active, err := c.conn.ListInterfaces(c.ctx)
			if err != nil {
				c.lastErr = err
				c.errorf("Failed to list active interfaces")
				return nil, false
			}
			names = append(names, active...)
		}
		if flags&virt.ConnectListInterfacesInactive != 0 {
			inactive, err := c.conn.ListDefinedInterfaces(c.ctx)
			if err != nil {
				c.lastErr = err
				c.errorf("Failed to list inactive interfaces")
				return nil, false
			}
			names = append(names, inactive...)
		}
		ifaces = nil
		for _, n := range names {
			if i, err := c.conn.LookupInterfaceByName(c.ctx, n); err == nil {
				ifaces = append(ifaces, i)
			}
		}
	}
	sort.SliceStable(ifaces, func(i, j int) bool {
		return strings.ToLower(ifaces[i].Name()) < strings.ToLower(ifaces[j].Name())
	})
	return ifaces, true
}

func cmdIfaceList(c *ctl, cmd *parsedCmd) bool {
	flags := virt.ConnectListInterfacesActive
	if cmd.bool("inactive") {
		flags = virt.ConnectListInterfacesInactive
	}
	if cmd.bool("all") {
		flags = virt.ConnectListInterfacesInactive | virt.ConnectListInterfacesActive
	}
	ifaces, ok := c.listInterfaces(flags)
	if !ok {
		return false
	}
	if c.json {
		out := []jsonKV{}
		for _, i := range ifaces {
			active, _ := i.IsActive(c.ctx)
			out = append(out, jsonKV{{"name", i.Name()}, {"active", active}, {"mac", i.MACString()}})
		}
		return c.jsonOut(out)
	}
	t := newTable("Name", "State", "MAC Address")
	for _, i := range ifaces {
		state := "inactive"
		if active, err := i.IsActive(c.ctx); err == nil && active {
			state = "active"
		}
		t.add(i.Name(), state, i.MACString())
	}
	c.printTable(t)
	return true
}

func cmdIfaceName(c *ctl, cmd *parsedCmd) bool {
	iface, _ := c.ifaceArg(cmd, "interface", ifaceByMAC)
	if iface == nil {
		return false
	}
	c.print("%s\n", iface.Name())
	return true
}

func cmdIfaceMAC(c *ctl, cmd *parsedCmd) bool {
	iface, _ := c.ifaceArg(cmd, "interface", ifaceByName)
	if iface == nil {
		return false
	}
	c.print("%s\n", iface.MACString())
	return true
}

func cmdIfaceDumpXML(c *ctl, cmd *parsedCmd) bool {
	var flags virt.InterfaceXMLFlags
	if cmd.bool("inactive") {
		flags |= virt.InterfaceXMLInactive
	}
	iface, _ := c.ifaceArg(cmd, "interface", ifaceByName|ifaceByMAC)
	if iface == nil {
		return false
	}
	xpath, ok := c.xpathOpt(cmd)
	if !ok {
		return false
	}
	xml, err := iface.XMLDesc(c.ctx, flags)
	if err != nil {
		return c.fail(err)
	}
	return c.dumpXML(xml, xpath, cmd.bool("wrap"))
}

func cmdIfaceDefine(c *ctl, cmd *parsedCmd) bool {
	from, xml, ok := c.fileArg(cmd, "file")
	if !ok {
		return false
	}
	var flags virt.InterfaceDefineFlags
	if cmd.bool("validate") {
		flags |= virt.InterfaceDefineValidate
	}
	iface, err := c.conn.InterfaceDefineXML(c.ctx, xml, flags)
	if err != nil {
		c.lastErr = err
		c.errorf("Failed to define interface from %s", from)
		return false
	}
	c.printExtra("Interface %s defined from %s\n", iface.Name(), from)
	return true
}

func cmdIfaceUndefine(c *ctl, cmd *parsedCmd) bool {
	iface, name := c.ifaceArg(cmd, "interface", ifaceByName|ifaceByMAC)
	if iface == nil {
		return false
	}
	if err := iface.Undefine(c.ctx); err != nil {
		c.lastErr = err
		c.errorf("Failed to undefine interface %s", name)
		return false
	}
	c.printExtra("Interface %s undefined\n", name)
	return true
}

func cmdIfaceStart(c *ctl, cmd *parsedCmd) bool {
	iface, name := c.ifaceArg(cmd, "interface", ifaceByName|ifaceByMAC)
	if iface == nil {
		return false
	}
	if err := iface.Create(c.ctx, 0); err != nil {
		c.lastErr = err
		c.errorf("Failed to start interface %s", name)
		return false
	}
	c.printExtra("Interface %s started\n", name)
	return true
}

func cmdIfaceDestroy(c *ctl, cmd *parsedCmd) bool {
	iface, name := c.ifaceArg(cmd, "interface", ifaceByName|ifaceByMAC)
	if iface == nil {
		return false
	}
	if err := iface.Destroy(c.ctx, 0); err != nil {
		c.lastErr = err
		c.errorf("Failed to destroy interface %s", name)
		return false
	}
	c.printExtra("Interface %s destroyed\n", name)
	// virsh 9.0's cmdInterfaceDestroy never sets its result on success.
	return false
}

func cmdIfaceBegin(c *ctl, cmd *parsedCmd) bool {
	if err := c.conn.InterfaceChangeBegin(c.ctx, 0); err != nil {
		c.lastErr = err
		c.errorf("Failed to begin network config change transaction")
		return false
	}
	c.printExtra("Network config change transaction started\n")
	return true
}

func cmdIfaceCommit(c *ctl, cmd *parsedCmd) bool {
	if err := c.conn.InterfaceChangeCommit(c.ctx, 0); err != nil {
		c.lastErr = err
		c.errorf("Failed to commit network config change transaction")
		return false
	}
	c.printExtra("Network config change transaction committed\n")
	return true
}

func cmdIfaceRollback(c *ctl, cmd *parsedCmd) bool {
	if err := c.conn.InterfaceChangeRollback(c.ctx, 0); err != nil {
		c.lastErr = err
		c.errorf("Failed to rollback network config change transaction")
		return false
	}
	c.printExtra("Network config change transaction rolled back\n")
	return true
}

// moveLinkElements moves <mac>, <bond> and <vlan> children from one
// <interface> element to another, as iface-bridge and iface-unbridge do.
func moveLinkElements(from, to *lxNode) {
	for _, k := range append([]*lxNode{}, from.children...) {
		if k.kind == lxElem && (k.name == "mac" || k.name == "bond" || k.name == "vlan") {
			from.removeChild(k)
			to.addChild(k)
		}
	}
}

func cmdIfaceBridge(c *ctl, cmd *parsedCmd) bool {
	ifHandle, ifName := c.ifaceArg(cmd, "interface", ifaceByName)
	if ifHandle == nil {
		return false
	}
	brName, _, ok := c.strReq(cmd, "bridge")
	if !ok {
		return false
	}
	if _, err := c.conn.LookupInterfaceByName(c.ctx, brName); err == nil {
		c.errorf("Network device %s already exists", brName)
		return false
	} else {
		// The failed lookup stays virsh's pending error.
		c.lastErr = err
	}
	stp := !cmd.bool("no-stp")
	delay, _, ok := c.uintOpt(cmd, "delay")
	if !ok {
		return false
	}
	nostart := cmd.bool("no-start")
	ifXML, err := ifHandle.XMLDesc(c.ctx, virt.InterfaceXMLInactive)
	if err != nil {
		return c.fail(err)
	}
	doc, err := lxParse(ifXML)
	if err != nil {
		c.errorf("Failed to parse configuration of %s", ifName)
		return false
	}
	top := doc.root()
	ifType, ok := top.attr("type")
	if !ok {
		c.errorf("Existing device %s has no type", ifName)
		return false
	}
	if ifType == "bridge" {
		c.errorf("Existing device %s is already a bridge", ifName)
		return false
	}
	if name2, ok := top.attr("name"); !ok || name2 != ifName {
		if !ok {
			name2 = "(null)"
		}
		c.errorf("Interface name from config %s doesn't match given supplied name %s", name2, ifName)
		return false
	}
	br := &lxNode{kind: lxElem, name: "bridge", local: "bridge"}
	top.addChild(br)
	if stp {
		br.setAttr("stp", "on")
		br.setAttr("delay", itoa(int(delay)))
	} else {
		br.setAttr("stp", "off")
	}
	top.setAttr("type", "bridge")
	top.setAttr("name", brName)
	inner := &lxNode{kind: lxElem, name: "interface", local: "interface"}
	br.addChild(inner)
	inner.setAttr("type", ifType)
	inner.setAttr("name", ifName)
	moveLinkElements(top, inner)
	brHandle, err := c.conn.InterfaceDefineXML(c.ctx, lxDumpDoc(doc), 0)
	if err != nil {
		c.lastErr = err
		c.errorf("Failed to define new bridge interface %s", brName)
		return false
	}
	c.printExtra("Created bridge %s with attached device %s\n", brName, ifName)
	if !nostart {
		if err := brHandle.Create(c.ctx, 0); err != nil {
			c.lastErr = err
			c.errorf("Failed to start bridge interface %s", brName)
			return false
		}
		c.printExtra("Bridge interface %s started\n", brName)
	}
	return true
}

func cmdIfaceUnbridge(c *ctl, cmd *parsedCmd) bool {
	brHandle, brName := c.ifaceArg(cmd, "bridge", ifaceByName)
	if brHandle == nil {
		return false
	}
	nostart := cmd.bool("no-start")
	brXML, err := brHandle.XMLDesc(c.ctx, virt.InterfaceXMLInactive)
	if err != nil {
		return c.fail(err)
	}
	doc, err := lxParse(brXML)
	if err != nil {
		c.errorf("Failed to parse configuration of %s", brName)
		return false
	}
	top := doc.root()
	typ, ok := top.attr("type")
	if !ok {
		c.errorf("Existing device %s has no type", brName)
		return false
	}
	if typ != "bridge" {
		c.errorf("Device %s is not a bridge", brName)
		return false
	}
	if name, ok := top.attr("name"); !ok || name != brName {
		if !ok {
			name = "(null)"
		}
		c.errorf("Interface name from config %s doesn't match given supplied name %s", name, brName)
		return false
	}
	var bridge *lxNode
	for _, k := range top.children {
		if k.kind == lxElem && k.name == "bridge" && bridge == nil {
			bridge = k
		}
	}
	if bridge == nil {
		c.errorf("No bridge node in xml document")
		return false
	}
	var attached []*lxNode
	for _, k := range bridge.children {
		if k.kind == lxElem && k.name == "interface" {
			attached = append(attached, k)
		}
	}
	if len(attached) > 1 {
		c.errorf("Multiple interfaces attached to bridge")
		return false
	}
	if len(attached) == 0 {
		c.errorf("No interface attached to bridge")
		return false
	}
	ifNode := attached[0]
	ifName, ok := ifNode.attr("name")
	if !ok {
		c.errorf("Device attached to bridge %s has no name", brName)
		return false
	}
	ifType, ok := ifNode.attr("type")
	if !ok {
		c.errorf("Attached device %s has no type", ifName)
		return false
	}
	top.setAttr("type", ifType)
	top.setAttr("name", ifName)
	moveLinkElements(ifNode, top)
	if err := brHandle.Destroy(c.ctx, 0); err != nil {
		c.lastErr = err
		c.errorf("Failed to destroy bridge interface %s", brName)
		return false
	}
	if err := brHandle.Undefine(c.ctx); err != nil {
		c.lastErr = err
		c.errorf("Failed to undefine bridge interface %s", brName)
		return false
	}
	ifHandle, err := c.conn.InterfaceDefineXML(c.ctx, lxDumpDoc(doc), 0)
	if err != nil {
		c.lastErr = err
		c.errorf("Failed to define new interface %s", ifName)
		return false
	}
	c.printExtra("Device %s un-attached from bridge %s\n", ifName, brName)
	if !nostart {
		if err := ifHandle.Create(c.ctx, 0); err != nil {
			c.lastErr = err
			c.errorf("Failed to start interface %s", ifName)
			return false
		}
		c.printExtra("Interface %s started\n", ifName)
	}
	return true
}
