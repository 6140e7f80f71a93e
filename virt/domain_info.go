package virt

import (
	"context"
	"time"

	"github.com/govirt/govirt/internal/driver"
)

// BlockStats is virDomainBlockStatsStruct; -1 means unknown.
type BlockStats struct {
	RdReq, RdBytes, WrReq, WrBytes, Errs int64
}

// BlockStats reports I/O counters of a disk (by target or source path).
//
// libvirt: virDomainBlockStats
func (d *Domain) BlockStats(ctx context.Context, disk string) (*BlockStats, error) {
	r, err := d.h().DomainBlockStats(ctx, d.ref, disk)
	if err != nil {
		return nil, err
	}
	return &BlockStats{RdReq: r.RdReq, RdBytes: r.RdBytes, WrReq: r.WrReq, WrBytes: r.WrBytes, Errs: r.Errs}, nil
}

// BlockStatsFlags reports a disk's I/O counters as typed parameters.
//
// libvirt: virDomainBlockStatsFlags
func (d *Domain) BlockStatsFlags(ctx context.Context, disk string, flags uint32) ([]TypedParam, error) {
	return twoPass(func(n int32) ([]driver.TypedParam, int32, error) {
		r, err := d.h().DomainBlockStatsFlags(ctx, d.ref, disk, n, flags|typedParamStringOkay)
		return r.Params, r.Nparams, err
	})
}

// InterfaceStats is virDomainInterfaceStatsStruct; -1 means unknown.
type InterfaceStats struct {
	RxBytes, RxPackets, RxErrs, RxDrop int64
	TxBytes, TxPackets, TxErrs, TxDrop int64
}

// InterfaceStats reports traffic counters of an interface (by name or MAC).
//
// libvirt: virDomainInterfaceStats
func (d *Domain) InterfaceStats(ctx context.Context, device string) (*InterfaceStats, error) {
	r, err := d.h().DomainInterfaceStats(ctx, d.ref, device)
	if err != nil {
		return nil, err
	}
	return &InterfaceStats{r.RxBytes, r.RxPackets, r.RxErrs, r.RxDrop, r.TxBytes, r.TxPackets, r.TxErrs, r.TxDrop}, nil
}

// BlockInfo is virDomainBlockInfo, in bytes.
type BlockInfo struct {
	Capacity, Allocation, Physical uint64
}

// BlockInfo reports a disk's sizes.
//
// libvirt: virDomainGetBlockInfo
func (d *Domain) BlockInfo(ctx context.Context, disk string, flags uint32) (*BlockInfo, error) {
	r, err := d.h().DomainGetBlockInfo(ctx, d.ref, disk, flags)
	if err != nil {
		return nil, err
	}
	return &BlockInfo{Capacity: r.Capacity, Allocation: r.Allocation, Physical: r.Physical}, nil
}

// DiskError is virDomainDiskError.
type DiskError struct {
	Disk  string
	Error DomainDiskErrorCode
}

// DiskErrors reports the disks that hit errors.
//
// libvirt: virDomainGetDiskErrors
func (d *Domain) DiskErrors(ctx context.Context, flags uint32) ([]DiskError, error) {
	r, err := d.h().DomainGetDiskErrors(ctx, d.ref, 0, flags)
	if err != nil {
		return nil, err
	}
	if r.Nerrors == 0 {
		return []DiskError{}, nil
	}
	r, err = d.h().DomainGetDiskErrors(ctx, d.ref, uint32(r.Nerrors), flags)
	if err != nil {
		return nil, err
	}
	out := make([]DiskError, len(r.Errors))
	for i, e := range r.Errors {
		out[i] = DiskError{Disk: e.Disk, Error: DomainDiskErrorCode(e.Error)}
	}
	return out, nil
}

// ControlInfo is virDomainControlInfo.
type ControlInfo struct {
	State     DomainControlState
	Details   int
	StateTime time.Duration
}

// ControlInfo reports whether the hypervisor's control of the domain is
// busy or broken.
//
// libvirt: virDomainGetControlInfo
func (d *Domain) ControlInfo(ctx context.Context, flags uint32) (*ControlInfo, error) {
	r, err := d.h().DomainGetControlInfo(ctx, d.ref, flags)
	if err != nil {
		return nil, err
	}
	return &ControlInfo{State: DomainControlState(r.State), Details: int(r.Details), StateTime: time.Duration(r.StateTime) * time.Millisecond}, nil
}

// Hostname asks the guest its host name.
//
// libvirt: virDomainGetHostname
func (d *Domain) Hostname(ctx context.Context, flags DomainGetHostnameFlags) (string, error) {
	return d.h().DomainGetHostname(ctx, d.ref, uint32(flags))
}

// Time reads the guest's clock: seconds and nanoseconds since the epoch.
//
// libvirt: virDomainGetTime
func (d *Domain) Time(ctx context.Context, flags uint32) (int64, uint, error) {
	if err := d.conn.denyReadOnly("virDomainGetTime"); err != nil {
		return 0, 0, err
	}
	r, err := d.h().DomainGetTime(ctx, d.ref, flags)
	if err != nil {
		return 0, 0, err
	}
	return r.Seconds, uint(r.Nseconds), nil
}

// SetTime sets the guest's clock (or with DomainTimeSync syncs it to the
// host's).
//
// libvirt: virDomainSetTime
func (d *Domain) SetTime(ctx context.Context, seconds int64, nseconds uint, flags DomainSetTimeFlags) error {
	if err := d.conn.denyReadOnly("virDomainSetTime"); err != nil {
		return err
	}
	return d.h().DomainSetTime(ctx, d.ref, seconds, uint32(nseconds), uint32(flags))
}

// FSInfo is one mounted guest filesystem (virDomainFSInfo).
type FSInfo struct {
	Mountpoint string
	Name       string
	FSType     string
	DevAlias   []string
}

// FSInfo lists the guest's mounted filesystems.
//
// libvirt: virDomainGetFSInfo
func (d *Domain) FSInfo(ctx context.Context, flags uint32) ([]FSInfo, error) {
	if err := d.conn.denyReadOnly("virDomainGetFSInfo"); err != nil {
		return nil, err
	}
	r, err := d.h().DomainGetFSInfo(ctx, d.ref, flags)
	if err != nil {
		return nil, err
	}
	out := make([]FSInfo, len(r.Info))
	for i, f := range r.Info {
		out[i] = FSInfo{Mountpoint: f.Mountpoint, Name: f.Name, FSType: f.Fstype, DevAlias: f.DevAliases}
	}
	return out, nil
}

// DomainIPAddress is one address of a guest interface.
type DomainIPAddress struct {
	Type   IPAddrType
	Addr   string
	Prefix uint
}

// DomainInterface is a guest network interface and its addresses.
type DomainInterface struct {
	Name   string
	Hwaddr string
	Addrs  []DomainIPAddress
}

// InterfaceAddresses lists the guest's interfaces and their addresses as
// source learns them.
//
// libvirt: virDomainInterfaceAddresses
func (d *Domain) InterfaceAddresses(ctx context.Context, source DomainInterfaceAddressesSource, flags uint32) ([]DomainInterface, error) {
	if source == DomainInterfaceAddressesSrcAgent {
		if err := d.conn.denyReadOnly("virDomainInterfaceAddresses"); err != nil {
			return nil, err
		}
	}
	r, err := d.h().DomainInterfaceAddresses(ctx, d.ref, uint32(source), flags)
	if err != nil {
		return nil, err
	}
	out := make([]DomainInterface, len(r))
	for i, ifc := range r {
		out[i].Name = ifc.Name
		if ifc.Hwaddr != nil {
			out[i].Hwaddr = *ifc.Hwaddr
		}
		for _, a := range ifc.Addrs {
			out[i].Addrs = append(out[i].Addrs, DomainIPAddress{Type: IPAddrType(a.Type), Addr: a.Addr, Prefix: uint(a.Prefix)})
		}
	}
	return out, nil
}

// CPUStats reports CPU time counters: for the whole domain when startCPU
// is -1 (one set), else per host CPU from startCPU (ncpus sets). Each set
// is a list of typed parameters.
//
// libvirt: virDomainGetCPUStats
func (d *Domain) CPUStats(ctx context.Context, startCPU int, ncpus uint, flags uint32) ([][]TypedParam, error) {
	flags |= typedParamStringOkay
	if startCPU == -1 {
		r, err := d.h().DomainGetCPUStats(ctx, d.ref, 0, -1, 1, flags)
		if err != nil {
			return nil, err
		}
		r, err = d.h().DomainGetCPUStats(ctx, d.ref, uint32(r.Nparams), -1, 1, flags)
		if err != nil {
			return nil, err
		}
		return [][]TypedParam{paramsFromDriver(r.Params)}, nil
	}
	r, err := d.h().DomainGetCPUStats(ctx, d.ref, 0, int32(startCPU), uint32(ncpus), flags)
	if err != nil {
		return nil, err
	}
	nparams := r.Nparams
	r, err = d.h().DomainGetCPUStats(ctx, d.ref, uint32(nparams), int32(startCPU), uint32(ncpus), flags)
	if err != nil {
		return nil, err
	}
	var out [][]TypedParam
	for i := 0; nparams > 0 && i+int(nparams) <= len(r.Params); i += int(nparams) {
		var set []TypedParam
		for _, p := range paramsFromDriver(r.Params[i : i+int(nparams)]) {
			if p.Field != "" {
				set = append(set, p)
			}
		}
		out = append(out, set)
	}
	return out, nil
}

// NumOfHostCPUsForStats is how many host CPUs CPUStats can report on.
//
// libvirt: virDomainGetCPUStats (with nparams 0 and ncpus 0)
func (d *Domain) NumOfHostCPUsForStats(ctx context.Context) (int, error) {
	r, err := d.h().DomainGetCPUStats(ctx, d.ref, 0, 0, 0, typedParamStringOkay)
	return int(r.Nparams), err
}

// Messages lists the domain's deprecation and tainting messages.
//
// libvirt: virDomainGetMessages
func (d *Domain) Messages(ctx context.Context, flags DomainMessageType) ([]string, error) {
	return d.h().DomainGetMessages(ctx, d.ref, uint32(flags))
}

// Metadata reads the description, the title, or (DomainMetadataElement)
// the application element in namespace uri.
//
// libvirt: virDomainGetMetadata
func (d *Domain) Metadata(ctx context.Context, typ DomainMetadataType, uri string, flags DomainModificationImpact) (string, error) {
	if err := checkMetadataArgs("virDomainGetMetadata", typ, "", "", uri, false); err != nil {
		return "", err
	}
	return d.h().DomainGetMetadata(ctx, d.ref, int32(typ), optString(uri), uint32(flags))
}

// SetMetadata sets (or with "" removes) the description, the title, or
// the application element in namespace uri with prefix key.
//
// libvirt: virDomainSetMetadata
func (d *Domain) SetMetadata(ctx context.Context, typ DomainMetadataType, metadata, key, uri string, flags DomainModificationImpact) error {
	if err := d.conn.denyReadOnly("virDomainSetMetadata"); err != nil {
		return err
	}
	if err := checkMetadataArgs("virDomainSetMetadata", typ, metadata, key, uri, true); err != nil {
		return err
	}
	return d.h().DomainSetMetadata(ctx, d.ref, int32(typ), optString(metadata), optString(key), optString(uri), uint32(flags))
}

// DomainStats is one domain's record of ConnectGetAllDomainStats.
type DomainStats struct {
	Domain *Domain
	Params []TypedParam
}

// GetAllDomainStats reports statistics of the domains flags select (or
// of doms when given).
//
// libvirt: virConnectGetAllDomainStats
func (c *Conn) GetAllDomainStats(ctx context.Context, doms []*Domain, stats DomainStatsTypes, flags ConnectGetAllDomainStatsFlags) ([]DomainStats, error) {
	refs := make([]driver.DomainRef, len(doms))
	for i, d := range doms {
		refs[i] = d.ref
	}
	r, err := c.c.Hypervisor.ConnectGetAllDomainStats(ctx, refs, uint32(stats), uint32(flags))
	if err != nil {
		return nil, err
	}
	out := make([]DomainStats, len(r))
	for i, rec := range r {
		out[i] = DomainStats{Domain: c.domain(rec.Dom), Params: paramsFromDriver(rec.Params)}
	}
	return out, nil
}
