package main

import (
	"encoding/json"
)

// jsonOut prints v as govirsh's JSON output (-o json): two-space
// indented, one document per command, keys as docs/govirsh-json.md
// documents them. Commands call it instead of their text output when
// c.json is set.
func (c *ctl) jsonOut(v any) bool {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		c.errorf("%s", err)
		return false
	}
	c.print("%s\n", data)
	return true
}

// jsonKV is an ordered key/value object for info commands whose fields
// come in a fixed order.
type jsonKV []jsonField

type jsonField struct {
	Key   string
	Value any
}

func (kv jsonKV) MarshalJSON() ([]byte, error) {
	out := []byte{'{'}
	for i, f := range kv {
		if i > 0 {
			out = append(out, ',')
		}
		k, err := json.Marshal(f.Key)
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(f.Value)
		if err != nil {
			return nil, err
		}
		out = append(append(append(out, k...), ':'), v...)
	}
	return append(out, '}'), nil
}
