package virt

import (
	"context"

	"github.com/govirt/govirt/internal/conf/uuid"
	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/virt/virterr"
)

// NewStream creates a stream for a streaming call such as a volume upload
// or download. In process, the stream buffers what one side sends until
// the other reads it; Finish marks the end of the data.
//
// libvirt: virStreamNew
func (c *Conn) NewStream(flags uint32) *Stream {
	return &Stream{conn: c, st: newBufferStream()}
}

// NumOfSecrets counts the secrets.
//
// libvirt: virConnectNumOfSecrets
func (c *Conn) NumOfSecrets(ctx context.Context) (int, error) {
	n, err := c.c.Secret.ConnectNumOfSecrets(ctx)
	return int(n), err
}

// ListSecrets lists the secrets' UUIDs (the API before ListAllSecrets).
//
// libvirt: virConnectListSecrets
func (c *Conn) ListSecrets(ctx context.Context, max int) ([]string, error) {
	return c.c.Secret.ConnectListSecrets(ctx, int32(max))
}

// SecretDefineXML defines or updates a secret from its XML.
//
// libvirt: virSecretDefineXML
func (c *Conn) SecretDefineXML(ctx context.Context, xml string, flags SecretDefineFlags) (*Secret, error) {
	if err := c.denyReadOnly("virSecretDefineXML"); err != nil {
		return nil, err
	}
	r, err := c.c.Secret.SecretDefineXML(ctx, xml, uint32(flags))
	if err != nil {
		return nil, err
	}
	return &Secret{conn: c, ref: r}, nil
}

// SetValue stores the secret's value.
//
// libvirt: virSecretSetValue
func (s *Secret) SetValue(ctx context.Context, value []byte, flags uint32) error {
	if err := s.conn.denyReadOnly("virSecretSetValue"); err != nil {
		return err
	}
	return s.conn.c.Secret.SecretSetValue(ctx, s.ref, value, flags)
}

// Value reads the secret's value.
//
// libvirt: virSecretGetValue
func (s *Secret) Value(ctx context.Context, flags uint32) ([]byte, error) {
	if err := s.conn.denyReadOnly("virSecretGetValue"); err != nil {
		return nil, err
	}
	return s.conn.c.Secret.SecretGetValue(ctx, s.ref, flags)
}

// Undefine deletes the secret.
//
// libvirt: virSecretUndefine
func (s *Secret) Undefine(ctx context.Context) error {
	if err := s.conn.denyReadOnly("virSecretUndefine"); err != nil {
		return err
	}
	return s.conn.c.Secret.SecretUndefine(ctx, s.ref)
}

// SecretEventLifecycle is a secret being defined or undefined
// (VIR_SECRET_EVENT_ID_LIFECYCLE).
type SecretEventLifecycle struct {
	Secret *Secret
	Event  SecretEventLifecycleType
	Detail int
}

// SecretEventRegisterAny calls cb for secret event id about sec, or about
// every secret when sec is nil. cb receives *SecretEventLifecycle for
// lifecycle events and the *Secret whose value changed for value-changed
// events.
//
// libvirt: virConnectSecretEventRegisterAny
func (c *Conn) SecretEventRegisterAny(ctx context.Context, sec *Secret, id SecretEventID, cb func(*Conn, any)) (int, error) {
	var filter any
	if sec != nil {
		filter = sec.ref
	}
	return c.eventRegister(ctx, driver.EventSecret, int32(id), filter, func(conn *Conn, payload any) {
		switch m := payload.(type) {
		case *driver.SecretEventLifecycleMsg:
			cb(conn, &SecretEventLifecycle{Secret: &Secret{conn: conn, ref: m.Secret}, Event: SecretEventLifecycleType(m.Event), Detail: int(m.Detail)})
		case *driver.SecretEventValueChangedMsg:
			cb(conn, &Secret{conn: conn, ref: m.Secret})
		}
	})
}

// SecretEventDeregisterAny ends a secret event registration.
//
// libvirt: virConnectSecretEventDeregisterAny
func (c *Conn) SecretEventDeregisterAny(ctx context.Context, callbackID int) error {
	return c.c.Events.EventDeregister(ctx, int32(callbackID))
}

// NumOfNWFilters counts the network filters.
//
// libvirt: virConnectNumOfNWFilters
func (c *Conn) NumOfNWFilters(ctx context.Context) (int, error) {
	n, err := c.c.NWFilter.ConnectNumOfNWFilters(ctx)
	return int(n), err
}

// ListNWFilters lists the filters' names (the API before ListAllNWFilters).
//
// libvirt: virConnectListNWFilters
func (c *Conn) ListNWFilters(ctx context.Context, max int) ([]string, error) {
	return c.c.NWFilter.ConnectListNWFilters(ctx, int32(max))
}

// ListAllNWFilters lists every network filter.
//
// libvirt: virConnectListAllNWFilters
func (c *Conn) ListAllNWFilters(ctx context.Context, flags uint32) ([]*NWFilter, error) {
	r, err := c.c.NWFilter.ConnectListAllNWFilters(ctx, 1, flags)
	if err != nil {
		return nil, err
	}
	out := make([]*NWFilter, len(r.Filters))
	for i, ref := range r.Filters {
		out[i] = &NWFilter{conn: c, ref: ref}
	}
	return out, nil
}

// LookupNWFilterByUUIDString finds a filter by UUID.
//
// libvirt: virNWFilterLookupByUUIDString
func (c *Conn) LookupNWFilterByUUIDString(ctx context.Context, s string) (*NWFilter, error) {
	u, err := uuid.Parse(s)
	if err != nil {
		return nil, virterr.InvalidArgument(virterr.FromNwfilter, "virNWFilterLookupByUUIDString", "uuidstr", "uuidstr in virNWFilterLookupByUUIDString must be a valid UUID")
	}
	r, err := c.c.NWFilter.NWFilterLookupByUUID(ctx, driver.UUID(u))
	if err != nil {
		return nil, err
	}
	return &NWFilter{conn: c, ref: r}, nil
}

// NWFilterDefineXML defines or updates a network filter.
//
// libvirt: virNWFilterDefineXML
func (c *Conn) NWFilterDefineXML(ctx context.Context, xml string) (*NWFilter, error) {
	if err := c.denyReadOnly("virNWFilterDefineXML"); err != nil {
		return nil, err
	}
	r, err := c.c.NWFilter.NWFilterDefineXML(ctx, xml)
	if err != nil {
		return nil, err
	}
	return &NWFilter{conn: c, ref: r}, nil
}

// NWFilterDefineXMLFlags defines or updates a network filter, validating
// it against the schema when asked.
//
// libvirt: virNWFilterDefineXMLFlags
func (c *Conn) NWFilterDefineXMLFlags(ctx context.Context, xml string, flags NWFilterDefineFlags) (*NWFilter, error) {
	if err := c.denyReadOnly("virNWFilterDefineXMLFlags"); err != nil {
		return nil, err
	}
	r, err := c.c.NWFilter.NWFilterDefineXMLFlags(ctx, xml, uint32(flags))
	if err != nil {
		return nil, err
	}
	return &NWFilter{conn: c, ref: r}, nil
}

// Undefine deletes the network filter.
//
// libvirt: virNWFilterUndefine
func (f *NWFilter) Undefine(ctx context.Context) error {
	if err := f.conn.denyReadOnly("virNWFilterUndefine"); err != nil {
		return err
	}
	return f.conn.c.NWFilter.NWFilterUndefine(ctx, f.ref)
}

// ListAllNWFilterBindings lists every filter binding.
//
// libvirt: virConnectListAllNWFilterBindings
func (c *Conn) ListAllNWFilterBindings(ctx context.Context, flags uint32) ([]*NWFilterBinding, error) {
	r, err := c.c.NWFilter.ConnectListAllNWFilterBindings(ctx, 1, flags)
	if err != nil {
		return nil, err
	}
	out := make([]*NWFilterBinding, len(r.Bindings))
	for i, ref := range r.Bindings {
		out[i] = &NWFilterBinding{conn: c, ref: ref}
	}
	return out, nil
}

// LookupNWFilterBindingByPortDev finds the binding of a port device.
//
// libvirt: virNWFilterBindingLookupByPortDev
func (c *Conn) LookupNWFilterBindingByPortDev(ctx context.Context, portdev string) (*NWFilterBinding, error) {
	r, err := c.c.NWFilter.NWFilterBindingLookupByPortDev(ctx, portdev)
	if err != nil {
		return nil, err
	}
	return &NWFilterBinding{conn: c, ref: r}, nil
}

// NWFilterBindingCreateXML binds a filter to a port.
//
// libvirt: virNWFilterBindingCreateXML
func (c *Conn) NWFilterBindingCreateXML(ctx context.Context, xml string, flags NWFilterBindingCreateFlags) (*NWFilterBinding, error) {
	if err := c.denyReadOnly("virNWFilterBindingCreateXML"); err != nil {
		return nil, err
	}
	r, err := c.c.NWFilter.NWFilterBindingCreateXML(ctx, xml, uint32(flags))
	if err != nil {
		return nil, err
	}
	return &NWFilterBinding{conn: c, ref: r}, nil
}

// Delete removes the binding.
//
// libvirt: virNWFilterBindingDelete
func (b *NWFilterBinding) Delete(ctx context.Context) error {
	if err := b.conn.denyReadOnly("virNWFilterBindingDelete"); err != nil {
		return err
	}
	return b.conn.c.NWFilter.NWFilterBindingDelete(ctx, b.ref)
}

// Dettach detaches the device from its host driver with the driver's
// default backend (libvirt keeps the misspelt name for this older API).
//
// libvirt: virNodeDeviceDettach
func (d *NodeDevice) Dettach(ctx context.Context) error {
	if err := d.conn.denyReadOnly("virNodeDeviceDettach"); err != nil {
		return err
	}
	return d.n().NodeDeviceDettach(ctx, d.ref.Name)
}

// NodeMemoryParameters reads the host's memory tunables (KSM).
//
// libvirt: virNodeGetMemoryParameters
func (c *Conn) NodeMemoryParameters(ctx context.Context, flags uint32) ([]TypedParam, error) {
	r, err := c.c.Hypervisor.NodeGetMemoryParameters(ctx, 0, flags)
	if err != nil {
		return nil, err
	}
	if len(r.Params) == 0 && r.Nparams > 0 {
		if r, err = c.c.Hypervisor.NodeGetMemoryParameters(ctx, r.Nparams, flags); err != nil {
			return nil, err
		}
	}
	return paramsFromDriver(r.Params), nil
}

// SetNodeMemoryParameters changes the host's memory tunables.
//
// libvirt: virNodeSetMemoryParameters
func (c *Conn) SetNodeMemoryParameters(ctx context.Context, params []TypedParam, flags uint32) error {
	if err := c.denyReadOnly("virNodeSetMemoryParameters"); err != nil {
		return err
	}
	p, err := paramsToDriver(params)
	if err != nil {
		return err
	}
	return c.c.Hypervisor.NodeSetMemoryParameters(ctx, p, flags)
}

// NodeSuspendForDuration suspends the host for duration seconds.
//
// libvirt: virNodeSuspendForDuration
func (c *Conn) NodeSuspendForDuration(ctx context.Context, target NodeSuspendTarget, duration uint64, flags uint32) error {
	if err := c.denyReadOnly("virNodeSuspendForDuration"); err != nil {
		return err
	}
	return c.c.Hypervisor.NodeSuspendForDuration(ctx, uint32(target), duration, flags)
}

// NodeSEVInfo reads the host's AMD SEV parameters.
//
// libvirt: virNodeGetSEVInfo
func (c *Conn) NodeSEVInfo(ctx context.Context, flags uint32) ([]TypedParam, error) {
	r, err := c.c.Hypervisor.NodeGetSEVInfo(ctx, 0, flags)
	if err != nil {
		return nil, err
	}
	return paramsFromDriver(r.Params), nil
}

// CompareHypervisorCPU compares a CPU with the one the hypervisor can
// provide on this host; empty strings leave a selector to the driver.
//
// libvirt: virConnectCompareHypervisorCPU
func (c *Conn) CompareHypervisorCPU(ctx context.Context, emulator, arch, machine, virttype, xmlCPU string, flags ConnectCompareCPUFlags) (CPUCompareResult, error) {
	r, err := c.c.Hypervisor.ConnectCompareHypervisorCPU(ctx, optString(emulator), optString(arch), optString(machine), optString(virttype), xmlCPU, uint32(flags))
	return CPUCompareResult(r), err
}

// BaselineHypervisorCPU computes the CPU the hypervisor can provide that
// every given CPU supports.
//
// libvirt: virConnectBaselineHypervisorCPU
func (c *Conn) BaselineHypervisorCPU(ctx context.Context, emulator, arch, machine, virttype string, xmlCPUs []string, flags ConnectBaselineCPUFlags) (string, error) {
	return c.c.Hypervisor.ConnectBaselineHypervisorCPU(ctx, optString(emulator), optString(arch), optString(machine), optString(virttype), xmlCPUs, uint32(flags))
}

// NodeDeviceEventUpdateRegister calls cb when the configuration of dev,
// or of any device when dev is nil, changes.
//
// libvirt: virConnectNodeDeviceEventRegisterAny (VIR_NODE_DEVICE_EVENT_ID_UPDATE)
func (c *Conn) NodeDeviceEventUpdateRegister(ctx context.Context, dev *NodeDevice, cb func(*Conn, *NodeDevice)) (int, error) {
	return c.NodeDeviceEventRegisterAny(ctx, dev, NodeDeviceEventIDUpdate, func(conn *Conn, payload any) {
		if m, ok := payload.(*driver.NodeDeviceEventUpdateMsg); ok {
			cb(conn, conn.nodeDevice(m.Dev))
		}
	})
}
