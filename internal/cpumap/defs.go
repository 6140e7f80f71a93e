// Package cpumap is libvirt's CPU map — the vendors, features and models
// of each architecture — as Go data generated from libvirt's cpu_map
// files (map_gen.go), with the CPU driver logic libvirt runs on it
// (src/cpu/cpu_x86.c, cpu_ppc64.c, cpu_arm.c): decoding CPUID data into
// the closest model plus added and removed features, the baseline of
// several CPUs, comparing a guest CPU with a host CPU, updating a guest
// CPU from the host's and expanding a model into its features.
package cpumap

//go:generate go run ../gen/cpumapgen -dir /usr/share/libvirt/cpu_map -out map_gen.go

// Alias is another name of a feature (<alias name source>), in the
// spelling of QEMU or of Linux's /proc/cpuinfo.
type Alias struct {
	Name   string
	Source string
}

// X86Item is one CPUID leaf (In = eax_in, Sub = ecx_in) with the bits of
// its four registers, or one MSR (In = index; Eax and Edx hold its low
// and high halves).
type X86Item struct {
	MSR                bool
	In, Sub            uint32
	Eax, Ebx, Ecx, Edx uint32
}

type x86VendorDef struct {
	Name   string
	String string // the 12-character CPUID vendor string
}

type x86FeatureDef struct {
	Name          string
	NonMigratable bool
	Aliases       []Alias
	Items         []X86Item
}

// SignatureDef is one family/model (and optionally a stepping set, in
// libvirt's bitmap syntax) a model is made for.
type SignatureDef struct {
	Family, Model uint32
	Stepping      string
}

type x86ModelDef struct {
	Name                    string
	DecodeHost, DecodeGuest bool
	Ancestor                string
	Vendor                  string
	Signatures              []SignatureDef
	Features                []string
	// Removed are features QEMU dropped from the model: not part of its
	// data, but always spelled out (disabled) in guest definitions.
	Removed []string
}

// PVR is one processor version register value with its mask.
type PVR struct {
	Value, Mask uint32
}

// PPC64Model is one POWER CPU model.
type PPC64Model struct {
	Name   string
	Vendor string
	PVR    []PVR
}

// ARMVendor is an ARM implementer and its MIDR implementer code.
type ARMVendor struct {
	Name  string
	Value uint32
}

// ARMModel is one ARM CPU model and its MIDR part number.
type ARMModel struct {
	Name   string
	Vendor string
	PVR    uint32
}
