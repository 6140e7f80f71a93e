// Package units scales the sizes libvirt's XML carries with a unit
// attribute (virScaleInteger), and names the units libvirt writes back.
package units

import (
	"math"
	"strconv"
	"strings"

	"github.com/govirt/govirt/virt/virterr"
)

// Scale multiplies value by unit, as libvirt's virScaleInteger does: an empty
// unit means scale (the element's default, e.g. 1024 for memory in KiB);
// "b"/"bytes" is 1; "k"/"KiB" 1024, "KB" 1000, and so on up to exbibytes.
// limit bounds the result (0: no bound beyond uint64).
func Scale(value uint64, unit string, scale uint64, limit uint64) (uint64, error) {
	var mult uint64
	if unit == "" {
		mult = scale
	} else {
		u := strings.ToLower(unit)
		base := uint64(0)
		switch {
		case u == "b" || u == "byte" || u == "bytes":
			mult = 1
		case len(u) == 1 || (len(u) == 3 && u[1:] == "ib"):
			base = 1024
		case len(u) == 2 && u[1] == 'b':
			base = 1000
		default:
			return 0, virterr.New(virterr.InvalidArg, "unknown suffix '%s'", unit)
		}
		if mult == 0 {
			pow := strings.IndexByte("kmgtpe", u[0])
			if pow < 0 {
				return 0, virterr.New(virterr.InvalidArg, "unknown suffix '%s'", unit)
			}
			mult = 1
			for i := 0; i <= pow; i++ {
				mult *= base
			}
		}
	}
	if limit == 0 {
		limit = math.MaxUint64
	}
	if mult != 0 && value > limit/mult {
		return 0, virterr.New(virterr.Overflow, "value too large: %d%s", value, unit)
	}
	return value * mult, nil
}

// ParseScaled parses a decimal (or 0x-hex) number and scales it.
func ParseScaled(text, unit string, scale, limit uint64) (uint64, error) {
	v, err := strconv.ParseUint(strings.TrimSpace(text), 0, 64)
	if err != nil {
		return 0, virterr.New(virterr.InvalidArg, "invalid value '%s'", text)
	}
	return Scale(v, unit, scale, limit)
}
