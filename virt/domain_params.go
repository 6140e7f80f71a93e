package virt

import (
	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/virt/virterr"
)

// TypedParam is one named, typed value (virTypedParameter). Value holds an
// int32 (VIR_TYPED_PARAM_INT), uint32, int64, uint64, float64, bool or
// string.
type TypedParam struct {
	Field string
	Value any
}

// Type is the parameter's virTypedParameterType.
func (p TypedParam) Type() TypedParameterType {
	switch p.Value.(type) {
	case int32:
		return TypedParamInt
	case uint32:
		return TypedParamUint
	case int64:
		return TypedParamLlong
	case uint64:
		return TypedParamUllong
	case float64:
		return TypedParamDouble
	case bool:
		return TypedParamBoolean
	case string:
		return TypedParamString
	}
	return 0
}

func paramsToDriver(params []TypedParam) ([]driver.TypedParam, error) {
	out := make([]driver.TypedParam, 0, len(params))
	for _, p := range params {
		v := driver.TypedParamValue{Type: int32(p.Type())}
		switch x := p.Value.(type) {
		case int32:
			v.I = x
		case uint32:
			v.UI = x
		case int64:
			v.L = x
		case uint64:
			v.UL = x
		case float64:
			v.D = x
		case bool:
			if x {
				v.B = 1
			}
		case string:
			v.S = x
		default:
			return nil, virterr.New(virterr.InvalidArg, "invalid type for parameter '%s'", p.Field)
		}
		out = append(out, driver.TypedParam{Field: p.Field, Value: v})
	}
	return out, nil
}

func paramsFromDriver(params []driver.TypedParam) []TypedParam {
	out := make([]TypedParam, 0, len(params))
	for _, p := range params {
		var v any
		switch p.Value.Type {
		case driver.ParamInt:
			v = p.Value.I
		case driver.ParamUInt:
			v = p.Value.UI
		case driver.ParamLLong:
			v = p.Value.L
		case driver.ParamULLong:
			v = p.Value.UL
		case driver.ParamDouble:
			v = p.Value.D
		case driver.ParamBoolean:
			v = p.Value.B != 0
		case driver.ParamString:
			v = p.Value.S
		}
		out = append(out, TypedParam{Field: p.Field, Value: v})
	}
	return out
}

// typedParamStringOkay is VIR_TYPED_PARAM_STRING_OKAY, which libvirt's
// public API adds to every getter call of a client that can take strings.
const typedParamStringOkay = 1 << 2
