package domain

import (
	"strconv"
	"strings"

	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// Features is <features>. Switch-like features hold "on", "off" or ""
// (absent); values outside libvirt's enums are kept as written and
// rejected by Validate.
type Features struct {
	// Old-style booleans: present means on, whatever their attributes say.
	ACPI, PAE, Viridian, PrivNet bool
	APIC                         bool
	APICEOI                      string

	HAP, PMU, PVSpinlock, VMPort, VMCoreInfo, HTM, NestedHV, CCFAssist string

	HyperV       *HyperV
	KVM          *KVMFeatures
	Xen          *XenFeatures
	Capabilities *ProcessCaps
	GIC          *GIC
	SMM          *SMM
	IOAPICDriver string // kvm | qemu
	HPT          *HPT
	MSRsUnknown  string // ignore | fault
	CFPC         string
	SBBC         string
	IBS          string
	// TBCache is <tcg><tb-cache> in bytes; nil when absent.
	TBCache *uint64

	// unknown are child elements libvirt does not know; Validate rejects
	// them as libvirt's parser does.
	unknown []*xmltree.Node
}

// HyperV is <features><hyperv>.
type HyperV struct {
	Mode string // custom | passthrough
	// States holds each enlightenment's state by element name.
	States map[string]string
	// SpinlockRetries is <spinlocks retries>, read when spinlocks are on.
	SpinlockRetries uint
	// STimerDirect is <stimer><direct state>.
	STimerDirect string
	// VendorID is <vendor_id value>, read when vendor_id is on.
	VendorID string
}

// hypervOrder is virDomainHyperv's enum order, which is the print order.
var hypervOrder = []string{
	"relaxed", "vapic", "spinlocks", "vpindex", "runtime", "synic", "stimer",
	"reset", "vendor_id", "frequencies", "reenlightenment", "tlbflush", "ipi",
	"evmcs", "avic",
}

// KVMFeatures is <features><kvm>.
type KVMFeatures struct {
	States map[string]string
	// DirtyRingSize is <dirty-ring size>, read when the ring is on.
	DirtyRingSize uint
}

var kvmOrder = []string{"hidden", "hint-dedicated", "poll-control", "pv-ipi", "dirty-ring"}

// XenFeatures is <features><xen>.
type XenFeatures struct {
	E820Host        string
	Passthrough     string
	PassthroughMode string // sync_pt | share_pt, kept when passthrough is on
}

// ProcessCaps is <features><capabilities> (LXC process capabilities).
type ProcessCaps struct {
	Policy string // default | allow | deny
	States map[string]string
}

// processCapsOrder is virDomainProcessCapsFeature's enum order.
var processCapsOrder = []string{
	"audit_control", "audit_write", "block_suspend", "chown", "dac_override",
	"dac_read_search", "fowner", "fsetid", "ipc_lock", "ipc_owner", "kill",
	"lease", "linux_immutable", "mac_admin", "mac_override", "mknod",
	"net_admin", "net_bind_service", "net_broadcast", "net_raw", "setgid",
	"setfcap", "setpcap", "setuid", "sys_admin", "sys_boot", "sys_chroot",
	"sys_module", "sys_nice", "sys_pacct", "sys_ptrace", "sys_rawio",
	"sys_resource", "sys_time", "sys_tty_config", "syslog", "wake_alarm",
}

// GIC is <features><gic>.
type GIC struct {
	Version string // host | 2 | 3, "" when unset
}

// SMM is <features><smm>.
type SMM struct {
	State string
	// TSeg is the TSEG size in bytes, read when SMM is on; nil when absent.
	TSeg *uint64
}

// HPT is <features><hpt> (pSeries hashed page table).
type HPT struct {
	Resizing string // enabled | disabled | required
	// MaxPageSize is in KiB; 0 when absent.
	MaxPageSize uint64
}

func parseFeatures(n *xmltree.Node) (*Features, error) {
	f := &Features{}
	for _, c := range n.Children {
		if err := f.parseOne(c); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// stateOr reads an optional state attribute, def when absent.
func stateOr(n *xmltree.Node, def string) string {
	if v, ok := n.Attr("state"); ok {
		return v
	}
	return def
}

func (f *Features) parseOne(c *xmltree.Node) error {
	switch c.Name {
	case "acpi":
		f.ACPI = true
	case "pae":
		f.PAE = true
	case "viridian":
		f.Viridian = true
	case "privnet":
		f.PrivNet = true
	case "apic":
		f.APIC = true
		f.APICEOI = c.Prop("eoi")
	case "hap":
		f.HAP = stateOr(c, "on")
	case "pmu":
		f.PMU = stateOr(c, "on")
	case "pvspinlock":
		f.PVSpinlock = stateOr(c, "on")
	case "vmport":
		f.VMPort = stateOr(c, "on")
	case "vmcoreinfo":
		f.VMCoreInfo = stateOr(c, "on")
	case "htm":
		f.HTM = stateOr(c, "on")
	case "nested-hv":
		f.NestedHV = stateOr(c, "on")
	case "ccf-assist":
		f.CCFAssist = stateOr(c, "on")
	case "gic":
		f.GIC = &GIC{Version: c.Prop("version")}
	case "smm":
		s := &SMM{State: stateOr(c, "on")}
		if t := c.Child("tseg"); t != nil && s.State == "on" {
			v, present, err := scaledBytes(t, "string(./features/smm/tseg)", 1024*1024)
			if err != nil {
				return err
			}
			if present {
				s.TSeg = &v
			}
		}
		f.SMM = s
	case "ioapic":
		f.IOAPICDriver = c.Prop("driver")
	case "hpt":
		h := &HPT{Resizing: c.Prop("resizing")}
		if m := c.Child("maxpagesize"); m != nil {
			v, _, err := scaledBytes(m, "./features/hpt/maxpagesize", 1024)
			if err != nil {
				return virterr.NewFrom(virterr.FromDomain, virterr.ConfigUnsupported, "%s", "Unable to parse HPT maxpagesize setting")
			}
			h.MaxPageSize = v / 1024
		}
		if h.Resizing == "" && h.MaxPageSize == 0 {
			h = nil
		}
		f.HPT = h
	case "msrs":
		v, err := requiredProp(c, "unknown")
		if err != nil {
			return err
		}
		f.MSRsUnknown = v
	case "cfpc":
		f.CFPC = c.Prop("value")
	case "sbbc":
		f.SBBC = c.Prop("value")
	case "ibs":
		f.IBS = c.Prop("value")
	case "tcg":
		f.TBCache = nil
		if t := c.Child("tb-cache"); t != nil {
			v, present, err := scaledBytes(t, "./tb-cache", 1024)
			if err != nil {
				return err
			}
			if present {
				f.TBCache = &v
			}
		}
	case "hyperv":
		h, err := parseHyperV(c)
		if err != nil {
			return err
		}
		f.HyperV = h
	case "kvm":
		k, err := parseKVMFeatures(c)
		if err != nil {
			return err
		}
		f.KVM = k
	case "xen":
		x := &XenFeatures{}
		for _, e := range c.Children {
			switch e.Name {
			case "e820_host":
				v, err := requiredProp(e, "state")
				if err != nil {
					return err
				}
				x.E820Host = v
			case "passthrough":
				v, err := requiredProp(e, "state")
				if err != nil {
					return err
				}
				x.Passthrough = v
				x.PassthroughMode = ""
				if v == "on" {
					x.PassthroughMode = e.Prop("mode")
				}
			}
		}
		f.Xen = x
	case "capabilities":
		p := &ProcessCaps{Policy: c.Prop("policy"), States: map[string]string{}}
		if p.Policy == "" {
			p.Policy = "default"
		}
		for _, e := range c.Children {
			p.States[e.Name] = stateOr(e, "on")
		}
		f.Capabilities = p
	default:
		f.unknown = append(f.unknown, c)
	}
	return nil
}

func parseHyperV(c *xmltree.Node) (*HyperV, error) {
	h := &HyperV{Mode: c.Prop("mode"), States: map[string]string{}}
	if h.Mode == "" {
		h.Mode = "custom"
	}
	for _, e := range c.Children {
		known := false
		for _, k := range hypervOrder {
			if e.Name == k {
				known = true
			}
		}
		if !known {
			// libvirt's parser rejects these; Validate reports it.
			h.States[e.Name] = e.Prop("state")
			continue
		}
		state, err := requiredProp(e, "state")
		if err != nil {
			return nil, err
		}
		h.States[e.Name] = state
		if state != "on" {
			continue
		}
		switch e.Name {
		case "spinlocks":
			r, err := requiredProp(e, "retries")
			if err != nil {
				return nil, err
			}
			v, err := strconv.ParseUint(strings.TrimSpace(r), 10, 32)
			if err != nil {
				return nil, errInvalidNumberProp("spinlocks", "retries", r, expectNonNegativeInt)
			}
			h.SpinlockRetries = uint(v)
		case "stimer":
			h.STimerDirect = ""
			if d := e.Child("direct"); d != nil {
				v, err := requiredProp(d, "state")
				if err != nil {
					return nil, err
				}
				h.STimerDirect = v
			}
		case "vendor_id":
			v, err := requiredProp(e, "value")
			if err != nil {
				return nil, err
			}
			h.VendorID = v
		}
	}
	return h, nil
}

func parseKVMFeatures(c *xmltree.Node) (*KVMFeatures, error) {
	k := &KVMFeatures{States: map[string]string{}}
	for _, e := range c.Children {
		state, err := requiredProp(e, "state")
		if err != nil {
			return nil, err
		}
		k.States[e.Name] = state
		if e.Name == "dirty-ring" && state == "on" {
			s, err := requiredProp(e, "size")
			if err != nil {
				return nil, err
			}
			v, err := strconv.ParseUint(strings.TrimSpace(s), 10, 32)
			if err != nil {
				return nil, errInvalidNumberProp("dirty-ring", "size", s, expectNonNegativeInt)
			}
			k.DirtyRingSize = uint(v)
		}
	}
	return k, nil
}

func (f *Features) validate() error {
	for _, u := range f.unknown {
		return virterr.NewFrom(virterr.FromDomain, virterr.ConfigUnsupported, "unexpected feature '%s'", u.Name)
	}
	for _, s := range []struct{ elem, v string }{
		{"hap", f.HAP}, {"pmu", f.PMU}, {"pvspinlock", f.PVSpinlock},
		{"vmport", f.VMPort}, {"vmcoreinfo", f.VMCoreInfo}, {"htm", f.HTM},
		{"nested-hv", f.NestedHV}, {"ccf-assist", f.CCFAssist},
	} {
		if err := checkEnum(s.elem, "state", s.v, tristateSwitch...); err != nil {
			return err
		}
	}
	if err := checkEnum("apic", "eoi", f.APICEOI, tristateSwitch...); err != nil {
		return err
	}
	if f.GIC != nil {
		if err := checkEnum("gic", "version", f.GIC.Version, "host", "2", "3"); err != nil {
			return err
		}
	}
	if f.SMM != nil {
		if err := checkEnum("smm", "state", f.SMM.State, tristateSwitch...); err != nil {
			return err
		}
	}
	if err := checkEnum("ioapic", "driver", f.IOAPICDriver, "kvm", "qemu"); err != nil {
		return err
	}
	if f.HPT != nil {
		if err := checkEnum("hpt", "resizing", f.HPT.Resizing, "enabled", "disabled", "required"); err != nil {
			return err
		}
	}
	if err := checkEnum("msrs", "unknown", f.MSRsUnknown, "ignore", "fault"); err != nil {
		return err
	}
	for _, s := range []struct{ elem, v string }{{"cfpc", f.CFPC}, {"sbbc", f.SBBC}} {
		if err := checkEnum(s.elem, "value", s.v, "broken", "workaround", "fixed"); err != nil {
			return err
		}
	}
	if err := checkEnum("ibs", "value", f.IBS, "broken", "workaround", "fixed-ibs", "fixed-ccd", "fixed-na"); err != nil {
		return err
	}
	if h := f.HyperV; h != nil {
		if err := checkEnum("hyperv", "mode", h.Mode, "custom", "passthrough"); err != nil {
			return err
		}
		for name, st := range h.States {
			known := false
			for _, k := range hypervOrder {
				known = known || k == name
			}
			if !known {
				return virterr.NewFrom(virterr.FromDomain, virterr.ConfigUnsupported, "unsupported HyperV Enlightenment feature: %s", name)
			}
			if err := checkEnum(name, "state", st, tristateSwitch...); err != nil {
				return err
			}
		}
		if h.States["spinlocks"] == "on" && h.SpinlockRetries < 0xFFF {
			return virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "%s", "HyperV spinlock retry count must be at least 4095")
		}
		if h.States["vendor_id"] == "on" && len(h.VendorID) > 12 {
			return virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "HyperV vendor_id value must not be more than %d characters.", 12)
		}
	}
	if k := f.KVM; k != nil {
		for name, st := range k.States {
			known := false
			for _, o := range kvmOrder {
				known = known || o == name
			}
			if !known {
				return virterr.NewFrom(virterr.FromDomain, virterr.ConfigUnsupported, "unsupported KVM feature: %s", name)
			}
			if err := checkEnum(name, "state", st, tristateSwitch...); err != nil {
				return err
			}
		}
		if k.States["dirty-ring"] == "on" {
			s := k.DirtyRingSize
			if s&(s-1) != 0 || s < 1024 || s > 65536 {
				return virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "%s", "dirty ring must be power of 2 and ranges [1024, 65536]")
			}
		}
	}
	if c := f.Capabilities; c != nil {
		if err := checkEnum("capabilities", "policy", c.Policy, "default", "allow", "deny"); err != nil {
			return err
		}
		for name := range c.States {
			known := false
			for _, o := range processCapsOrder {
				known = known || o == name
			}
			if !known {
				return virterr.NewFrom(virterr.FromDomain, virterr.ConfigUnsupported, "unexpected capability feature '%s'", name)
			}
		}
	}
	return nil
}

func (f *Features) format(b *xmlbuf.Buffer) {
	c := b.Child()
	if f.ACPI {
		c.AddLit("<acpi/>\n")
	}
	if f.APIC {
		c.AddLit("<apic")
		c.AttrIf("eoi", f.APICEOI)
		c.AddLit("/>\n")
	}
	if f.PAE {
		c.AddLit("<pae/>\n")
	}
	formatState(c, "hap", f.HAP)
	if f.Viridian {
		c.AddLit("<viridian/>\n")
	}
	if f.PrivNet {
		c.AddLit("<privnet/>\n")
	}
	if h := f.HyperV; h != nil {
		c.Asprintf("<hyperv mode='%s'>\n", xmlbuf.Escape(h.Mode))
		c.AdjustIndent(2)
		for _, name := range hypervOrder {
			st, ok := h.States[name]
			if !ok {
				continue
			}
			c.Asprintf("<%s state='%s'", name, xmlbuf.Escape(st))
			switch {
			case name == "spinlocks" && st == "on":
				c.Attrf("retries", "%d", h.SpinlockRetries)
			case name == "vendor_id" && st == "on":
				c.Attr("value", h.VendorID)
			case name == "stimer" && st == "on" && h.STimerDirect == "on":
				c.AddLit(">\n")
				c.AdjustIndent(2)
				c.AddLit("<direct state='on'/>\n")
				c.AdjustIndent(-2)
				c.AddLit("</stimer>\n")
				continue
			}
			c.AddLit("/>\n")
		}
		c.AdjustIndent(-2)
		c.AddLit("</hyperv>\n")
	}
	if k := f.KVM; k != nil {
		c.AddLit("<kvm>\n")
		c.AdjustIndent(2)
		for _, name := range kvmOrder {
			st, ok := k.States[name]
			if !ok {
				continue
			}
			c.Asprintf("<%s state='%s'", name, xmlbuf.Escape(st))
			if name == "dirty-ring" && st == "on" {
				c.Attrf("size", "%d", k.DirtyRingSize)
			}
			c.AddLit("/>\n")
		}
		c.AdjustIndent(-2)
		c.AddLit("</kvm>\n")
	}
	formatState(c, "pvspinlock", f.PVSpinlock)
	if p := f.Capabilities; p != nil {
		cc := c.Child()
		for _, name := range processCapsOrder {
			if st, ok := p.States[name]; ok {
				cc.Asprintf("<%s state='%s'/>\n", name, xmlbuf.Escape(st))
			}
		}
		attrs := xmlbuf.New()
		if p.Policy != "default" || cc.Len() > 0 {
			attrs.Attr("policy", p.Policy)
		}
		c.FormatElement("capabilities", attrs, cc)
	}
	formatState(c, "pmu", f.PMU)
	formatState(c, "vmport", f.VMPort)
	if f.GIC != nil {
		c.AddLit("<gic")
		c.AttrIf("version", f.GIC.Version)
		c.AddLit("/>\n")
	}
	if s := f.SMM; s != nil {
		c.Asprintf("<smm state='%s'", xmlbuf.Escape(s.State))
		if s.State == "on" && s.TSeg != nil {
			v, unit := formatIntPretty(*s.TSeg)
			c.AddLit(">\n")
			c.AdjustIndent(2)
			c.Asprintf("<tseg unit='%s'>%d</tseg>\n", unit, v)
			c.AdjustIndent(-2)
			c.AddLit("</smm>\n")
		} else {
			c.AddLit("/>\n")
		}
	}
	if f.IOAPICDriver != "" {
		c.Asprintf("<ioapic driver='%s'/>\n", xmlbuf.Escape(f.IOAPICDriver))
	}
	if h := f.HPT; h != nil {
		attrs := xmlbuf.New()
		attrs.AttrIf("resizing", h.Resizing)
		cc := c.Child()
		if h.MaxPageSize > 0 {
			cc.Asprintf("<maxpagesize unit='KiB'>%d</maxpagesize>\n", h.MaxPageSize)
		}
		c.FormatElement("hpt", attrs, cc)
	}
	formatState(c, "vmcoreinfo", f.VMCoreInfo)
	formatState(c, "htm", f.HTM)
	formatState(c, "nested-hv", f.NestedHV)
	if f.MSRsUnknown != "" {
		c.Asprintf("<msrs unknown='%s'/>\n", xmlbuf.Escape(f.MSRsUnknown))
	}
	formatState(c, "ccf-assist", f.CCFAssist)
	if x := f.Xen; x != nil {
		c.AddLit("<xen>\n")
		c.AdjustIndent(2)
		if x.E820Host != "" {
			c.Asprintf("<e820_host state='%s'/>\n", xmlbuf.Escape(x.E820Host))
		}
		if x.Passthrough != "" {
			c.Asprintf("<passthrough state='%s'", xmlbuf.Escape(x.Passthrough))
			if x.Passthrough == "on" {
				c.AttrIf("mode", x.PassthroughMode)
			}
			c.AddLit("/>\n")
		}
		c.AdjustIndent(-2)
		c.AddLit("</xen>\n")
	}
	for _, v := range []struct{ name, value string }{{"cfpc", f.CFPC}, {"sbbc", f.SBBC}, {"ibs", f.IBS}} {
		if v.value != "" {
			c.Asprintf("<%s value='%s'/>\n", v.name, xmlbuf.Escape(v.value))
		}
	}
	if f.TBCache != nil {
		c.AddLit("<tcg>\n")
		c.AdjustIndent(2)
		c.Asprintf("<tb-cache unit='KiB'>%d</tb-cache>\n", *f.TBCache/1024)
		c.AdjustIndent(-2)
		c.AddLit("</tcg>\n")
	}
	keptNodes(c, f.unknown)
	b.FormatElement("features", nil, c)
}

func formatState(b *xmlbuf.Buffer, name, state string) {
	if state != "" {
		b.Asprintf("<%s state='%s'/>\n", name, xmlbuf.Escape(state))
	}
}
