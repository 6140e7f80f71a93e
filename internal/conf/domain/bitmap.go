package domain

import (
	"sort"
	"strconv"
	"strings"

	"github.com/govirt/govirt/virt/virterr"
)

// CPUSet is a set of CPU (or node, vcpu, iothread) numbers as libvirt's
// virBitmap parses and writes them ("0-3,^2,8").
type CPUSet []uint

// maxBitmapBit bounds parsed numbers, as libvirt's VIR_DOMAIN_CPUMASK_LEN
// and friends do, so a hostile "0-4000000000" cannot allocate memory.
const maxBitmapBit = 1 << 20

// ParseCPUSet reads libvirt's range syntax: comma-separated numbers or
// ranges "a-b", a leading '^' excludes, blanks around items are allowed.
func ParseCPUSet(s string) (CPUSet, error) {
	bad := func() error {
		return virterr.New(virterr.InvalidArg, "Failed to parse bitmap '%s'", s)
	}
	set := map[uint]bool{}
	items := strings.Split(s, ",")
	for _, it := range items {
		it = strings.TrimSpace(it)
		if it == "" {
			return nil, bad()
		}
		neg := false
		if it[0] == '^' {
			neg = true
			it = it[1:]
		}
		lo, hi := it, it
		if i := strings.IndexByte(it, '-'); i >= 0 {
			if neg {
				return nil, bad()
			}
			lo, hi = strings.TrimSpace(it[:i]), strings.TrimSpace(it[i+1:])
		}
		a, err1 := strconv.ParseUint(lo, 10, 32)
		b, err2 := strconv.ParseUint(hi, 10, 32)
		if err1 != nil || err2 != nil || a > b || b >= maxBitmapBit {
			return nil, bad()
		}
		for v := a; v <= b; v++ {
			if neg {
				delete(set, uint(v))
			} else {
				set[uint(v)] = true
			}
		}
	}
	out := make(CPUSet, 0, len(set))
	for v := range set {
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out, nil
}

// String writes the set as virBitmapFormat does: ascending ranges.
func (c CPUSet) String() string {
	var b strings.Builder
	for i := 0; i < len(c); {
		j := i
		for j+1 < len(c) && c[j+1] == c[j]+1 {
			j++
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatUint(uint64(c[i]), 10))
		if j > i {
			b.WriteByte('-')
			b.WriteString(strconv.FormatUint(uint64(c[j]), 10))
		}
		i = j + 1
	}
	return b.String()
}

// Has reports whether v is in the set.
func (c CPUSet) Has(v uint) bool {
	i := sort.Search(len(c), func(i int) bool { return c[i] >= v })
	return i < len(c) && c[i] == v
}

// Overlaps reports whether the sets share a member.
func (c CPUSet) Overlaps(o CPUSet) bool {
	for _, v := range c {
		if o.Has(v) {
			return true
		}
	}
	return false
}

// Equal reports whether the sets are equal.
func (c CPUSet) Equal(o CPUSet) bool {
	if len(c) != len(o) {
		return false
	}
	for i := range c {
		if c[i] != o[i] {
			return false
		}
	}
	return true
}

// Below keeps the members smaller than n.
func (c CPUSet) Below(n uint) CPUSet {
	var out CPUSet
	for _, v := range c {
		if v < n {
			out = append(out, v)
		}
	}
	return out
}

// parseNonEmptySet reads a set that libvirt rejects when it selects
// nothing (a pin or nodeset such as "^0").
func parseNonEmptySet(s, attr string) (CPUSet, error) {
	set, err := ParseCPUSet(s)
	if err != nil {
		return nil, err
	}
	if len(set) == 0 {
		return nil, virterr.NewFrom(virterr.FromDomain, virterr.ConfigUnsupported, "Invalid value of '%s': %s", attr, s)
	}
	return set, nil
}
