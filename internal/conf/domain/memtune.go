package domain

import (
	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// MemoryUnlimited is VIR_DOMAIN_MEMORY_PARAM_UNLIMITED: a limit at or above
// it is no limit.
const MemoryUnlimited uint64 = 9007199254740991

// MemTune is <memtune>; limits are in KiB, MemoryUnlimited when unset.
type MemTune struct {
	HardLimit     uint64
	SoftLimit     uint64
	MinGuarantee  uint64
	SwapHardLimit uint64
}

// memtuneOrder is the order virDomainMemtuneFormat writes limits in.
var memtuneOrder = []string{"hard_limit", "soft_limit", "min_guarantee", "swap_hard_limit"}

func (m *MemTune) field(name string) *uint64 {
	switch name {
	case "hard_limit":
		return &m.HardLimit
	case "soft_limit":
		return &m.SoftLimit
	case "min_guarantee":
		return &m.MinGuarantee
	default:
		return &m.SwapHardLimit
	}
}

func parseMemTune(n *xmltree.Node) (*MemTune, error) {
	m := &MemTune{MemoryUnlimited, MemoryUnlimited, MemoryUnlimited, MemoryUnlimited}
	for _, name := range memtuneOrder {
		c := n.Child(name)
		if c == nil {
			continue
		}
		bytes, present, err := parseScaledValue(c.Text, c.Prop("unit"), "./memtune/"+name+"[1]", 1024, MemoryUnlimited<<10)
		if err != nil {
			return nil, err
		}
		if !present {
			continue
		}
		kib := bytes/1024 + min(bytes%1024, 1)
		if kib > MemoryUnlimited {
			kib = MemoryUnlimited
		}
		*m.field(name) = kib
	}
	return m, nil
}

func (m *MemTune) validate() error {
	if m.HardLimit != MemoryUnlimited && m.SwapHardLimit != MemoryUnlimited && m.SwapHardLimit < m.HardLimit {
		return virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "%s", "swap_hard_limit cannot be less than hard_limit")
	}
	return nil
}

func (m *MemTune) format(b *xmlbuf.Buffer) {
	c := b.Child()
	for _, name := range memtuneOrder {
		if v := *m.field(name); v < MemoryUnlimited {
			c.Asprintf("<%s unit='KiB'>%d</%s>\n", name, v, name)
		}
	}
	b.FormatElement("memtune", nil, c)
}
