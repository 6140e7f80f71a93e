package command

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/govirt/govirt/virt/virterr"
)

// Props is an ordered JSON object as libvirt builds them with
// virJSONValueObjectAdd: -device, -object, -netdev and -blockdev take their
// properties in the order they were added, so the order is kept.
//
// The adders mirror virJSONValueObjectAdd's type letters: Str is 's',
// StrOpt 'S' (skipped when empty), Int 'i', IntNZ 'z' (skipped when 0),
// IntNN 'k' (skipped when negative), Uint 'u', UintNZ 'p'/'P', Bool 'b',
// BoolTrue 'B' (skipped when false), Tristate 'T', Obj and Arr 'a'/'A'.
type Props struct {
	keys []string
	vals []any
}

// Array is an ordered JSON array.
type Array []any

// Number is a preformatted JSON number, for values libvirt prints from a
// string (sizes it already holds as text, doubles).
type Number string

// NewProps returns an empty object.
func NewProps() *Props { return &Props{} }

// Len is the number of members.
func (p *Props) Len() int {
	if p == nil {
		return 0
	}
	return len(p.keys)
}

// Keys returns the member names in order.
func (p *Props) Keys() []string { return append([]string(nil), p.keys...) }

// Get returns a member's value.
func (p *Props) Get(key string) (any, bool) {
	if p == nil {
		return nil, false
	}
	for i, k := range p.keys {
		if k == key {
			return p.vals[i], true
		}
	}
	return nil, false
}

// GetString returns a string member, "" when absent or not a string.
func (p *Props) GetString(key string) string {
	v, _ := p.Get(key)
	s, _ := v.(string)
	return s
}

// Has reports whether key is a member.
func (p *Props) Has(key string) bool {
	_, ok := p.Get(key)
	return ok
}

// Remove deletes a member; it reports whether there was one.
func (p *Props) Remove(key string) bool {
	for i, k := range p.keys {
		if k == key {
			p.keys = append(p.keys[:i], p.keys[i+1:]...)
			p.vals = append(p.vals[:i], p.vals[i+1:]...)
			return true
		}
	}
	return false
}

// Set appends a member of any JSON-able value: string, bool, int kinds,
// uint kinds, float64, Number, *Props, Array, nil (null).
func (p *Props) Set(key string, v any) *Props {
	p.keys = append(p.keys, key)
	p.vals = append(p.vals, v)
	return p
}

// Prepend inserts a member first (virJSONValueObjectPrependString).
func (p *Props) Prepend(key string, v any) *Props {
	p.keys = append([]string{key}, p.keys...)
	p.vals = append([]any{v}, p.vals...)
	return p
}

// Str appends a string member.
func (p *Props) Str(key, v string) *Props { return p.Set(key, v) }

// StrOpt appends a string member unless it is empty.
func (p *Props) StrOpt(key, v string) *Props {
	if v == "" {
		return p
	}
	return p.Set(key, v)
}

// Int appends an integer member.
func (p *Props) Int(key string, v int64) *Props { return p.Set(key, v) }

// IntNZ appends an integer member unless it is zero.
func (p *Props) IntNZ(key string, v int64) *Props {
	if v == 0 {
		return p
	}
	return p.Set(key, v)
}

// IntNN appends an integer member unless it is negative.
func (p *Props) IntNN(key string, v int64) *Props {
	if v < 0 {
		return p
	}
	return p.Set(key, v)
}

// Uint appends an unsigned member.
func (p *Props) Uint(key string, v uint64) *Props { return p.Set(key, v) }

// UintNZ appends an unsigned member unless it is zero.
func (p *Props) UintNZ(key string, v uint64) *Props {
	if v == 0 {
		return p
	}
	return p.Set(key, v)
}

// Bool appends a boolean member.
func (p *Props) Bool(key string, v bool) *Props { return p.Set(key, v) }

// BoolTrue appends a boolean member only when it is true.
func (p *Props) BoolTrue(key string, v bool) *Props {
	if !v {
		return p
	}
	return p.Set(key, true)
}

// Tristate appends a boolean from libvirt's tristate text ("yes"/"on" is
// true, "no"/"off" false); anything else, including "", is skipped.
func (p *Props) Tristate(key, v string) *Props {
	switch v {
	case "yes", "on":
		return p.Set(key, true)
	case "no", "off":
		return p.Set(key, false)
	}
	return p
}

// Obj appends a nested object unless it is nil.
func (p *Props) Obj(key string, v *Props) *Props {
	if v == nil {
		return p
	}
	return p.Set(key, v)
}

// Arr appends an array unless it is nil.
func (p *Props) Arr(key string, v Array) *Props {
	if v == nil {
		return p
	}
	return p.Set(key, v)
}

// JSON renders the object compactly, as virJSONValueToString(props, false).
func (p *Props) JSON() string {
	var b strings.Builder
	writeJSON(&b, p)
	return b.String()
}

func (p *Props) String() string { return p.JSON() }

func writeJSON(b *strings.Builder, v any) {
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case *Props:
		if x == nil {
			b.WriteString("null")
			return
		}
		b.WriteByte('{')
		for i, k := range x.keys {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSONString(b, k)
			b.WriteByte(':')
			writeJSON(b, x.vals[i])
		}
		b.WriteByte('}')
	case Array:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSON(b, e)
		}
		b.WriteByte(']')
	case string:
		writeJSONString(b, x)
	case bool:
		if x {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case Number:
		b.WriteString(string(x))
	default:
		b.WriteString(scalarText(v))
	}
}

func scalarText(v any) string {
	switch x := v.(type) {
	case int:
		return strconv.FormatInt(int64(x), 10)
	case int64:
		return strconv.FormatInt(x, 10)
	case int32:
		return strconv.FormatInt(int64(x), 10)
	case uint:
		return strconv.FormatUint(uint64(x), 10)
	case uint64:
		return strconv.FormatUint(x, 10)
	case uint32:
		return strconv.FormatUint(uint64(x), 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case Number:
		return string(x)
	case string:
		return x
	case bool:
		if x {
			return "true"
		}
		return "false"
	}
	return fmt.Sprint(v)
}

// writeJSONString escapes like libvirt's JSON generator: quotes,
// backslashes and control characters; '/' and non-ASCII pass through.
func writeJSONString(b *strings.Builder, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '"':
			b.WriteString(`\"`)
		case c == '\\':
			b.WriteString(`\\`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\t':
			b.WriteString(`\t`)
		case c == '\b':
			b.WriteString(`\b`)
		case c == '\f':
			b.WriteString(`\f`)
		case c < 0x20:
			fmt.Fprintf(b, `\u%04x`, c)
		case c < utf8.RuneSelf:
			b.WriteByte(c)
		default:
			_, size := utf8.DecodeRuneInString(s[i:])
			b.WriteString(s[i : i+size])
			i += size
			continue
		}
		i++
	}
	b.WriteByte('"')
}

// ArrayStyle says how KeyValue writes arrays (the arrayFunc argument of
// virQEMUBuildCommandLineJSON).
type ArrayStyle int

const (
	// ArrayNone refuses arrays.
	ArrayNone ArrayStyle = iota
	// ArrayBitmap writes an array of numbers as ranges: key=0-3,key=5.
	ArrayBitmap
	// ArrayObjectsStr writes each {"str":…} member as key=str.
	ArrayObjectsStr
)

// KeyValue renders the object as QEMU's key=value,key=value option
// syntax (virQEMUBuildCommandLineJSON), leaving out skipKey; nested
// objects become dotted keys, booleans on/off, and commas in strings are
// doubled.
func (p *Props) KeyValue(skipKey string, arrays ArrayStyle) (string, error) {
	var b strings.Builder
	if err := p.keyValue(&b, "", skipKey, arrays); err != nil {
		return "", err
	}
	return strings.TrimSuffix(b.String(), ","), nil
}

func (p *Props) keyValue(b *strings.Builder, prefix, skipKey string, arrays ArrayStyle) error {
	for i, k := range p.keys {
		if prefix == "" && k == skipKey {
			continue
		}
		key := k
		if prefix != "" {
			key = prefix + "." + k
		}
		if err := keyValueMember(b, key, p.vals[i], arrays, false); err != nil {
			return err
		}
	}
	return nil
}

func keyValueMember(b *strings.Builder, key string, v any, arrays ArrayStyle, nested bool) error {
	switch x := v.(type) {
	case string:
		b.WriteString(key + "=" + EscapeComma(x) + ",")
	case bool:
		if x {
			b.WriteString(key + "=on,")
		} else {
			b.WriteString(key + "=off,")
		}
	case *Props:
		return x.keyValue(b, key, "", arrays)
	case Array:
		if nested {
			return virterr.New(virterr.InternalError, "nested JSON array to commandline conversion is not supported")
		}
		switch arrays {
		case ArrayBitmap:
			return keyValueBitmap(b, key, x)
		case ArrayObjectsStr:
			for _, e := range x {
				o, ok := e.(*Props)
				if !ok || !o.Has("str") {
					return virterr.New(virterr.InternalError, "JSON array -> commandline conversion function not provided")
				}
				b.WriteString(key + "=" + EscapeComma(o.GetString("str")) + ",")
			}
			return nil
		default:
			return virterr.New(virterr.InternalError, "JSON array -> commandline conversion function not provided")
		}
	case nil:
		return virterr.New(virterr.InternalError, "NULL JSON type can't be converted to commandline")
	default:
		b.WriteString(key + "=" + scalarText(v) + ",")
	}
	return nil
}

func keyValueBitmap(b *strings.Builder, key string, arr Array) error {
	nums := make([]int64, 0, len(arr))
	for _, e := range arr {
		n, err := strconv.ParseInt(scalarText(e), 10, 64)
		if err != nil {
			return virterr.New(virterr.InternalError, "JSON array -> commandline conversion function not provided")
		}
		nums = append(nums, n)
	}
	for i := 0; i < len(nums); {
		j := i
		for j+1 < len(nums) && nums[j+1] == nums[j]+1 {
			j++
		}
		if j > i {
			fmt.Fprintf(b, "%s=%d-%d,", key, nums[i], nums[j])
		} else {
			fmt.Fprintf(b, "%s=%d,", key, nums[i])
		}
		i = j + 1
	}
	return nil
}

// EscapeComma doubles commas, QEMU's escaping inside option values
// (virQEMUBuildBufferEscapeComma).
func EscapeComma(s string) string { return strings.ReplaceAll(s, ",", ",,") }
