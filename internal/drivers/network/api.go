package network

import (
	"context"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/govirt/govirt/internal/conf/network"
	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/internal/drivers/network/leases"
	"github.com/govirt/govirt/virt/virterr"
)

// Flags of the network calls.
const (
	defineValidate   uint32 = 1 << 0 // VIR_NETWORK_DEFINE_VALIDATE / CREATE_VALIDATE
	updateAffectLive uint32 = 1 << 0 // VIR_NETWORK_UPDATE_AFFECT_LIVE
	updateAffectConf uint32 = 1 << 1 // VIR_NETWORK_UPDATE_AFFECT_CONFIG
	xmlInactive      uint32 = 1 << 0 // VIR_NETWORK_XML_INACTIVE

	listInactive    uint32 = 1 << 0
	listActive      uint32 = 1 << 1
	listPersistent  uint32 = 1 << 2
	listTransient   uint32 = 1 << 3
	listAutostart   uint32 = 1 << 4
	listNoAutostart uint32 = 1 << 5
)

func unsupportedFlags(flags, allowed uint32, function string) error {
	if extra := flags &^ allowed; extra != 0 {
		return virterr.New(virterr.InvalidArg, "unsupported flags (0x%x) in function %s", extra, function)
	}
	return nil
}

func boolInt(b bool) int32 {
	if b {
		return 1
	}
	return 0
}

// NetworkLookupByName finds a network by name.
func (c *conn) NetworkLookupByName(ctx context.Context, name string) (driver.NetworkRef, error) {
	c.d.mu.Lock()
	defer c.d.mu.Unlock()
	o, err := c.d.byName(name)
	if err != nil {
		return driver.NetworkRef{}, err
	}
	return o.ref(), nil
}

// NetworkLookupByUUID finds a network by UUID.
func (c *conn) NetworkLookupByUUID(ctx context.Context, u driver.UUID) (driver.NetworkRef, error) {
	c.d.mu.Lock()
	defer c.d.mu.Unlock()
	o, err := c.d.byUUID(u)
	if err != nil {
		return driver.NetworkRef{}, err
	}
	return o.ref(), nil
}

func (c *conn) names(active bool, max int32) []string {
	c.d.mu.Lock()
	defer c.d.mu.Unlock()
	var out []string
	for _, o := range c.d.nets {
		if o.active == active && int32(len(out)) < max {
			out = append(out, o.def.Name)
		}
	}
	return out
}

// ConnectNumOfNetworks counts the active networks.
func (c *conn) ConnectNumOfNetworks(ctx context.Context) (int32, error) {
	return int32(len(c.names(true, 1<<30))), nil
}

// ConnectListNetworks names the active networks.
func (c *conn) ConnectListNetworks(ctx context.Context, maxnames int32) ([]string, error) {
	return c.names(true, maxnames), nil
}

// ConnectNumOfDefinedNetworks counts the inactive networks.
func (c *conn) ConnectNumOfDefinedNetworks(ctx context.Context) (int32, error) {
	return int32(len(c.names(false, 1<<30))), nil
}

// ConnectListDefinedNetworks names the inactive networks.
func (c *conn) ConnectListDefinedNetworks(ctx context.Context, maxnames int32) ([]string, error) {
	return c.names(false, maxnames), nil
}

// ConnectListAllNetworks lists the networks the filter flags select.
func (c *conn) ConnectListAllNetworks(ctx context.Context, needResults int32, flags uint32) (driver.ConnectListAllNetworksRet, error) {
	const all = listInactive | listActive | listPersistent | listTransient | listAutostart | listNoAutostart
	if err := unsupportedFlags(flags, all, "networkConnectListAllNetworks"); err != nil {
		return driver.ConnectListAllNetworksRet{}, err
	}
	c.d.mu.Lock()
	defer c.d.mu.Unlock()
	var ret driver.ConnectListAllNetworksRet
	for _, o := range c.d.nets {
		if !driver.MatchesFilterPair(flags, listActive, listInactive, o.active) ||
			!driver.MatchesFilterPair(flags, listPersistent, listTransient, o.persistent) ||
			!driver.MatchesFilterPair(flags, listAutostart, listNoAutostart, o.autostart) {
			continue
		}
		if needResults != 0 {
			ret.Nets = append(ret.Nets, o.ref())
		}
		ret.Ret++
	}
	return ret, nil
}

// NetworkIsActive reports whether the network runs.
func (c *conn) NetworkIsActive(ctx context.Context, ref driver.NetworkRef) (int32, error) {
	c.d.mu.Lock()
	defer c.d.mu.Unlock()
	o, err := c.d.lookup(ref)
	if err != nil {
		return -1, err
	}
	return boolInt(o.active), nil
}

// NetworkIsPersistent reports whether the network has a persistent definition.
func (c *conn) NetworkIsPersistent(ctx context.Context, ref driver.NetworkRef) (int32, error) {
	c.d.mu.Lock()
	defer c.d.mu.Unlock()
	o, err := c.d.lookup(ref)
	if err != nil {
		return -1, err
	}
	return boolInt(o.persistent), nil
}

// parseForDefine parses and, as libvirt's define and create do, checks
// a definition (networkValidate) and fills in the bridge and MAC.
func (d *Driver) parseForDefine(xml string, flags uint32) (*network.Def, error) {
	def, err := network.Parse([]byte(xml))
	if err != nil {
		return nil, err
	}
	if err := def.Validate(); err != nil {
		return nil, err
	}
	if err := d.assignBridge(def); err != nil {
		return nil, err
	}
	return def, nil
}

// NetworkCreateXML creates and starts a transient network.
func (c *conn) NetworkCreateXML(ctx context.Context, xml string) (driver.NetworkRef, error) {
	return c.createXML(ctx, xml, 0, "virNetworkCreateXML")
}

// NetworkCreateXMLFlags creates and starts a transient network.
func (c *conn) NetworkCreateXMLFlags(ctx context.Context, xml string, flags uint32) (driver.NetworkRef, error) {
	return c.createXML(ctx, xml, flags, "virNetworkCreateXMLFlags")
}

func (c *conn) createXML(ctx context.Context, xml string, flags uint32, function string) (driver.NetworkRef, error) {
	if err := unsupportedFlags(flags, defineValidate, "networkCreateXMLFlags"); err != nil {
		return driver.NetworkRef{}, err
	}
	if err := c.denyReadOnly(function); err != nil {
		return driver.NetworkRef{}, err
	}
	d := c.d
	d.mu.Lock()
	defer d.mu.Unlock()
	def, err := d.parseForDefine(xml, flags)
	if err != nil {
		return driver.NetworkRef{}, err
	}
	o, err := d.assign(def, true)
	if err != nil {
		return driver.NetworkRef{}, err
	}
	if err := d.startLocked(ctx, o); err != nil {
		if o.newDef != nil {
			o.def, o.newDef = o.newDef, nil
		} else if !o.persistent {
			d.remove(o)
		}
		return driver.NetworkRef{}, err
	}
	d.emit(o, eventStarted)
	return o.ref(), nil
}

// NetworkDefineXML defines a persistent network.
func (c *conn) NetworkDefineXML(ctx context.Context, xml string) (driver.NetworkRef, error) {
	return c.defineXML(ctx, xml, 0, "virNetworkDefineXML")
}

// NetworkDefineXMLFlags defines a persistent network.
func (c *conn) NetworkDefineXMLFlags(ctx context.Context, xml string, flags uint32) (driver.NetworkRef, error) {
	return c.defineXML(ctx, xml, flags, "virNetworkDefineXMLFlags")
}

func (c *conn) defineXML(ctx context.Context, xml string, flags uint32, function string) (driver.NetworkRef, error) {
	if err := unsupportedFlags(flags, defineValidate, "networkDefineXMLFlags"); err != nil {
		return driver.NetworkRef{}, err
	}
	if err := c.denyReadOnly(function); err != nil {
		return driver.NetworkRef{}, err
	}
	d := c.d
	d.mu.Lock()
	defer d.mu.Unlock()
	def, err := d.parseForDefine(xml, flags)
	if err != nil {
		return driver.NetworkRef{}, err
	}
	var prev *netObj
	for _, o := range d.nets {
		if o.def.UUID == def.UUID {
			prev = o
		}
	}
	var prevDef, prevNew *network.Def
	var prevPersistent bool
	if prev != nil {
		prevDef, prevNew, prevPersistent = prev.def, prev.newDef, prev.persistent
	}
	o, err := d.assign(def, false)
	if err != nil {
		return driver.NetworkRef{}, err
	}
	if err := d.saveConfig(def); err != nil {
		if prev == nil {
			d.remove(o)
		} else {
			o.def, o.newDef, o.persistent = prevDef, prevNew, prevPersistent
		}
		return driver.NetworkRef{}, err
	}
	d.emit(o, eventDefined)
	return driver.NetworkRef{Name: def.Name, UUID: driver.UUID(def.UUID)}, nil
}

// NetworkUndefine removes a network's persistent definition; a running
// network goes on as a transient one.
func (c *conn) NetworkUndefine(ctx context.Context, ref driver.NetworkRef) error {
	if err := c.denyReadOnly("virNetworkUndefine"); err != nil {
		return err
	}
	d := c.d
	d.mu.Lock()
	defer d.mu.Unlock()
	o, err := d.lookup(ref)
	if err != nil {
		return err
	}
	if !o.persistent {
		return netErr(virterr.OperationInvalid, "can't undefine transient network")
	}
	if err := os.Remove(d.configFile(o.def.Name)); err != nil && !os.IsNotExist(err) {
		return netErr(virterr.SystemError, "cannot remove config file '%s': %v", d.configFile(o.def.Name), err)
	}
	os.Remove(d.autostartLink(o.def.Name))
	o.autostart = false
	o.persistent = false
	d.emit(o, eventUndefined)
	if o.active {
		o.newDef = nil
	} else {
		d.remove(o)
	}
	return nil
}

// NetworkCreate starts a defined network.
func (c *conn) NetworkCreate(ctx context.Context, ref driver.NetworkRef) error {
	if err := c.denyReadOnly("virNetworkCreate"); err != nil {
		return err
	}
	d := c.d
	d.mu.Lock()
	defer d.mu.Unlock()
	o, err := d.lookup(ref)
	if err != nil {
		return err
	}
	if err := d.startLocked(ctx, o); err != nil {
		return err
	}
	d.emit(o, eventStarted)
	return nil
}

// NetworkDestroy stops a network; a transient one goes away.
func (c *conn) NetworkDestroy(ctx context.Context, ref driver.NetworkRef) error {
	if err := c.denyReadOnly("virNetworkDestroy"); err != nil {
		return err
	}
	d := c.d
	d.mu.Lock()
	defer d.mu.Unlock()
	o, err := d.lookup(ref)
	if err != nil {
		return err
	}
	if !o.active {
		return netErr(virterr.OperationInvalid, "network '%s' is not active", o.def.Name)
	}
	err = d.stopLocked(ctx, o)
	d.emit(o, eventStopped)
	if !o.persistent {
		d.remove(o)
	}
	return err
}

// NetworkGetXMLDesc formats the live definition, or with INACTIVE the
// one the next start uses.
func (c *conn) NetworkGetXMLDesc(ctx context.Context, ref driver.NetworkRef, flags uint32) (string, error) {
	if err := unsupportedFlags(flags, xmlInactive, "networkGetXMLDesc"); err != nil {
		return "", err
	}
	d := c.d
	d.mu.Lock()
	defer d.mu.Unlock()
	o, err := d.lookup(ref)
	if err != nil {
		return "", err
	}
	if flags&xmlInactive != 0 {
		return o.persistentDef().Format(network.FormatInactive), nil
	}
	return o.def.Format(0), nil
}

// NetworkGetBridgeName is the network's bridge.
func (c *conn) NetworkGetBridgeName(ctx context.Context, ref driver.NetworkRef) (string, error) {
	d := c.d
	d.mu.Lock()
	defer d.mu.Unlock()
	o, err := d.lookup(ref)
	if err != nil {
		return "", err
	}
	if o.def.Bridge == "" {
		return "", netErr(virterr.InternalError, "network '%s' does not have a bridge name.", o.def.Name)
	}
	return o.def.Bridge, nil
}

// NetworkGetAutostart reports the autostart flag.
func (c *conn) NetworkGetAutostart(ctx context.Context, ref driver.NetworkRef) (int32, error) {
	d := c.d
	d.mu.Lock()
	defer d.mu.Unlock()
	o, err := d.lookup(ref)
	if err != nil {
		return -1, err
	}
	return boolInt(o.autostart), nil
}

// NetworkSetAutostart links or unlinks the network's config in the
// autostart directory.
func (c *conn) NetworkSetAutostart(ctx context.Context, ref driver.NetworkRef, autostart int32) error {
	if err := c.denyReadOnly("virNetworkSetAutostart"); err != nil {
		return err
	}
	d := c.d
	d.mu.Lock()
	defer d.mu.Unlock()
	o, err := d.lookup(ref)
	if err != nil {
		return err
	}
	if !o.persistent {
		return netErr(virterr.OperationInvalid, "cannot set autostart for transient network")
	}
	want := autostart != 0
	if want == o.autostart {
		return nil
	}
	link := d.autostartLink(o.def.Name)
	if want {
		if err := os.MkdirAll(d.autostartDir(), 0o755); err != nil {
			return netErr(virterr.SystemError, "cannot create autostart directory %s: %v", d.autostartDir(), err)
		}
		if err := os.Symlink(d.configFile(o.def.Name), link); err != nil && !os.IsExist(err) {
			return netErr(virterr.SystemError, "Failed to create symlink '%s' to '%s': %v", link, d.configFile(o.def.Name), err)
		}
	} else if err := os.Remove(link); err != nil && !os.IsNotExist(err) {
		return netErr(virterr.SystemError, "Failed to delete symlink '%s': %v", link, err)
	}
	o.autostart = want
	return nil
}

// NetworkUpdate edits one section of the live and/or persistent
// definition (networkUpdate); a live change to what dnsmasq serves
// restarts it, and a change to the forward interfaces or port groups
// needs no host action.
func (c *conn) NetworkUpdate(ctx context.Context, ref driver.NetworkRef, command uint32, section uint32, parentIndex int32, xml string, flags uint32) error {
	if err := unsupportedFlags(flags, updateAffectLive|updateAffectConf, "networkUpdate"); err != nil {
		return err
	}
	if err := c.denyReadOnly("virNetworkUpdate"); err != nil {
		return err
	}
	d := c.d
	d.mu.Lock()
	defer d.mu.Unlock()
	o, err := d.lookup(ref)
	if err != nil {
		return err
	}
	if flags&(updateAffectLive|updateAffectConf) == 0 {
		if o.active {
			flags |= updateAffectLive
		} else {
			flags |= updateAffectConf
		}
	}
	if !o.active && flags&updateAffectLive != 0 {
		return netErr(virterr.OperationInvalid, "network is not running")
	}
	if flags&updateAffectConf != 0 && !o.persistent {
		return netErr(virterr.OperationInvalid, "cannot change persistent config of a transient network")
	}
	var live, config *network.Def
	if flags&updateAffectLive != 0 {
		if live, err = o.def.Update(network.UpdateCommand(command), network.UpdateSection(section), int(parentIndex), []byte(xml), 0); err != nil {
			return err
		}
	}
	if flags&updateAffectConf != 0 {
		base := o.persistentDef()
		if config, err = base.Update(network.UpdateCommand(command), network.UpdateSection(section), int(parentIndex), []byte(xml), network.FormatInactive); err != nil {
			return err
		}
		if err := d.saveConfig(config); err != nil {
			return err
		}
		if o.active {
			o.newDef = config
		} else {
			o.def = config
		}
	}
	if live != nil {
		o.def = live
		if err := d.saveStatus(o); err != nil {
			return err
		}
		switch network.UpdateSection(section) {
		case network.SectionIPDHCPHost, network.SectionIPDHCPRange, network.SectionDNSHost, network.SectionDNSTxt, network.SectionDNSSrv:
			// dnsmasq reads these only when it starts.
			return d.restartDnsmasq(ctx, o)
		}
	}
	return nil
}

// NetworkGetDHCPLeases reports the leases the lease helper recorded
// (networkGetDHCPLeases), optionally only those of one MAC.
func (c *conn) NetworkGetDHCPLeases(ctx context.Context, ref driver.NetworkRef, mac *string, needResults int32, flags uint32) (driver.NetworkGetDHCPLeasesRet, error) {
	if err := unsupportedFlags(flags, 0, "networkGetDHCPLeases"); err != nil {
		return driver.NetworkGetDHCPLeasesRet{}, err
	}
	d := c.d
	d.mu.Lock()
	o, err := d.lookup(ref)
	if err != nil {
		d.mu.Unlock()
		return driver.NetworkGetDHCPLeasesRet{}, err
	}
	def := o.def
	d.mu.Unlock()
	var ret driver.NetworkGetDHCPLeasesRet
	if def.Bridge == "" {
		return ret, nil
	}
	ls, err := leases.Read(leases.File(d.dnsmasqDir(), def.Bridge))
	if err != nil {
		return ret, netErr(virterr.InternalError, "%v", err)
	}
	now := time.Now().Unix()
	for _, l := range ls {
		if l.ExpiryTime != 0 && l.ExpiryTime < now {
			continue
		}
		if mac != nil && !strings.EqualFold(*mac, l.MACAddress) {
			continue
		}
		ret.Ret++
		if needResults == 0 {
			continue
		}
		lease := driver.NetworkDHCPLease{Iface: def.Bridge, Expirytime: l.ExpiryTime, Ipaddr: l.IPAddress}
		a, _ := netip.ParseAddr(l.IPAddress)
		if a.Is6() {
			lease.Type = 1 // VIR_IP_ADDR_TYPE_IPV6
		}
		for _, ip := range def.IPs {
			if ip.Address.IsValid() && ip.Address.Is6() == a.Is6() && netip.PrefixFrom(ip.Address, ip.Prefix()).Contains(a) {
				lease.Prefix = uint32(ip.Prefix())
			}
		}
		lease.MAC = strPtr(l.MACAddress)
		lease.Iaid = strPtr(l.IAID)
		lease.Hostname = strPtr(l.Hostname)
		lease.Clientid = strPtr(l.ClientID)
		ret.Leases = append(ret.Leases, lease)
	}
	return ret, nil
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
