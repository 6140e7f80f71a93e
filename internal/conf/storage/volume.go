package storage

import (
	"math"
	"strings"

	"github.com/govirt/govirt/internal/conf/cnum"
	"github.com/govirt/govirt/internal/conf/encryption"
	"github.com/govirt/govirt/internal/conf/units"
	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// Volume types (virStorageVolType); "" reads as "file".
const (
	VolFile    = "file"
	VolBlock   = "block"
	VolDir     = "dir"
	VolNetwork = "network"
	VolNetDir  = "netdir"
	VolPloop   = "ploop"
)

// Volume features (virStorageFileFeature), in the order libvirt writes them.
var volFeatures = []string{"lazy_refcounts", "extended_l2"}

// VolParseFlags are virStorageVolDefParseString's flags.
type VolParseFlags uint

const (
	// VolParseNoCapacity allows a volume without <capacity>.
	VolParseNoCapacity VolParseFlags = 1 << iota
	// VolParseOptCapacity allows a volume with a backing store to omit
	// <capacity>.
	VolParseOptCapacity
)

// Timespec is a file time; Nsec is written after a dot when non-zero.
type Timespec struct {
	Sec  uint64
	Nsec int64
}

// Timestamps are a volume's file times, filled in by pool refresh; a nil
// field is not known.
type Timestamps struct {
	Atime, Mtime, Ctime, Btime *Timespec
}

// VolTarget is a volume's <target> or <backingStore>.
type VolTarget struct {
	Path string
	// Format is the volume format for pool types that have them; "" until
	// SetDefaults picks the type's default.
	Format     string
	Perms      Perms
	Timestamps *Timestamps
	Encryption *encryption.Def
	Compat     string
	// NoCOW asks for a file without copy-on-write; libvirt reads it but
	// never writes it back.
	NoCOW       bool
	ClusterSize uint64 // bytes; 0 is unset
	// Features lists the <features> children; HasFeatures says the
	// element was there (possibly empty).
	Features    []string
	HasFeatures bool
}

// VolExtent is one <extent> of a volume's <source><device>.
type VolExtent struct {
	Path       string
	Start, End uint64
}

// VolDef is a <volume> document. A volume is read and written in the
// context of its pool, whose type decides which formats it may have.
type VolDef struct {
	PoolType string
	Type     string
	Name     string
	Key      string
	// Extents are where a logical or disk volume lives; reported by the
	// pool, never parsed.
	Extents []VolExtent
	// Capacity and Allocation are in bytes. HasAllocation says the XML
	// gave an allocation; otherwise SetDefaults makes it the capacity.
	Capacity      uint64
	Allocation    uint64
	HasAllocation bool
	// Physical is the host size, reported by drivers; never parsed.
	Physical     uint64
	Target       VolTarget
	BackingStore *VolTarget
}

// ParseVolume reads a volume document belonging to pool
// (virStorageVolDefParseString).
func ParseVolume(data []byte, pool *PoolDef, flags VolParseFlags) (*VolDef, error) {
	root, err := xmltree.ParseRootFrom(data, "(storage_volume_definition)", "volume", virterr.FromStorage)
	if err != nil {
		return nil, err
	}
	return ParseVolumeNode(root, pool, flags)
}

// ParseVolumeNode reads a <volume> element belonging to pool.
func ParseVolumeNode(root *xmltree.Node, pool *PoolDef, flags VolParseFlags) (*VolDef, error) {
	if root.Name != "volume" {
		return nil, xmlError("unexpected root element <%s>, expecting <volume>", root.Name)
	}
	v := &VolDef{}
	if pool != nil {
		v.PoolType = pool.Type
	}
	opts := optionsFor(v.PoolType)
	v.Name = childString(root, "name")
	if v.Name == "" {
		return nil, xmlError("missing volume name element")
	}
	v.Key = childString(root, "key")
	v.Type = root.Prop("type")

	if bn := root.Child("backingStore"); bn != nil {
		if path := childString(bn, "path"); path != "" {
			bs := &VolTarget{Path: path}
			if opts.volFormats != nil {
				bs.Format = attrString(bn, "format", "type")
			}
			perms, err := parsePerms(bn.Child("permissions"))
			if err != nil {
				return nil, err
			}
			bs.Perms = perms
			v.BackingStore = bs
		}
	}

	if cn := root.Child("capacity"); cn != nil && cn.Text != "" {
		c, err := parseSize(cn.Text, cn.Prop("unit"))
		if err != nil {
			return nil, err
		}
		v.Capacity = c
	} else if flags&VolParseNoCapacity == 0 && !(flags&VolParseOptCapacity != 0 && v.BackingStore != nil) {
		return nil, xmlError("missing capacity element")
	}
	if an := root.Child("allocation"); an != nil && an.Text != "" {
		a, err := parseSize(an.Text, an.Prop("unit"))
		if err != nil {
			return nil, err
		}
		v.Allocation, v.HasAllocation = a, true
	}

	tn := root.Child("target")
	if tn == nil {
		return v, nil
	}
	t := &v.Target
	t.Path = childString(tn, "path")
	if opts.volFormats != nil {
		t.Format = attrString(tn, "format", "type")
	}
	perms, err := parsePerms(tn.Child("permissions"))
	if err != nil {
		return nil, err
	}
	t.Perms = perms
	if en := tn.Child("encryption"); en != nil {
		enc, err := encryption.ParseNode(en)
		if err != nil {
			return nil, err
		}
		t.Encryption = enc
	}
	t.Compat = childString(tn, "compat")
	t.NoCOW = tn.Child("nocow") != nil
	if cs := tn.Child("clusterSize"); cs != nil && cs.Text != "" {
		n, ok := cnum.ULongLongP(cs.Text, 10)
		if !ok {
			return nil, xmlHelperError("Invalid value '%s' for element or attribute './target/clusterSize'", cs.Text)
		}
		size, err := units.Scale(n, cs.Prop("unit"), 1, math.MaxUint64)
		if err != nil {
			return nil, err
		}
		t.ClusterSize = size
	}
	if fn := tn.Child("features"); fn != nil {
		t.HasFeatures = true
		for _, f := range fn.Children {
			t.Features = append(t.Features, f.Name)
		}
	}
	return v, nil
}

// parseSize reads a capacity or allocation (virStorageSize): a decimal
// byte count scaled by unit, at most 2^63-1 bytes.
func parseSize(text, unit string) (uint64, error) {
	n, ok := cnum.ULongLongP(text, 10)
	if !ok {
		return 0, xmlError("malformed capacity element")
	}
	return units.Scale(n, unit, 1, math.MaxInt64)
}

// SetDefaults fills in what libvirt's volume parser derives: the file
// type, the pool type's default format, the allocation from the capacity,
// and qcow2 compat 1.1 when features are asked for.
func (v *VolDef) SetDefaults() {
	opts := optionsFor(v.PoolType)
	if v.Type == "" {
		v.Type = VolFile
	}
	if !v.HasAllocation {
		v.Allocation = v.Capacity
	}
	if opts.volFormats != nil {
		if v.Target.Format == "" {
			v.Target.Format = opts.defaultVolFormat
		}
		if v.BackingStore != nil && v.BackingStore.Format == "" {
			v.BackingStore.Format = opts.defaultVolFormat
		}
	}
	if v.Target.HasFeatures && v.Target.Compat == "" {
		v.Target.Compat = "1.1"
	}
}

// Validate makes the checks libvirt's volume parser makes beyond syntax.
func (v *VolDef) Validate() error {
	opts := optionsFor(v.PoolType)
	switch v.Type {
	case "", VolFile, VolBlock, VolDir, VolNetwork, VolNetDir, VolPloop:
	default:
		return unsupported("unknown volume type '%s'", v.Type)
	}
	for _, t := range []*VolTarget{v.BackingStore, &v.Target} {
		if t == nil || opts.volFormats == nil || t.Format == "" {
			continue
		}
		if indexOf(opts.volFormats, t.Format) < 0 {
			return unsupported("unknown volume format type %s", t.Format)
		}
	}
	if v.Target.Encryption != nil {
		if err := v.Target.Encryption.Validate(); err != nil {
			return err
		}
	}
	if err := checkCompat(v.Target.Compat); err != nil {
		return err
	}
	for _, f := range v.Target.Features {
		if indexOf(volFeatures, f) < 0 {
			return unsupported("unsupported feature %s", f)
		}
	}
	return nil
}

// checkCompat accepts a "major.minor" qcow2 compat level
// (virStorageCheckCompat).
func checkCompat(compat string) error {
	if compat == "" {
		return nil
	}
	major, minor, ok := strings.Cut(compat, ".")
	if ok {
		_, ok1 := cnum.UInt(major, 10)
		_, ok2 := cnum.UInt(minor, 10)
		ok = ok1 && ok2
	}
	if !ok {
		return xmlError("forbidden characters in 'compat' attribute")
	}
	return nil
}

// Format writes the volume document (virStorageVolDefFormat).
func (v *VolDef) Format() string {
	b := xmlbuf.New()
	t := v.Type
	if t == "" {
		t = VolFile
	}
	b.Asprintf("<volume type='%s'>\n", xmlbuf.Escape(t))
	b.AdjustIndent(2)
	b.EscapeString("<name>%s</name>\n", v.Name)
	if v.Key != "" {
		b.EscapeString("<key>%s</key>\n", v.Key)
	}
	src := b.Child()
	var prev *VolExtent
	for i := range v.Extents {
		e := &v.Extents[i]
		if prev == nil || prev.Path != e.Path {
			if prev != nil {
				src.AddLit("</device>\n")
			}
			src.EscapeString("<device path='%s'>\n", e.Path)
		}
		src.AdjustIndent(2)
		src.Asprintf("<extent start='%d' end='%d'/>\n", e.Start, e.End)
		src.AdjustIndent(-2)
		prev = e
	}
	if prev != nil {
		src.AddLit("</device>\n")
	}
	b.FormatElement("source", nil, src)
	b.Asprintf("<capacity unit='bytes'>%d</capacity>\n", v.Capacity)
	b.Asprintf("<allocation unit='bytes'>%d</allocation>\n", v.Allocation)
	if v.Physical != 0 {
		b.Asprintf("<physical unit='bytes'>%d</physical>\n", v.Physical)
	}
	opts := optionsFor(v.PoolType)
	v.Target.format(b, "target", opts)
	if v.BackingStore != nil {
		v.BackingStore.format(b, "backingStore", opts)
	}
	b.AdjustIndent(-2)
	b.AddLit("</volume>\n")
	return b.String()
}

func (t *VolTarget) format(b *xmlbuf.Buffer, element string, opts poolOptions) {
	b.Asprintf("<%s>\n", element)
	b.AdjustIndent(2)
	if t.Path != "" {
		b.EscapeString("<path>%s</path>\n", t.Path)
	}
	if opts.volFormats != nil {
		f := t.Format
		if f == "" {
			f = opts.defaultVolFormat
		}
		b.Asprintf("<format type='%s'/>\n", xmlbuf.Escape(f))
	}
	t.Perms.format(b)
	if ts := t.Timestamps; ts != nil {
		b.AddLit("<timestamps>\n")
		b.AdjustIndent(2)
		for _, s := range []struct {
			name string
			ts   *Timespec
		}{{"atime", ts.Atime}, {"mtime", ts.Mtime}, {"ctime", ts.Ctime}, {"btime", ts.Btime}} {
			if s.ts == nil {
				continue
			}
			b.Asprintf("<%s>%d", s.name, s.ts.Sec)
			if s.ts.Nsec != 0 {
				b.Asprintf(".%09d", s.ts.Nsec)
			}
			b.Asprintf("</%s>\n", s.name)
		}
		b.AdjustIndent(-2)
		b.AddLit("</timestamps>\n")
	}
	if t.Encryption != nil {
		t.Encryption.FormatTo(b)
	}
	if t.Compat != "" {
		b.EscapeString("<compat>%s</compat>\n", t.Compat)
	}
	if t.ClusterSize > 0 {
		b.Asprintf("<clusterSize unit='B'>%d</clusterSize>\n", t.ClusterSize)
	}
	if t.HasFeatures {
		var names []string
		for _, f := range volFeatures {
			if indexOf(t.Features, f) >= 0 {
				names = append(names, f)
			}
		}
		// unknown features (refused by Validate) keep their place after
		for _, f := range t.Features {
			if indexOf(volFeatures, f) < 0 && indexOf(names, f) < 0 {
				names = append(names, f)
			}
		}
		if len(names) == 0 {
			b.AddLit("<features/>\n")
		} else {
			b.AddLit("<features>\n")
			b.AdjustIndent(2)
			for _, f := range names {
				b.Asprintf("<%s/>\n", f)
			}
			b.AdjustIndent(-2)
			b.AddLit("</features>\n")
		}
	}
	b.AdjustIndent(-2)
	b.Asprintf("</%s>\n", element)
}
