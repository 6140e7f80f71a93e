// Package caps is the QEMU driver's knowledge of one QEMU binary, as
// libvirt's virQEMUCaps (src/qemu/qemu_capabilities.c): the capability
// flags derived from probing it over QMP, its version, the machine types,
// CPU models and host CPU expansion per accelerator, and the platform
// data (GIC, SEV, SGX, Hyper-V). The same data is stored in libvirt's
// capabilities cache document (<qemuCaps>, cache.go), which is also what
// libvirt's tests keep as qemucapabilitiesdata/caps_<ver>.<arch>.xml.
//
// Probe (probe.go) runs the QMP conversation libvirt 9.0 runs; Cache
// (filecache.go) keeps the result per binary until the binary changes.
package caps

import (
	"sort"
)

// Flag is one of libvirt's QEMU_CAPS_* capabilities (flags_gen.go).
type Flag int

// String is the flag's name as the cache XML spells it.
func (f Flag) String() string {
	if f < 0 || f >= flagCount {
		return ""
	}
	return flagNames[f]
}

var flagsByName = func() map[string]Flag {
	m := make(map[string]Flag, flagCount)
	for i, n := range flagNames {
		m[n] = Flag(i)
	}
	return m
}()

// FlagFromString looks a flag up by its cache XML name.
func FlagFromString(name string) (Flag, bool) {
	f, ok := flagsByName[name]
	return f, ok
}

// VirtType selects the accelerator-dependent data: libvirt keeps machine
// types, CPU models and the host CPU separately for KVM, HVF and TCG.
type VirtType string

const (
	VirtKVM VirtType = "kvm"
	VirtHVF VirtType = "hvf"
	VirtTCG VirtType = "tcg"
)

// Machine is one machine type QEMU reported (query-machines).
type Machine struct {
	Name  string
	Alias string
	// MaxCpus is QEMU's cpu-max; 0 when unknown.
	MaxCpus          uint
	HotplugCpus      bool
	Default          bool // QEMU's own default, not libvirt's preference
	DefaultCPU       string
	NumaMemSupported bool
	DefaultRAMid     string
	Deprecated       bool
	// ACPI is "yes", "no" or "" when QEMU does not say (the machine's
	// "acpi" property, probed per machine).
	ACPI string
}

// CPUModel is one entry of query-cpu-definitions.
type CPUModel struct {
	Name string
	// Type is the QOM type name (typename), empty for old QEMU.
	Type string
	// Usable is "yes", "no" or "" (unknown).
	Usable     string
	Deprecated bool
	// Blockers are the features making the model unusable, in libvirt's
	// spelling (cache.go converts from and to QEMU's).
	Blockers []string
}

// CPUPropType is the type of a host CPU expansion property.
type CPUPropType string

const (
	CPUPropBoolean CPUPropType = "boolean"
	CPUPropString  CPUPropType = "string"
	CPUPropNumber  CPUPropType = "number"
)

// CPUProp is one property of the host CPU model expansion.
type CPUProp struct {
	Name   string
	Type   CPUPropType
	Bool   bool
	String string
	Number int64
	// Migratable is "yes", "no" or "" when unknown.
	Migratable string
}

// HostCPU is QEMU's expansion of the host (KVM) or max (TCG) CPU model.
type HostCPU struct {
	Model         string
	Migratability bool
	Props         []CPUProp
}

// Accel is the part of the capabilities that depends on the accelerator.
type Accel struct {
	HostCPU *HostCPU
	// CPUModels is nil when QEMU could not list CPU models.
	CPUModels []CPUModel
	// Machines come in libvirt's order: its preferred default first.
	Machines []Machine
}

// GIC is one ARM interrupt controller version the host offers.
type GIC struct {
	Version  uint
	Kernel   bool
	Emulated bool
}

// SEV is AMD SEV platform data (query-sev-capabilities).
type SEV struct {
	CBitPos         uint
	ReducedPhysBits uint
	PDH             string
	CertChain       string
	CPU0ID          string
	// MaxGuests and MaxESGuests come from the host CPU (CPUID), never
	// from the cache.
	MaxGuests   uint
	MaxESGuests uint
}

// SGXSection is one EPC section of a NUMA node.
type SGXSection struct {
	Node uint
	Size uint64 // KiB
}

// SGX is Intel SGX platform data (query-sgx-capabilities).
type SGX struct {
	FLC, SGX1, SGX2 bool
	SectionSize     uint64 // KiB
	Sections        []SGXSection
}

// Hyperv lists the Hyper-V enlightenments QEMU can offer on this host.
type Hyperv struct {
	Supported string // "yes" or "no"
	// Features are libvirt's names in its enum order.
	Features []string
}

// Caps is everything known about one QEMU binary.
type Caps struct {
	Binary string
	// Ctime is the binary's ctime when probed, in seconds.
	Ctime int64
	// ModDirMtime is the mtime of QEMU's module directory (0 when there
	// is none).
	ModDirMtime int64
	// SelfCtime and SelfVersion identify the daemon that probed; a cache
	// written by another build is probed again.
	SelfCtime   int64
	SelfVersion uint

	flags [(flagCount + 63) / 64]uint64

	// Version is major*1000000 + minor*1000 + micro.
	Version          uint
	KVMVersion       uint
	MicrocodeVersion uint
	HostCPUSignature string
	// Package is QEMU's package string; HasPackage tells an empty
	// <package/> from none.
	Package       string
	HasPackage    bool
	KernelVersion string
	Arch          string

	KVM, HVF, TCG Accel

	GIC    []GIC
	SEV    *SEV
	SGX    *SGX
	Hyperv *Hyperv

	KVMSupportsNesting     bool
	KVMSupportsSecureGuest bool

	// hostModels memoizes HostCPUModel, as libvirt computes host-model
	// CPUs once per capabilities.
	hostModels map[hostModelKey]hostModelResult
}

// New returns empty capabilities for binary.
func New(binary string) *Caps { return &Caps{Binary: binary} }

// Has reports whether flag is set.
func (c *Caps) Has(f Flag) bool {
	if c == nil || f < 0 || f >= flagCount {
		return false
	}
	return c.flags[f/64]&(1<<(uint(f)%64)) != 0
}

// Set sets flags.
func (c *Caps) Set(fs ...Flag) {
	for _, f := range fs {
		if f >= 0 && f < flagCount {
			c.flags[f/64] |= 1 << (uint(f) % 64)
		}
	}
}

// Clear clears flags.
func (c *Caps) Clear(fs ...Flag) {
	for _, f := range fs {
		if f >= 0 && f < flagCount {
			c.flags[f/64] &^= 1 << (uint(f) % 64)
		}
	}
}

// Flags lists the set flags in libvirt's order.
func (c *Caps) Flags() []Flag {
	var out []Flag
	for f := Flag(0); f < flagCount; f++ {
		if c.Has(f) {
			out = append(out, f)
		}
	}
	return out
}

// Accel returns the accelerator-dependent data for virtType; anything
// other than kvm and hvf is TCG, as in libvirt.
func (c *Caps) Accel(t VirtType) *Accel {
	switch t {
	case VirtKVM:
		return &c.KVM
	case VirtHVF:
		return &c.HVF
	}
	return &c.TCG
}

// HaveAccel reports whether a hardware accelerator is available.
func (c *Caps) HaveAccel() bool { return c.Has(KVM) || c.Has(HVF) }

// VersionString is the version as "major.minor.micro".
func (c *Caps) VersionString() string {
	return itoa(c.Version/1000000) + "." + itoa(c.Version/1000%1000) + "." + itoa(c.Version%1000)
}

// Copy returns a deep copy, so a caller may adjust flags (as tests do)
// without touching a shared cache entry.
func (c *Caps) Copy() *Caps {
	n := *c
	n.hostModels = nil
	copyAccel := func(a Accel) Accel {
		out := Accel{}
		if a.HostCPU != nil {
			h := *a.HostCPU
			h.Props = append([]CPUProp(nil), a.HostCPU.Props...)
			out.HostCPU = &h
		}
		if a.CPUModels != nil {
			out.CPUModels = make([]CPUModel, len(a.CPUModels))
			for i, m := range a.CPUModels {
				m.Blockers = append([]string(nil), m.Blockers...)
				out.CPUModels[i] = m
			}
		}
		out.Machines = append([]Machine(nil), a.Machines...)
		return out
	}
	n.KVM, n.HVF, n.TCG = copyAccel(c.KVM), copyAccel(c.HVF), copyAccel(c.TCG)
	n.GIC = append([]GIC(nil), c.GIC...)
	if c.SEV != nil {
		s := *c.SEV
		n.SEV = &s
	}
	if c.SGX != nil {
		s := *c.SGX
		s.Sections = append([]SGXSection(nil), c.SGX.Sections...)
		n.SGX = &s
	}
	if c.Hyperv != nil {
		h := *c.Hyperv
		h.Features = append([]string(nil), c.Hyperv.Features...)
		n.Hyperv = &h
	}
	return &n
}

// Machine returns the machine type named name (canonical name), or nil.
func (c *Caps) Machine(t VirtType, name string) *Machine {
	a := c.Accel(t)
	for i := range a.Machines {
		if a.Machines[i].Name == name {
			return &a.Machines[i]
		}
	}
	return nil
}

// CanonicalMachine resolves an alias ("pc", "q35") to the machine it
// stands for; other names come back unchanged.
func (c *Caps) CanonicalMachine(t VirtType, name string) string {
	if c == nil || name == "" {
		return name
	}
	for _, m := range c.Accel(t).Machines {
		if m.Alias != "" && m.Alias == name {
			return m.Name
		}
	}
	return name
}

// IsMachineSupported reports whether canonical is a machine type of t.
func (c *Caps) IsMachineSupported(t VirtType, canonical string) bool {
	return c.Machine(t, canonical) != nil
}

// DefaultMachine is libvirt's default machine type for t: the first one
// listed (its preferred machine was moved there when probing).
func (c *Caps) DefaultMachine(t VirtType) string {
	a := c.Accel(t)
	if len(a.Machines) == 0 {
		return ""
	}
	return a.Machines[0].Name
}

// MachineMaxCpus is the machine's vCPU limit, 0 when unknown.
func (c *Caps) MachineMaxCpus(t VirtType, name string) uint {
	if m := c.Machine(t, name); m != nil {
		return m.MaxCpus
	}
	return 0
}

// MachineHotplugCpus reports whether the machine can hot-plug vCPUs.
func (c *Caps) MachineHotplugCpus(t VirtType, name string) bool {
	m := c.Machine(t, name)
	return m != nil && m.HotplugCpus
}

// MachineNumaMemSupported reports whether "-numa node,mem=" still works.
func (c *Caps) MachineNumaMemSupported(t VirtType, name string) bool {
	m := c.Machine(t, name)
	return m != nil && m.NumaMemSupported
}

// MachineDefaultRAMid is the id of the machine's RAM backend ("pc.ram").
func (c *Caps) MachineDefaultRAMid(t VirtType, name string) string {
	if m := c.Machine(t, name); m != nil {
		return m.DefaultRAMid
	}
	return ""
}

// MachineDeprecated reports whether QEMU marks the machine deprecated.
func (c *Caps) MachineDeprecated(t VirtType, name string) bool {
	m := c.Machine(t, name)
	return m != nil && m.Deprecated
}

// MachineACPI is "yes", "no" or "" when unknown.
func (c *Caps) MachineACPI(t VirtType, name string) string {
	if m := c.Machine(t, name); m != nil {
		return m.ACPI
	}
	return ""
}

// MachineDefaultCPU is the CPU model name (not QOM type) the machine
// uses when none is given, or "" (virQEMUCapsGetMachineDefaultCPU).
func (c *Caps) MachineDefaultCPU(t VirtType, name string) string {
	a := c.Accel(t)
	m := c.Machine(t, name)
	if m == nil || m.DefaultCPU == "" || a.CPUModels == nil {
		return ""
	}
	for _, cpu := range a.CPUModels {
		if cpu.Type == m.DefaultCPU {
			return cpu.Name
		}
	}
	return ""
}

// CPUModel returns the CPU model named name, or nil.
func (c *Caps) CPUModel(t VirtType, name string) *CPUModel {
	a := c.Accel(t)
	for i := range a.CPUModels {
		if a.CPUModels[i].Name == name {
			return &a.CPUModels[i]
		}
	}
	return nil
}

// IsCPUDeprecated reports whether QEMU marks the CPU model deprecated.
func (c *Caps) IsCPUDeprecated(t VirtType, name string) bool {
	m := c.CPUModel(t, name)
	return m != nil && m.Deprecated
}

// IsVirtTypeSupported reports whether domains of type "qemu", "kvm" or
// "hvf" can run (virQEMUCapsIsVirtTypeSupported).
func (c *Caps) IsVirtTypeSupported(domainType string) bool {
	switch domainType {
	case "qemu":
		return c.Has(TCG)
	case "kvm":
		return c.Has(KVM)
	case "hvf":
		return c.Has(HVF)
	}
	return false
}

// AccelFor maps a domain type ("kvm", "hvf", "qemu") to its accelerator.
func AccelFor(domainType string) VirtType {
	switch domainType {
	case "kvm":
		return VirtKVM
	case "hvf":
		return VirtHVF
	}
	return VirtTCG
}

// IsArchSupported reports whether guests of arch run on this binary
// (virQEMUCapsIsArchSupported).
func (c *Caps) IsArchSupported(arch string) bool {
	switch {
	case arch == c.Arch:
		return true
	case c.Arch == "x86_64" && arch == "i686",
		c.Arch == "aarch64" && arch == "armv7l",
		c.Arch == "armv7l" && arch == "armv6l",
		c.Arch == "ppc64" && arch == "ppc64le":
		return true
	}
	return false
}

// MachineNames lists the machine type names (and aliases) of t, sorted;
// for messages.
func (c *Caps) MachineNames(t VirtType) []string {
	var out []string
	for _, m := range c.Accel(t).Machines {
		out = append(out, m.Name)
	}
	sort.Strings(out)
	return out
}

func itoa(u uint) string {
	if u == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for u > 0 {
		i--
		b[i] = byte('0' + u%10)
		u /= 10
	}
	return string(b[i:])
}
