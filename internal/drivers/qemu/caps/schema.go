package caps

import (
	"encoding/json"
	"strings"

	"github.com/govirt/govirt/virt/virterr"
)

// schemaEntry is one entity of query-qmp-schema; only what the path
// queries look at is decoded.
type schemaEntry struct {
	Name        string          `json:"name"`
	MetaType    string          `json:"meta-type"`
	ArgType     string          `json:"arg-type"`
	RetType     string          `json:"ret-type"`
	ElementType string          `json:"element-type"`
	JSONType    string          `json:"json-type"`
	Members     json.RawMessage `json:"members"`
	Variants    []schemaMember  `json:"variants"`
	Values      []string        `json:"values"`
	Features    []string        `json:"features"`
}

type schemaMember struct {
	Name     string          `json:"name"`
	Case     string          `json:"case"`
	Type     string          `json:"type"`
	Default  json.RawMessage `json:"default"`
	Features []string        `json:"features"`
	hasDef   bool
}

// Schema is QEMU's QAPI schema keyed by entity name.
type Schema map[string]*schemaEntry

// ParseSchema reads a query-qmp-schema reply.
func ParseSchema(raw json.RawMessage) (Schema, error) {
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, virterr.NewFrom(virterr.FromQemu, virterr.InternalError, "malformed QMP schema")
	}
	s := make(Schema, len(list))
	for _, item := range list {
		e := &schemaEntry{}
		if err := json.Unmarshal(item, e); err != nil || e.Name == "" {
			return nil, virterr.NewFrom(virterr.FromQemu, virterr.InternalError, "malformed QMP schema")
		}
		s[e.Name] = e
	}
	return s, nil
}

// members decodes an entry's "members": objects and alternates have
// member objects, enums (QEMU 6.2+) too; "default" must be noticed even
// when it is null.
func (e *schemaEntry) members() []schemaMember {
	if len(e.Members) == 0 {
		return nil
	}
	var raws []json.RawMessage
	if json.Unmarshal(e.Members, &raws) != nil {
		return nil
	}
	out := make([]schemaMember, 0, len(raws))
	for _, r := range raws {
		var m schemaMember
		if json.Unmarshal(r, &m) != nil {
			continue
		}
		var keys map[string]json.RawMessage
		if json.Unmarshal(r, &keys) == nil {
			_, m.hasDef = keys["default"]
		}
		out = append(out, m)
	}
	return out
}

func hasFeature(features []string, name string) bool {
	for _, f := range features {
		if f == name {
			return true
		}
	}
	return false
}

// PathExists answers a libvirt schema query (virQEMUQAPISchemaPathExists):
// "command/arg-type/member/+variant/…" with '*member' (optional member),
// '^value' (enum value), '!type' (builtin JSON type) and '$feature'
// (feature flag of the type or enum value).
func (s Schema) PathExists(query string) bool {
	parts := strings.Split(query, "/")
	if _, ok := s[parts[0]]; !ok {
		return false
	}
	t := schemaTraversal{s: s, queries: parts[1:]}
	return t.traverse(parts[0]) == 1
}

type schemaTraversal struct {
	s       Schema
	queries []string
	depth   int
}

func (t *schemaTraversal) next() string {
	q := t.queries[0]
	t.queries = t.queries[1:]
	return q
}

func isAlpha(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }

// traverse returns 1 found, 0 not found, negative for a malformed schema
// or query (treated as not found by PathExists).
func (t *schemaTraversal) traverse(name string) int {
	t.depth++
	if t.depth > 1000 {
		return -2
	}
	cur, ok := t.s[name]
	if !ok {
		return -2
	}
	if len(t.queries) == 0 {
		return 1
	}
	switch cur.MetaType {
	case "object":
		return t.object(cur)
	case "array":
		if cur.ElementType == "" {
			return -2
		}
		return t.traverse(cur.ElementType)
	case "command", "event":
		return t.command(cur)
	case "enum":
		return t.enum(cur)
	case "builtin":
		q := t.next()
		if q == "" || q[0] != '!' {
			return 0
		}
		if len(t.queries) > 0 {
			return -3
		}
		if cur.JSONType == q[1:] {
			return 1
		}
		return 0
	case "alternate":
		saved := *t
		for _, m := range cur.members() {
			if m.Type == "" {
				continue
			}
			*t = saved
			if rc := t.traverse(m.Type); rc != 0 {
				return rc
			}
		}
		return 0
	}
	return 0
}

func (t *schemaTraversal) object(cur *schemaEntry) int {
	q := t.next()
	if q == "" {
		return 0
	}
	mod := q[0]
	if !isAlpha(mod) {
		q = q[1:]
	}
	switch mod {
	case '^', '!':
		return 0
	case '$':
		if len(t.queries) > 0 {
			return -3
		}
		if hasFeature(cur.Features, q) {
			return 1
		}
		return 0
	case '+':
		for _, v := range cur.Variants {
			if v.Case == q {
				return t.traverse(v.Type)
			}
		}
		return 0
	}
	for _, m := range cur.members() {
		if m.Name != q {
			continue
		}
		if mod == '*' && !m.hasDef {
			return 0
		}
		return t.traverse(m.Type)
	}
	return 0
}

func (t *schemaTraversal) command(cur *schemaEntry) int {
	q := t.next()
	if q == "" {
		return 0
	}
	mod := q[0]
	if !isAlpha(mod) {
		q = q[1:]
	}
	switch mod {
	case '^', '!', '+', '*':
		return 0
	case '$':
		if len(t.queries) > 0 {
			return -3
		}
		if hasFeature(cur.Features, q) {
			return 1
		}
		return 0
	}
	var typ string
	switch q {
	case "arg-type":
		typ = cur.ArgType
	case "ret-type":
		typ = cur.RetType
	}
	if typ == "" {
		return 0
	}
	return t.traverse(typ)
}

func (t *schemaTraversal) enum(cur *schemaEntry) int {
	q := t.next()
	if q == "" || q[0] != '^' {
		return 0
	}
	feature := ""
	if len(t.queries) > 0 {
		f := t.next()
		if f == "" || f[0] != '$' || len(t.queries) > 0 {
			return -3
		}
		feature = f[1:]
	}
	value := q[1:]
	// QEMU 6.2 added "members" superseding "values".
	if len(cur.Members) > 0 {
		for _, m := range cur.members() {
			if m.Name == value {
				if feature != "" {
					if hasFeature(m.Features, feature) {
						return 1
					}
					return 0
				}
				return 1
			}
		}
		return 0
	}
	if feature != "" {
		return 0
	}
	for _, v := range cur.Values {
		if v == value {
			return 1
		}
	}
	return 0
}
