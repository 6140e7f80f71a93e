package main

import (
	"sort"
	"strings"

	"github.com/govirt/govirt/virt"
	"github.com/govirt/govirt/virt/virterr"
)

// The "Node Device" group (virsh-nodedev.c).
func init() {
	register(
		&cmdDef{name: "nodedev-autostart", needsConn: true, run: cmdNodeDevAutostart},
		&cmdDef{name: "nodedev-create", needsConn: true, run: cmdNodeDevCreate},
		&cmdDef{name: "nodedev-define", needsConn: true, run: cmdNodeDevDefine},
		&cmdDef{name: "nodedev-destroy", needsConn: true, run: cmdNodeDevDestroy},
		&cmdDef{name: "nodedev-detach", needsConn: true, run: cmdNodeDevDetach},
		&cmdDef{name: "nodedev-dumpxml", needsConn: true, run: cmdNodeDevDumpXML},
		&cmdDef{name: "nodedev-event", needsConn: true, run: cmdNodeDevEvent},
		&cmdDef{name: "nodedev-info", needsConn: true, run: cmdNodeDevInfo},
		&cmdDef{name: "nodedev-list", needsConn: true, run: cmdNodeDevList},
		&cmdDef{name: "nodedev-reattach", needsConn: true, run: cmdNodeDevReAttach},
		&cmdDef{name: "nodedev-reset", needsConn: true, run: cmdNodeDevReset},
		&cmdDef{name: "nodedev-start", needsConn: true, run: cmdNodeDevStart},
		&cmdDef{name: "nodedev-undefine", needsConn: true, run: cmdNodeDevUndefine},
	)
}

// validWWN is virValidateWWN: 16 hex digits, maybe after "0x".
func validWWN(wwn string) bool {
	p := strings.TrimPrefix(wwn, "0x")
	if len(p) != 16 {
		return false
	}
	for i := 0; i < len(p); i++ {
		if !isHex(p[i]) {
			return false
		}
	}
	return true
}

func isHex(b byte) bool { return b >= '0' && b <= '9' || b >= 'a' && b <= 'f' || b >= 'A' && b <= 'F' }

// findNodeDevice is vshFindNodeDevice: a "wwnn,wwpn" pair names a SCSI
// host, anything else a device name.
func (c *ctl) findNodeDevice(value string) *virt.NodeDevice {
	var dev *virt.NodeDevice
	var err error
	if strings.Contains(value, ",") {
		arr := splitCommas(value)
		if len(arr) != 2 {
			c.errorf("Malformed device value '%s'", value)
			return nil
		}
		for _, w := range arr {
			if !validWWN(w) {
				c.lastErr = virterr.New(virterr.InternalError, "Malformed wwn: %s", w)
				return nil
			}
		}
		dev, err = c.conn.LookupNodeDeviceSCSIHostByWWN(c.ctx, arr[0], arr[1], 0)
	} else {
		dev, err = c.conn.LookupNodeDeviceByName(c.ctx, value)
	}
	if dev == nil {
		c.lastErr = err
		c.errorf("Could not find matching device '%s'", value)
	}
	return dev
}

// nodeDeviceByName is the plain virNodeDeviceLookupByName some commands use.
func (c *ctl) nodeDeviceByName(name string) *virt.NodeDevice {
	dev, err := c.conn.LookupNodeDeviceByName(c.ctx, name)
	if err != nil {
		c.lastErr = err
		c.errorf("Could not find matching device '%s'", name)
		return nil
	}
	return dev
}

func cmdNodeDevCreate(c *ctl, cmd *parsedCmd) bool {
	from, xml, ok := c.fileArg(cmd, "file")
	if !ok {
		return false
	}
	var flags virt.NodeDeviceCreateXMLFlags
	if cmd.bool("validate") {
		flags |= virt.NodeDeviceCreateXMLValidate
	}
	dev, err := c.conn.NodeDeviceCreateXML(c.ctx, xml, flags)
	if err != nil {
		c.lastErr = err
		c.errorf("Failed to create node device from %s", from)
		return false
	}
	c.printExtra("Node device %s created from %s\n", dev.Name(), from)
	return true
}

func cmdNodeDevDefine(c *ctl, cmd *parsedCmd) bool {
	from, xml, ok := c.fileArg(cmd, "file")
	if !ok {
		return false
	}
	var flags virt.NodeDeviceDefineXMLFlags
	if cmd.bool("validate") {
		flags |= virt.NodeDeviceDefineXMLValidate
	}
	dev, err := c.conn.NodeDeviceDefineXML(c.ctx, xml, flags)
	if err != nil {
		c.lastErr = err
		c.errorf("Failed to define node device from '%s'", from)
		return false
	}
	c.printExtra("Node device '%s' defined from '%s'\n", dev.Name(), from)
	return true
}

func cmdNodeDevDestroy(c *ctl, cmd *parsedCmd) bool {
	value, _, ok := c.strReq(cmd, "device")
	if !ok {
		return false
	}
	dev := c.findNodeDevice(value)
	if dev == nil {
		return false
	}
	if err := dev.Destroy(c.ctx); err != nil {
		c.lastErr = err
		c.errorf("Failed to destroy node device '%s'", value)
		return false
	}
	c.printExtra("Destroyed node device '%s'\n", value)
	return true
}

func cmdNodeDevUndefine(c *ctl, cmd *parsedCmd) bool {
	value, _, ok := c.strReq(cmd, "device")
	if !ok {
		return false
	}
	dev := c.findNodeDevice(value)
	if dev == nil {
		return false
	}
	if err := dev.Undefine(c.ctx, 0); err != nil {
		c.lastErr = err
		c.errorf("Failed to undefine node device '%s'", value)
		return false
	}
	c.printExtra("Undefined node device '%s'\n", value)
	return true
}

func cmdNodeDevStart(c *ctl, cmd *parsedCmd) bool {
	name, _, ok := c.strReq(cmd, "device")
	if !ok {
		return false
	}
	dev := c.nodeDeviceByName(name)
	if dev == nil {
		return false
	}
	if err := dev.Create(c.ctx, 0); err != nil {
		c.lastErr = err
		c.errorf("Failed to start device %s", name)
		return false
	}
	c.printExtra("Device %s started\n", name)
	return true
}

func cmdNodeDevAutostart(c *ctl, cmd *parsedCmd) bool {
	name, _, ok := c.strReq(cmd, "device")
	if !ok {
		return false
	}
	dev := c.findNodeDevice(name)
	if dev == nil {
		return false
	}
	autostart := !cmd.bool("disable")
	if err := dev.SetAutostart(c.ctx, autostart); err != nil {
		c.lastErr = err
		if autostart {
			c.errorf("failed to mark device %s as autostarted", name)
		} else {
			c.errorf("failed to unmark device %s as autostarted", name)
		}
		return false
	}
	if autostart {
		c.printExtra("Device %s marked as autostarted\n", name)
	} else {
		c.printExtra("Device %s unmarked as autostarted\n", name)
	}
	return true
}

func cmdNodeDevDumpXML(c *ctl, cmd *parsedCmd) bool {
	value, _, ok := c.strReq(cmd, "device")
	if !ok {
		return false
	}
	xpath, ok := c.xpathOpt(cmd)
	if !ok {
		return false
	}
	dev := c.findNodeDevice(value)
	if dev == nil {
		return false
	}
	xml, err := dev.XMLDesc(c.ctx)
	if err != nil {
		return c.fail(err)
	}
	return c.dumpXML(xml, xpath, cmd.bool("wrap"))
}

func cmdNodeDevInfo(c *ctl, cmd *parsedCmd) bool {
	value, _, ok := c.strReq(cmd, "device")
	if !ok {
		return false
	}
	dev := c.findNodeDevice(value)
	if dev == nil {
		return false
	}
	parent, _ := dev.Parent(c.ctx)
	active, errActive := dev.IsActive(c.ctx)
	persistent, errPersistent := dev.IsPersistent(c.ctx)
	autostart, errAutostart := dev.Autostart(c.ctx)
	if c.json {
		kv := jsonKV{{"name", dev.Name()}, {"parent", parent}}
		if errActive == nil {
			kv = append(kv, jsonField{"active", active})
		}
		if errPersistent == nil {
			kv = append(kv, jsonField{"persistent", persistent})
		}
		if errAutostart == nil {
			kv = append(kv, jsonField{"autostart", autostart})
		}
		return c.jsonOut(kv)
	}
	c.print("%-15s %s\n", "Name:", dev.Name())
	c.print("%-15s %s\n", "Parent:", parent)
	// virsh tests virNodeDeviceIsActive/IsPersistent as booleans, so a
	// failed call (-1) reads as "yes".
	c.print("%-15s %s\n", "Active:", ynStr(active || errActive != nil))
	c.print("%-15s %s\n", "Persistent:", ynStr(persistent || errPersistent != nil))
	c.print("%-15s %s\n", "Autostart:", yesNoErr(autostart, errAutostart, "no autostart"))
	return true
}

// yesNoErr prints a boolean answer, or what virsh prints when the call failed.
func yesNoErr(v bool, err error, failed string) string {
	if err != nil {
		return failed
	}
	return ynStr(v)
}

func cmdNodeDevDetach(c *ctl, cmd *parsedCmd) bool {
	name, _, ok := c.strReq(cmd, "device")
	if !ok {
		return false
	}
	driverName, _ := cmd.str("driver")
	dev := c.nodeDeviceByName(name)
	if dev == nil {
		return false
	}
	var err error
	if driverName != "" {
		err = dev.Detach(c.ctx, driverName, 0)
	} else {
		err = dev.Dettach(c.ctx)
	}
	if err != nil {
		c.lastErr = err
		c.errorf("Failed to detach device %s", name)
		return false
	}
	c.printExtra("Device %s detached\n", name)
	return true
}

func cmdNodeDevReAttach(c *ctl, cmd *parsedCmd) bool {
	name, _, ok := c.strReq(cmd, "device")
	if !ok {
		return false
	}
	dev := c.nodeDeviceByName(name)
	if dev == nil {
		return false
	}
	if err := dev.ReAttach(c.ctx); err != nil {
		c.lastErr = err
		c.errorf("Failed to re-attach device %s", name)
		return false
	}
	c.printExtra("Device %s re-attached\n", name)
	return true
}

func cmdNodeDevReset(c *ctl, cmd *parsedCmd) bool {
	name, _, ok := c.strReq(cmd, "device")
	if !ok {
		return false
	}
	dev := c.nodeDeviceByName(name)
	if dev == nil {
		return false
	}
	if err := dev.Reset(c.ctx); err != nil {
		c.lastErr = err
		c.errorf("Failed to reset device %s", name)
		return false
	}
	c.printExtra("Device %s reset\n", name)
	return true
}

// nodeDevCapNames are virNodeDevCapType's strings; capability i selects
// list flag 1<<i.
var nodeDevCapNames = []string{"system", "pci", "usb_device", "usb", "net", "scsi_host", "scsi_target",
	"scsi", "storage", "fc_host", "vports", "scsi_generic", "drm", "mdev_types", "mdev", "ccw", "css",
	"vdpa", "ap_card", "ap_queue", "ap_matrix", "vpd"}

// listNodeDevices is virshNodeDeviceListCollect: ListAllNodeDevices, or
// the older calls filtered here when the driver lacks it.
func (c *ctl) listNodeDevices(caps []string, flags virt.ConnectListAllNodeDeviceFlags) ([]*virt.NodeDevice, bool) {
	devs, err := c.conn.ListAllNodeDevices(c.ctx, flags)
	if err != nil {
		if !isErrorCode(err, virterr.NoSupport) {
			c.lastErr = err
			c.errorf("Failed to list node devices")
			return nil, false
		}
		n, err := c.conn.NumOfNodeDevices(c.ctx, "", 0)
		if err != nil {
			c.lastErr = err
			c.errorf("Failed to count node devices")
			return nil, false
		}
		if n == 0 {
			return nil, true
		}
		names, err := c.conn.ListNodeDevices(c.ctx, "", 0)
		if err != nil {
			c.lastErr = err
			c.errorf("Failed to list node devices")
			return nil, false
		}
		devs = nil
		for _, name := range names {
			dev, err := c.conn.LookupNodeDeviceByName(c.ctx, name)
			if err != nil {
				continue
			}
			if len(caps) > 0 {
				have, err := dev.ListCaps(c.ctx)
				if err != nil {
					c.lastErr = err
					c.errorf("Failed to get capability names of the device")
					return nil, false
				}
				match := false
				for _, h := range have {
					for _, want := range caps {
						match = match || h == want
					}
				}
				if !match {
					continue
				}
			}
			devs = append(devs, dev)
		}
	}
	sort.SliceStable(devs, func(i, j int) bool { return strings.ToLower(devs[i].Name()) < strings.ToLower(devs[j].Name()) })
	return devs, true
}

func cmdNodeDevList(c *ctl, cmd *parsedCmd) bool {
	tree, inactive, all := cmd.bool("tree"), cmd.bool("inactive"), cmd.bool("all")
	capStr, _ := cmd.str("cap")
	var caps []string
	if capStr != "" {
		caps = splitCommas(capStr)
	}
	if inactive && all {
		c.errorf("Option --all is incompatible with --inactive")
		return false
	}
	if tree && (capStr != "" || inactive) {
		c.errorf("Option --tree is incompatible with --cap and --inactive")
		return false
	}
	var flags virt.ConnectListAllNodeDeviceFlags
	for _, name := range caps {
		idx := -1
		for i, n := range nodeDevCapNames {
			if n == name {
				idx = i
			}
		}
		if idx < 0 {
			c.errorf("Invalid capability type")
			return false
		}
		flags |= 1 << idx
	}
	if inactive {
		flags |= virt.ConnectListNodeDevicesInactive
	} else if !all {
		flags |= virt.ConnectListNodeDevicesActive
	}
	devs, ok := c.listNodeDevices(caps, flags)
	if !ok {
		return false
	}
	if c.json {
		out := []jsonKV{}
		for _, d := range devs {
			parent, _ := d.Parent(c.ctx)
			devCaps, _ := d.ListCaps(c.ctx)
			if devCaps == nil {
				devCaps = []string{}
			}
			out = append(out, jsonKV{{"name", d.Name()}, {"parent", parent}, {"capabilities", devCaps}})
		}
		return c.jsonOut(out)
	}
	if !tree {
		for _, d := range devs {
			c.print("%s\n", d.Name())
		}
		return true
	}
	names := make([]string, len(devs))
	parents := make([]string, len(devs))
	hasParent := make([]bool, len(devs))
	for i, d := range devs {
		names[i] = d.Name()
	}
	for i, d := range devs {
		if names[i] != "computer" {
			if p, err := d.Parent(c.ctx); err == nil && p != "" {
				parents[i], hasParent[i] = p, true
			}
		}
	}
	for i := range devs {
		if !hasParent[i] {
			c.printTree(names, parents, hasParent, i, i, true, "")
		}
	}
	return true
}

// printTree is vshTreePrintInternal: a device, then its children joined
// by "+- " branches.
func (c *ctl) printTree(names, parents []string, hasParent []bool, devid, lastdev int, root bool, indent string) string {
	dev := names[devid]
	if root {
		c.print("%s%s\n", indent, dev)
	} else {
		c.print("%s+- %s\n", indent, dev)
		if devid == lastdev {
			indent += "  "
		} else {
			indent += "| "
		}
	}
	next := -1
	for i := range names {
		if hasParent[i] && parents[i] == dev {
			next = i
		}
	}
	if next != -1 {
		c.print("%s  |\n", indent)
	}
	child := indent + "  "
	for i := range names {
		if hasParent[i] && parents[i] == dev {
			c.printTree(names, parents, hasParent, i, next, false, child)
		}
	}
	if next == -1 && devid == lastdev {
		c.print("%s\n", indent)
	}
	return indent
}

var nodeDevEventNames = []string{"lifecycle", "update"}
var nodeDevEventStrings = []string{"Created", "Deleted", "Defined", "Undefined"}

func cmdNodeDevEvent(c *ctl, cmd *parsedCmd) bool {
	if cmd.bool("list") {
		for _, n := range nodeDevEventNames {
			c.print("%s\n", n)
		}
		return true
	}
	event, present, ok := c.strReq(cmd, "event")
	if !ok {
		return false
	}
	if !present {
		c.errorf("either --list or --event <type> is required")
		return false
	}
	id := -1
	for i, n := range nodeDevEventNames {
		if n == event {
			id = i
		}
	}
	if id < 0 {
		c.errorf("unknown event type %s", event)
		return false
	}
	timeout, ok := c.timeoutOpt(cmd)
	if !ok {
		return false
	}
	name, hasDev, ok := c.strReq(cmd, "device")
	if !ok {
		return false
	}
	var dev *virt.NodeDevice
	if hasDev {
		if dev = c.nodeDeviceByName(name); dev == nil {
			return false
		}
	}
	w := c.newEventWait(cmd.bool("loop"), cmd.bool("timestamp"))
	var cbID int
	var err error
	if id == 0 {
		cbID, err = c.conn.NodeDeviceEventLifecycleRegister(c.ctx, dev, func(_ *virt.Conn, e *virt.NodeDeviceEventLifecycle) {
			w.emit("event 'lifecycle' for node device %s: %s\n", e.Device.Name(), enumString(nodeDevEventStrings, int(e.Event)))
		})
	} else {
		cbID, err = c.conn.NodeDeviceEventUpdateRegister(c.ctx, dev, func(_ *virt.Conn, d *virt.NodeDevice) {
			w.emit("event '%s' for node device %s\n", nodeDevEventNames[id], d.Name())
		})
	}
	if err != nil {
		return c.fail(err)
	}
	defer c.conn.NodeDeviceEventDeregisterAny(c.ctx, cbID)
	return w.wait(timeout)
}
