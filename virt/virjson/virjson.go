// Package virjson writes JSON as libvirt's virjson.c does
// (virJSONValueToString over yajl): members in the order they were read,
// numbers exactly as written, yajl's string escapes, and yajl's
// beautified layout (two-space indent, empty containers opened and closed
// on their own lines, a final newline) when pretty. The daemon passes
// QEMU's and the guest agent's answers on in this form, and virsh prints
// them with it.
package virjson

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Reformat parses data and writes it again as libvirt would.
func Reformat(data []byte, pretty bool) (string, error) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	w := &writer{pretty: pretty}
	if err := w.value(d, 0); err != nil {
		return "", err
	}
	if _, err := d.Token(); err == nil {
		return "", fmt.Errorf("trailing data after the JSON value")
	}
	if pretty {
		w.b.WriteByte('\n')
	}
	return w.b.String(), nil
}

type writer struct {
	b      strings.Builder
	pretty bool
}

func (w *writer) newline(depth int) {
	if w.pretty {
		w.b.WriteByte('\n')
		w.b.WriteString(strings.Repeat("  ", depth))
	}
}

func (w *writer) value(d *json.Decoder, depth int) error {
	tok, err := d.Token()
	if err != nil {
		return err
	}
	switch t := tok.(type) {
	case json.Delim:
		open, close := t, json.Delim('}')
		if open == '[' {
			close = ']'
		} else if open != '{' {
			return fmt.Errorf("unexpected %v", t)
		}
		w.b.WriteRune(rune(open))
		if w.pretty {
			w.b.WriteByte('\n')
		}
		i := 0
		for ; d.More(); i++ {
			if i > 0 {
				w.b.WriteByte(',')
				if w.pretty {
					w.b.WriteByte('\n')
				}
			}
			if w.pretty {
				w.b.WriteString(strings.Repeat("  ", depth+1))
			}
			if open == '{' {
				k, err := d.Token()
				if err != nil {
					return err
				}
				key, _ := k.(string)
				w.b.WriteString(Quote(key))
				w.b.WriteByte(':')
				if w.pretty {
					w.b.WriteByte(' ')
				}
			}
			if err := w.value(d, depth+1); err != nil {
				return err
			}
		}
		if _, err := d.Token(); err != nil {
			return err
		}
		if i == 0 && w.pretty {
			w.b.WriteString(strings.Repeat("  ", depth))
		} else {
			w.newline(depth)
		}
		w.b.WriteRune(rune(close))
	case string:
		w.b.WriteString(Quote(t))
	case json.Number:
		w.b.WriteString(t.String())
	case bool:
		fmt.Fprint(&w.b, t)
	case nil:
		w.b.WriteString("null")
	}
	return nil
}

// Quote writes s as yajl_gen_string does: the two-character escapes for
// quote, backslash and \b \f \n \r \t, \u00XX (upper-case hex) for the
// other control characters, everything else (the solidus, non-ASCII) as
// it is.
func Quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		c := s[i]
		switch {
		case c == '"':
			b.WriteString(`\"`)
		case c == '\\':
			b.WriteString(`\\`)
		case c == '\b':
			b.WriteString(`\b`)
		case c == '\f':
			b.WriteString(`\f`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\t':
			b.WriteString(`\t`)
		case c < 0x20:
			fmt.Fprintf(&b, `\u%04X`, c)
		case r == utf8.RuneError && size == 1:
			b.WriteByte(c)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	b.WriteByte('"')
	return b.String()
}

// Member is one member of a JSON object, in the order written.
type Member struct {
	Key   string
	Value json.RawMessage
}

// Members reads a JSON object keeping its members' order; ok is false
// when text is valid JSON but not an object. A syntax error is returned
// as err.
func Members(text string) (members []Member, ok bool, err error) {
	if !json.Valid([]byte(text)) {
		var v any
		err := json.Unmarshal([]byte(text), &v)
		if err == nil {
			err = fmt.Errorf("syntax error")
		}
		return nil, false, err
	}
	d := json.NewDecoder(strings.NewReader(text))
	if tok, _ := d.Token(); tok != json.Delim('{') {
		return nil, false, nil
	}
	for d.More() {
		k, _ := d.Token()
		var v json.RawMessage
		if err := d.Decode(&v); err != nil {
			return nil, false, err
		}
		key, _ := k.(string)
		members = append(members, Member{Key: key, Value: v})
	}
	return members, true, nil
}
