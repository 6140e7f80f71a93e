package network

import (
	"slices"

	"github.com/govirt/govirt/virt/virterr"
)

// Validate reports the enum values libvirt's parser rejects but Parse
// keeps: an unknown forward mode, hostdev driver, bridge MAC table
// manager, or netdev setting.
func (def *Def) Validate() error {
	f := &def.Forward
	if f.Mode != ForwardNone && !slices.Contains(forwardModes, f.Mode) {
		return netErr(virterr.ConfigUnsupported, "unknown forwarding type '%s'", f.Mode)
	}
	if f.Driver != "" && f.Driver != "kvm" && f.Driver != "vfio" {
		return unknownDriver(f.Driver, def.Name)
	}
	if def.MACTableManager != "" && !slices.Contains(macTableManagers, def.MACTableManager) {
		return invalidMACTableManager(def.MACTableManager, def.Name)
	}
	if err := def.Vlan.Validate(); err != nil {
		return err
	}
	if err := def.VirtualPort.Validate(); err != nil {
		return err
	}
	for _, pg := range def.PortGroups {
		if err := pg.Vlan.Validate(); err != nil {
			return err
		}
		if err := pg.VirtualPort.Validate(); err != nil {
			return err
		}
	}
	return nil
}
