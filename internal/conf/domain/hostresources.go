package domain

import (
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// This file holds the small top-level elements about the host side of a
// guest: <blkiotune>, <resource>, <idmap>, <pm> and <keywrap>.

// BlkioTune is <blkiotune>.
type BlkioTune struct {
	Weight  uint
	Devices []BlkioDevice
}

// BlkioDevice is one <blkiotune><device>; zero values are unset.
type BlkioDevice struct {
	Path                        string
	Weight                      uint
	ReadIOPS, WriteIOPS         uint
	ReadBytesSec, WriteBytesSec uint64
}

func parseBlkioTune(n *xmltree.Node) (*BlkioTune, error) {
	t := &BlkioTune{}
	// libvirt reads the weight with virXPathUInt and takes anything
	// that is not a number as no weight at all.
	if w, ok := n.ChildText("weight"); ok {
		if v, ok := parseULongLongPositive(w); ok && v <= math.MaxUint32 {
			t.Weight = uint(v)
		}
	}
	seen := map[string]bool{}
	for _, d := range n.ChildrenNamed("device") {
		var dev BlkioDevice
		for _, c := range d.Children {
			text := strings.TrimSpace(c.Text)
			parse := func(bits int) (uint64, error) {
				v, err := strconv.ParseUint(text, 10, bits)
				if err != nil {
					return 0, virterr.NewFrom(virterr.FromDomain, virterr.InvalidArg, "could not parse %s %s", c.Name, text)
				}
				return v, nil
			}
			var v uint64
			var err error
			switch c.Name {
			case "path":
				dev.Path = c.Text
			case "weight", "read_iops_sec", "write_iops_sec":
				v, err = parse(32)
			case "read_bytes_sec", "write_bytes_sec":
				v, err = parse(64)
			}
			if err != nil {
				return nil, err
			}
			switch c.Name {
			case "weight":
				dev.Weight = uint(v)
			case "read_iops_sec":
				dev.ReadIOPS = uint(v)
			case "write_iops_sec":
				dev.WriteIOPS = uint(v)
			case "read_bytes_sec":
				dev.ReadBytesSec = v
			case "write_bytes_sec":
				dev.WriteBytesSec = v
			}
		}
		if dev.Path == "" {
			return nil, virterr.NewFrom(virterr.FromDomain, virterr.ConfigUnsupported, "%s", "missing per-device path")
		}
		if seen[dev.Path] {
			return nil, virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "duplicate blkio device path '%s'", dev.Path)
		}
		seen[dev.Path] = true
		t.Devices = append(t.Devices, dev)
	}
	return t, nil
}

func (t *BlkioTune) format(b *xmlbuf.Buffer) {
	c := b.Child()
	if t.Weight > 0 {
		c.Asprintf("<weight>%d</weight>\n", t.Weight)
	}
	for _, d := range t.Devices {
		if d.Weight == 0 && d.ReadIOPS == 0 && d.WriteIOPS == 0 && d.ReadBytesSec == 0 && d.WriteBytesSec == 0 {
			continue
		}
		c.AddLit("<device>\n")
		c.AdjustIndent(2)
		c.Asprintf("<path>%s</path>\n", xmlbuf.Escape(d.Path))
		for _, v := range []struct {
			name string
			v    uint64
		}{
			{"weight", uint64(d.Weight)}, {"read_iops_sec", uint64(d.ReadIOPS)},
			{"write_iops_sec", uint64(d.WriteIOPS)}, {"read_bytes_sec", d.ReadBytesSec},
			{"write_bytes_sec", d.WriteBytesSec},
		} {
			if v.v != 0 {
				c.Asprintf("<%s>%d</%s>\n", v.name, v.v, v.name)
			}
		}
		c.AdjustIndent(-2)
		c.AddLit("</device>\n")
	}
	b.FormatElement("blkiotune", nil, c)
}

// Resource is <resource>: the guest's cgroup partition and its
// fibre-channel application id.
type Resource struct {
	Partition string
	AppID     string
}

func parseResource(n *xmltree.Node) *Resource {
	r := &Resource{}
	r.Partition, _ = n.ChildText("partition")
	if f := n.Child("fibrechannel"); f != nil {
		r.AppID = f.Prop("appid")
	}
	return r
}

func (r *Resource) validate() error {
	if r.AppID != "" {
		if len(r.AppID) > 128 {
			return virterr.NewFrom(virterr.FromDomain, virterr.InvalidArg, "Fibre Channel 'appid' string length must be between [1, %d]", 128)
		}
		for _, ch := range []byte(r.AppID) {
			if ch < 0x20 || ch > 0x7e {
				return virterr.NewFrom(virterr.FromDomain, virterr.InvalidArg, "%s", "Fibre Channel 'appid' must contain only printable characters")
			}
		}
	}
	return nil
}

func (r *Resource) format(b *xmlbuf.Buffer) {
	c := b.Child()
	c.TextElementIf("partition", r.Partition)
	if r.AppID != "" {
		c.Asprintf("<fibrechannel appid='%s'/>\n", xmlbuf.Escape(r.AppID))
	}
	b.FormatElement("resource", nil, c)
}

// IDMap is <idmap>: user and group id ranges of a container.
type IDMap struct {
	UIDs, GIDs []IDMapEntry
}

// IDMapEntry maps Count ids from Start in the guest to Target on the host.
type IDMapEntry struct {
	Start, Target, Count uint
}

func parseIDMapEntries(nodes []*xmltree.Node) ([]IDMapEntry, error) {
	var out []IDMapEntry
	for _, n := range nodes {
		var e IDMapEntry
		for _, a := range []struct {
			name string
			dst  *uint
		}{{"start", &e.Start}, {"target", &e.Target}, {"count", &e.Count}} {
			v, err := strconv.ParseUint(strings.TrimSpace(n.Prop(a.name)), 10, 32)
			if err != nil {
				return nil, virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "%s", "invalid idmap start/target/count settings")
			}
			*a.dst = uint(v)
		}
		out = append(out, e)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Start < out[j].Start })
	return out, nil
}

func parseIDMap(n *xmltree.Node) (*IDMap, error) {
	m := &IDMap{}
	var err error
	if m.UIDs, err = parseIDMapEntries(n.ChildrenNamed("uid")); err != nil {
		return nil, err
	}
	if m.GIDs, err = parseIDMapEntries(n.ChildrenNamed("gid")); err != nil {
		return nil, err
	}
	return m, nil
}

func (m *IDMap) validate() error {
	if (len(m.UIDs) == 0) != (len(m.GIDs) == 0) {
		return virterr.NewFrom(virterr.FromDomain, virterr.ConfigUnsupported, "%s", "uid and gid should be mapped both")
	}
	return nil
}

func (m *IDMap) format(b *xmlbuf.Buffer) {
	if len(m.UIDs) == 0 && len(m.GIDs) == 0 {
		return
	}
	b.AddLit("<idmap>\n")
	b.AdjustIndent(2)
	for _, e := range m.UIDs {
		b.Asprintf("<uid start='%d' target='%d' count='%d'/>\n", e.Start, e.Target, e.Count)
	}
	for _, e := range m.GIDs {
		b.Asprintf("<gid start='%d' target='%d' count='%d'/>\n", e.Start, e.Target, e.Count)
	}
	b.AdjustIndent(-2)
	b.AddLit("</idmap>\n")
}

// PM is <pm>: whether the guest may suspend to memory or disk ("yes",
// "no", "" unset).
type PM struct {
	SuspendToMem, SuspendToDisk string
}

func parsePM(n *xmltree.Node) *PM {
	p := &PM{}
	if c := n.Child("suspend-to-mem"); c != nil {
		p.SuspendToMem = c.Prop("enabled")
	}
	if c := n.Child("suspend-to-disk"); c != nil {
		p.SuspendToDisk = c.Prop("enabled")
	}
	return p
}

func (p *PM) validate() error {
	if err := checkEnum("suspend-to-mem", "enabled", p.SuspendToMem, "yes", "no"); err != nil {
		return err
	}
	return checkEnum("suspend-to-disk", "enabled", p.SuspendToDisk, "yes", "no")
}

func (p *PM) format(b *xmlbuf.Buffer) {
	c := b.Child()
	if p.SuspendToMem != "" {
		c.Asprintf("<suspend-to-mem enabled='%s'/>\n", xmlbuf.Escape(p.SuspendToMem))
	}
	if p.SuspendToDisk != "" {
		c.Asprintf("<suspend-to-disk enabled='%s'/>\n", xmlbuf.Escape(p.SuspendToDisk))
	}
	b.FormatElement("pm", nil, c)
}

// KeyWrap is <keywrap>: the s390 AES and DEA key wrapping states.
type KeyWrap struct {
	AES, DEA string // on | off | ""
}

func parseKeyWrap(n *xmltree.Node) (*KeyWrap, error) {
	k := &KeyWrap{}
	for _, c := range n.ChildrenNamed("cipher") {
		name, err := requiredProp(c, "name")
		if err != nil {
			return nil, err
		}
		state, err := requiredProp(c, "state")
		if err != nil {
			return nil, err
		}
		var dst *string
		switch name {
		case "aes":
			dst = &k.AES
		case "dea":
			dst = &k.DEA
		default:
			return nil, errInvalidProp("cipher", "name", name)
		}
		if *dst != "" {
			return nil, virterr.NewFrom(virterr.FromDomain, virterr.InternalError, "A domain definition can have no more than one cipher node with name %s", name)
		}
		*dst = state
	}
	return k, nil
}

func (k *KeyWrap) validate() error {
	if err := checkEnum("cipher", "state", k.AES, tristateSwitch...); err != nil {
		return err
	}
	return checkEnum("cipher", "state", k.DEA, tristateSwitch...)
}

func (k *KeyWrap) format(b *xmlbuf.Buffer) {
	c := b.Child()
	if k.AES != "" {
		c.Asprintf("<cipher name='aes' state='%s'/>\n", xmlbuf.Escape(k.AES))
	}
	if k.DEA != "" {
		c.Asprintf("<cipher name='dea' state='%s'/>\n", xmlbuf.Escape(k.DEA))
	}
	b.FormatElement("keywrap", nil, c)
}
