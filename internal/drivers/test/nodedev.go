package test

import (
	"context"

	"github.com/govirt/govirt/internal/conf/nodedev"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/virt/virterr"
)

// Node device lifecycle events (virNodeDeviceEventLifecycleType).
const (
	devEventCreated int32 = 0
	devEventDeleted int32 = 1
)

// listDevCaps maps VIR_CONNECT_LIST_NODE_DEVICES_CAP_* to capability names.
var listDevCaps = []struct {
	flag uint32
	cap  string
}{
	{1 << 0, "system"}, {1 << 1, "pci"}, {1 << 2, "usb_device"}, {1 << 3, "usb"},
	{1 << 4, "net"}, {1 << 5, "scsi_host"}, {1 << 6, "scsi_target"}, {1 << 7, "scsi"},
	{1 << 8, "storage"}, {1 << 9, "fc_host"}, {1 << 10, "vports"}, {1 << 11, "scsi_generic"},
	{1 << 12, "drm"}, {1 << 13, "mdev_types"}, {1 << 14, "mdev"}, {1 << 15, "ccw"},
	{1 << 16, "css"}, {1 << 17, "vdpa"}, {1 << 18, "ap_card"}, {1 << 19, "ap_queue"},
	{1 << 20, "ap_matrix"}, {1 << 21, "vpd"},
}

// nodeDeviceObj is one host device (virNodeDeviceObj).
type nodeDeviceObj struct {
	def *nodedev.Def
}

// hasCap says whether the device has capability name, counting the
// fc_host and vports a SCSI host's nested capabilities give it
// (virNodeDeviceObjHasCap).
func (o *nodeDeviceObj) hasCap(name string) bool {
	for _, c := range o.def.Caps {
		if c.CapType() == name {
			return true
		}
		if h, ok := c.(*nodedev.SCSIHostCap); ok {
			if (name == "fc_host" && h.FCHost) || (name == "vports" && h.VportOps) {
				return true
			}
		}
	}
	return false
}

// fcHost is the device's SCSI host capability when it is a fibre channel
// HBA.
func (o *nodeDeviceObj) fcHost() *nodedev.SCSIHostCap {
	for _, c := range o.def.Caps {
		if h, ok := c.(*nodedev.SCSIHostCap); ok && h.FCHost {
			return h
		}
	}
	return nil
}

// nodeDeviceDriver serves the NodeDevice table of a connection.
type nodeDeviceDriver struct {
	driver.UnsupportedNodeDevice
	c *conn
}

var _ driver.NodeDevice = nodeDeviceDriver{}

func (d nodeDeviceDriver) lock() *state {
	d.c.st.mu.Lock()
	return d.c.st
}

// loadNodeDevice adds a device of the node file (testParseNodedevs).
func (st *state) loadNodeDevice(n *xmltree.Node) error {
	def, err := nodedev.ParseNode(n, nodedev.Existing)
	if err != nil {
		return err
	}
	if err := def.Validate(); err != nil {
		return err
	}
	st.assignNodeDevice(def)
	return nil
}

// assignNodeDevice adds def, replacing a device of the same name.
func (st *state) assignNodeDevice(def *nodedev.Def) *nodeDeviceObj {
	for _, o := range st.hostObjs.devices {
		if o.def.Name == def.Name {
			o.def = def
			return o
		}
	}
	o := &nodeDeviceObj{def: def}
	st.hostObjs.devices = append(st.hostObjs.devices, o)
	return o
}

func (st *state) deviceNamed(name string) *nodeDeviceObj {
	for _, o := range st.hostObjs.devices {
		if o.def.Name == name {
			return o
		}
	}
	return nil
}

func (st *state) device(name string) (*nodeDeviceObj, error) {
	if o := st.deviceNamed(name); o != nil {
		return o, nil
	}
	return nil, testErr(virterr.NoNodeDevice, "no node device with matching name '%s'", name)
}

func (st *state) removeDevice(obj *nodeDeviceObj) {
	devs := st.hostObjs.devices
	for i, o := range devs {
		if o == obj {
			st.hostObjs.devices = append(devs[:i:i], devs[i+1:]...)
			return
		}
	}
}

func (st *state) deviceEvent(name string, event int32) {
	ref := driver.NodeDeviceRef{Name: name}
	st.events.Emit(ref, driver.Event{Kind: driver.EventNodeDevice, ID: 0,
		Payload: &driver.NodeDeviceEventLifecycleMsg{Dev: ref, Event: event}})
}

// mockCreateVport makes the vHBA the test driver pretends to create
// (testNodeDeviceMockCreateVport): a copy of scsi_host11 named scsi_host12
// with the new names. Like libvirt's, the copy keeps scsi_host11's host
// number and unique id.
func (st *state) mockCreateVport(wwnn, wwpn string) (*nodeDeviceObj, error) {
	src := st.deviceNamed("scsi_host11")
	if src == nil {
		return nil, virterr.NewFrom(virterr.FromTest, virterr.InternalError, "")
	}
	def, err := nodedev.Parse([]byte(src.def.Format()))
	if err != nil {
		return nil, err
	}
	def.Name = "scsi_host12"
	for _, c := range def.Caps {
		if h, ok := c.(*nodedev.SCSIHostCap); ok && h.FCHost {
			h.WWNN, h.WWPN = wwnn, wwpn
		}
	}
	o := st.assignNodeDevice(def)
	st.deviceEvent(def.Name, devEventCreated)
	return o, nil
}

// destroyVport removes the vHBA a pool's start created (testDestroyVport).
func (st *state) destroyVport() error {
	o := st.deviceNamed("scsi_host12")
	if o == nil {
		return testErr(virterr.NoNodeDevice, "no node device with matching name 'scsi_host12'")
	}
	st.deviceEvent("scsi_host12", devEventDeleted)
	st.removeDevice(o)
	return nil
}

func (d nodeDeviceDriver) names(capName *string, max int32) []string {
	st := d.lock()
	defer st.mu.Unlock()
	var out []string
	for _, o := range st.hostObjs.devices {
		if capName != nil && !o.hasCap(*capName) {
			continue
		}
		if int32(len(out)) < max {
			out = append(out, o.def.Name)
		}
	}
	return out
}

// NodeNumOfDevices counts the devices with a capability (all for nil).
func (d nodeDeviceDriver) NodeNumOfDevices(ctx context.Context, capName *string, flags uint32) (int32, error) {
	if err := unsupportedFlags(flags, 0, "testNodeNumOfDevices"); err != nil {
		return -1, err
	}
	return int32(len(d.names(capName, 1<<30))), nil
}

// NodeListDevices names the devices with a capability (all for nil).
func (d nodeDeviceDriver) NodeListDevices(ctx context.Context, capName *string, maxnames int32, flags uint32) ([]string, error) {
	if err := unsupportedFlags(flags, 0, "testNodeListDevices"); err != nil {
		return nil, err
	}
	return d.names(capName, maxnames), nil
}

// ConnectListAllNodeDevices lists the devices with any of the capabilities
// flags name; the test driver knows no activity filters.
func (d nodeDeviceDriver) ConnectListAllNodeDevices(ctx context.Context, needResults int32, flags uint32) (driver.ConnectListAllNodeDevicesRet, error) {
	var capFlags uint32
	for _, c := range listDevCaps {
		capFlags |= c.flag
	}
	if err := unsupportedFlags(flags, capFlags, "testConnectListAllNodeDevices"); err != nil {
		return driver.ConnectListAllNodeDevicesRet{}, err
	}
	st := d.lock()
	defer st.mu.Unlock()
	var ret driver.ConnectListAllNodeDevicesRet
	for _, o := range st.hostObjs.devices {
		if flags != 0 {
			match := false
			for _, c := range listDevCaps {
				if flags&c.flag != 0 && o.hasCap(c.cap) {
					match = true
				}
			}
			if !match {
				continue
			}
		}
		if needResults != 0 {
			ret.Devices = append(ret.Devices, driver.NodeDeviceRef{Name: o.def.Name})
		}
		ret.Ret++
	}
	return ret, nil
}

// NodeDeviceLookupByName finds a device.
func (d nodeDeviceDriver) NodeDeviceLookupByName(ctx context.Context, name string) (driver.NodeDeviceRef, error) {
	st := d.lock()
	defer st.mu.Unlock()
	if _, err := st.device(name); err != nil {
		return driver.NodeDeviceRef{}, err
	}
	return driver.NodeDeviceRef{Name: name}, nil
}

// NodeDeviceGetXMLDesc formats a device; the test driver takes no flags.
func (d nodeDeviceDriver) NodeDeviceGetXMLDesc(ctx context.Context, name string, flags uint32) (string, error) {
	if err := unsupportedFlags(flags, 0, "testNodeDeviceGetXMLDesc"); err != nil {
		return "", err
	}
	st := d.lock()
	defer st.mu.Unlock()
	o, err := st.device(name)
	if err != nil {
		return "", err
	}
	return o.def.Format(), nil
}

// NodeDeviceGetParent names the device's parent.
func (d nodeDeviceDriver) NodeDeviceGetParent(ctx context.Context, name string) (*string, error) {
	st := d.lock()
	defer st.mu.Unlock()
	o, err := st.device(name)
	if err != nil {
		return nil, err
	}
	if o.def.Parent == "" {
		return nil, testErr(virterr.InternalError, "no parent for this device")
	}
	p := o.def.Parent
	return &p, nil
}

// NodeDeviceNumOfCaps counts the device's top-level capabilities.
func (d nodeDeviceDriver) NodeDeviceNumOfCaps(ctx context.Context, name string) (int32, error) {
	st := d.lock()
	defer st.mu.Unlock()
	o, err := st.device(name)
	if err != nil {
		return -1, err
	}
	return int32(len(o.def.Caps)), nil
}

// NodeDeviceListCaps names the device's top-level capabilities.
func (d nodeDeviceDriver) NodeDeviceListCaps(ctx context.Context, name string, maxnames int32) ([]string, error) {
	st := d.lock()
	defer st.mu.Unlock()
	o, err := st.device(name)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, c := range o.def.Caps {
		if int32(len(out)) < maxnames {
			out = append(out, c.CapType())
		}
	}
	return out, nil
}

// wwns is virNodeDeviceGetWWNs: the names of a fibre channel HBA.
func wwns(def *nodedev.Def) (string, string, error) {
	for _, c := range def.Caps {
		if h, ok := c.(*nodedev.SCSIHostCap); ok && h.FCHost {
			return h.WWNN, h.WWPN, nil
		}
	}
	return "", "", virterr.NewFrom(virterr.FromNodedev, virterr.InternalError, "Device is not a fibre channel HBA")
}

// parentHost checks that a vHBA to create has a vport-capable parent
// (virNodeDeviceObjListGetParentHost).
func (st *state) parentHost(def *nodedev.Def) error {
	notFound := func() error {
		return virterr.NewFrom(virterr.FromNodedev, virterr.InternalError, "Could not find parent device for '%s'", def.Name)
	}
	var parent *nodeDeviceObj
	switch {
	case def.Parent != "":
		if parent = st.deviceNamed(def.Parent); parent == nil {
			return notFound()
		}
	case def.ParentWWNN != "" && def.ParentWWPN != "":
		for _, o := range st.hostObjs.devices {
			if h := o.fcHost(); h != nil && h.WWNN == def.ParentWWNN && h.WWPN == def.ParentWWPN {
				parent = o
				break
			}
		}
		if parent == nil {
			return notFound()
		}
	case def.ParentFabricWWN != "":
		for _, o := range st.hostObjs.devices {
			if h := o.fcHost(); h != nil && h.FabricWWN == def.ParentFabricWWN {
				parent = o
				break
			}
		}
		if parent == nil {
			return notFound()
		}
	default:
		for _, o := range st.hostObjs.devices {
			if o.hasCap("vports") {
				return nil
			}
		}
		return virterr.NewFrom(virterr.FromNodedev, virterr.InternalError, "Could not find any vport capable device")
	}
	if !parent.hasCap("vports") {
		return virterr.NewFrom(virterr.FromNodedev, virterr.InternalError, "Parent device %s is not capable of vport operations", parent.def.Name)
	}
	return nil
}

// NodeDeviceCreateXML "creates" a vHBA: the test driver checks the
// definition and its parent, then copies scsi_host11 as scsi_host12.
func (d nodeDeviceDriver) NodeDeviceCreateXML(ctx context.Context, xmlDesc string, flags uint32) (driver.NodeDeviceRef, error) {
	if err := unsupportedFlags(flags, 0, "testNodeDeviceCreateXML"); err != nil {
		return driver.NodeDeviceRef{}, err
	}
	if err := d.c.denyReadOnly("virNodeDeviceCreateXML"); err != nil {
		return driver.NodeDeviceRef{}, err
	}
	def, err := nodedev.ParseMode([]byte(xmlDesc), nodedev.Create)
	if err != nil {
		return driver.NodeDeviceRef{}, err
	}
	// libvirt's test driver asks for no hypervisor's names, so a vHBA
	// without its WWNs fails to get generated ones.
	if err := def.Defaults(""); err != nil {
		return driver.NodeDeviceRef{}, err
	}
	if err := def.Validate(); err != nil {
		return driver.NodeDeviceRef{}, err
	}
	wwnn, wwpn, err := wwns(def)
	if err != nil {
		return driver.NodeDeviceRef{}, err
	}
	st := d.lock()
	defer st.mu.Unlock()
	if err := st.parentHost(def); err != nil {
		return driver.NodeDeviceRef{}, err
	}
	o, err := st.mockCreateVport(wwnn, wwpn)
	if err != nil {
		return driver.NodeDeviceRef{}, err
	}
	return driver.NodeDeviceRef{Name: o.def.Name}, nil
}

// NodeDeviceDestroy removes a vHBA. As in libvirt's test driver, a device
// that is not a fibre channel HBA is left alone and the call succeeds.
func (d nodeDeviceDriver) NodeDeviceDestroy(ctx context.Context, name string) error {
	if err := d.c.denyReadOnly("virNodeDeviceDestroy"); err != nil {
		return err
	}
	st := d.lock()
	defer st.mu.Unlock()
	o, err := st.device(name)
	if err != nil {
		return err
	}
	if _, _, err := wwns(o.def); err != nil {
		return nil
	}
	if st.deviceNamed(o.def.Parent) == nil {
		return nil
	}
	st.deviceEvent(name, devEventDeleted)
	st.removeDevice(o)
	return nil
}
