package test

import (
	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/virt/virterr"
)

var paramTypeNames = map[int32]string{
	driver.ParamInt: "int", driver.ParamUInt: "uint", driver.ParamLLong: "llong",
	driver.ParamULLong: "ullong", driver.ParamDouble: "double", driver.ParamBoolean: "boolean",
	driver.ParamString: "string",
}

// validateParams is virTypedParamsValidate: every parameter must be one
// of allowed, with its type, at most once.
func validateParams(params []driver.TypedParam, allowed map[string]int32) error {
	seen := map[string]bool{}
	for _, p := range params {
		want, ok := allowed[p.Field]
		if !ok {
			return errf(virterr.ArgumentUnsupported, "parameter '%s' not supported", p.Field)
		}
		if seen[p.Field] {
			return errf(virterr.InvalidArg, "parameter '%s' occurs multiple times", p.Field)
		}
		seen[p.Field] = true
		if p.Value.Type != want {
			return errf(virterr.InvalidArg, "invalid type '%s' for parameter '%s', expected '%s'",
				paramTypeNames[p.Value.Type], p.Field, paramTypeNames[want])
		}
	}
	return nil
}

func uintParam(field string, v uint32) driver.TypedParam {
	return driver.TypedParam{Field: field, Value: driver.TypedParamValue{Type: driver.ParamUInt, UI: v}}
}

func ullongParam(field string, v uint64) driver.TypedParam {
	return driver.TypedParam{Field: field, Value: driver.TypedParamValue{Type: driver.ParamULLong, UL: v}}
}

func intParam(field string, v int32) driver.TypedParam {
	return driver.TypedParam{Field: field, Value: driver.TypedParamValue{Type: driver.ParamInt, I: v}}
}

func stringParam(field, v string) driver.TypedParam {
	return driver.TypedParam{Field: field, Value: driver.TypedParamValue{Type: driver.ParamString, S: v}}
}

func boolParam(field string, v bool) driver.TypedParam {
	p := driver.TypedParam{Field: field, Value: driver.TypedParamValue{Type: driver.ParamBoolean}}
	if v {
		p.Value.B = 1
	}
	return p
}

// firstN is TEST_SET_PARAM's truncation: a caller asking for fewer
// parameters gets the first ones.
func firstN(params []driver.TypedParam, n int32) []driver.TypedParam {
	if int(n) < len(params) {
		return params[:n]
	}
	return params
}

// cpuMapBytes writes set as a cpumap of maplen bytes.
func cpuMapBytes(set domain.CPUSet, maplen int) []byte {
	out := make([]byte, maplen)
	for _, c := range set {
		if int(c/8) < maplen {
			out[c/8] |= 1 << (c % 8)
		}
	}
	return out
}

func cpuSetFromMap(m []byte) domain.CPUSet {
	var set domain.CPUSet
	for i, b := range m {
		for bit := 0; bit < 8; bit++ {
			if b&(1<<bit) != 0 {
				set = append(set, uint(i*8+bit))
			}
		}
	}
	return set
}

func allCPUs(n int) domain.CPUSet {
	set := make(domain.CPUSet, n)
	for i := range set {
		set[i] = uint(i)
	}
	return set
}
