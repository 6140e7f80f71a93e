package main

import (
	"bytes"
	"fmt"
	"go/format"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/govirt/govirt/internal/gen/xdrspec"
)

type kind int

const (
	kPrim kind = iota
	kString
	kOpaque
	kFixedOpaque
	kStruct
	kEnum
	kArray
	kFixedArray
	kOptional
	kChars      // char x<N>: bytes carried as ints
	kFixedChars // char x[N]
)

// gtype is a resolved wire type.
type gtype struct {
	kind  kind
	goT   string // Go type of a primitive / named type
	enc   string // Encoder/Decoder method for primitives
	wire  string // the Go type the method takes (int32, uint32, …)
	size  int    // bytes on the wire for primitives
	max   string // bound expression, "" = none
	n     string // fixed length expression
	elem  *gtype
	xname string // .x name, for the wire dump
}

var prims = map[string]*gtype{
	"int":            {kind: kPrim, goT: "int32", enc: "Int32", wire: "int32", size: 4},
	"unsigned int":   {kind: kPrim, goT: "uint32", enc: "Uint32", wire: "uint32", size: 4},
	"hyper":          {kind: kPrim, goT: "int64", enc: "Int64", wire: "int64", size: 8},
	"unsigned hyper": {kind: kPrim, goT: "uint64", enc: "Uint64", wire: "uint64", size: 8},
	"char":           {kind: kPrim, goT: "int8", enc: "Int32", wire: "int32", size: 4},
	"unsigned char":  {kind: kPrim, goT: "uint8", enc: "Uint32", wire: "uint32", size: 4},
	"short":          {kind: kPrim, goT: "int16", enc: "Int32", wire: "int32", size: 4},
	"unsigned short": {kind: kPrim, goT: "uint16", enc: "Uint32", wire: "uint32", size: 4},
	"double":         {kind: kPrim, goT: "float64", enc: "Float64", wire: "float64", size: 8},
	"float":          {kind: kPrim, goT: "float32", enc: "Float32", wire: "float32", size: 4},
	"bool":           {kind: kPrim, goT: "bool", enc: "Bool", wire: "bool", size: 4},
}

type gen struct {
	spec     pkgSpec
	files    []*xdrspec.File
	typedefs map[string]*xdrspec.Decl
	structs  map[string]*xdrspec.Struct
	unions   map[string]*xdrspec.Union
	enums    map[string]*xdrspec.Enum
	consts   map[string]string // .x name -> Go name
	family   map[string]*bytes.Buffer
}

func newGen(s pkgSpec, files []*xdrspec.File) *gen {
	g := &gen{spec: s, files: files, typedefs: map[string]*xdrspec.Decl{}, structs: map[string]*xdrspec.Struct{},
		unions: map[string]*xdrspec.Union{}, enums: map[string]*xdrspec.Enum{}, consts: map[string]string{}, family: map[string]*bytes.Buffer{}}
	for _, f := range files {
		for _, t := range f.Typedefs {
			g.typedefs[t.Name] = t
		}
		for _, st := range f.Structs {
			g.structs[st.Name] = st
		}
		for _, u := range f.Unions {
			g.unions[u.Name] = u
		}
		for _, e := range f.Enums {
			g.enums[e.Name] = e
		}
		for _, c := range f.Consts {
			g.consts[c.Name] = g.constName(c.Name)
		}
	}
	for k := range externConsts {
		g.consts[k] = g.constName(k)
	}
	// An enum value whose Go name would collide with a type (the message
	// type VIR_NET_STREAM_HOLE and the struct virNetStreamHole) takes its
	// enum's name as a prefix.
	typeNames := map[string]bool{}
	for n := range g.structs {
		typeNames[g.typeName(n)] = true
	}
	for n := range g.unions {
		typeNames[g.typeName(n)] = true
	}
	for _, f := range files {
		for _, e := range f.Enums {
			for _, v := range e.Values {
				name := g.constName(v.Name)
				if typeNames[name] {
					name = g.typeName(e.Name) + name
				}
				g.consts[v.Name] = name
			}
		}
	}
	return g
}

var initialisms = map[string]string{"uuid": "UUID", "xml": "XML", "id": "ID", "cpu": "CPU", "uri": "URI",
	"mac": "MAC", "ip": "IP", "tls": "TLS", "sasl": "SASL", "rpc": "RPC", "fd": "FD", "fds": "FDs",
	"sev": "SEV", "vcpu": "Vcpu", "numa": "NUMA", "os": "OS", "io": "IO", "api": "API", "dns": "DNS",
	"dhcp": "DHCP", "acl": "ACL", "pci": "PCI", "scsi": "SCSI", "usb": "USB", "tcp": "TCP", "qemu": "Qemu",
	"lxc": "Lxc", "cpus": "CPUs", "uuids": "UUIDs", "ids": "IDs", "iothread": "IOThread", "nwfilter": "NWFilter", "ok": "OK"}

func camel(s string) string {
	var b strings.Builder
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return r == '_' }) {
		lw := strings.ToLower(w)
		if in, ok := initialisms[lw]; ok {
			b.WriteString(in)
			continue
		}
		if w != lw && w != strings.ToUpper(w) {
			// already camelCase (virNetMessageHeader)
			b.WriteString(strings.ToUpper(w[:1]) + w[1:])
			continue
		}
		b.WriteString(strings.ToUpper(lw[:1]) + lw[1:])
	}
	return b.String()
}

func (g *gen) typeName(x string) string {
	for _, p := range g.spec.typePrefix {
		if strings.HasPrefix(x, p) {
			return camel(strings.TrimPrefix(x, p))
		}
	}
	return camel(x)
}

func (g *gen) constName(x string) string {
	if strings.HasPrefix(x, "VIR_") && externConsts[x] != "" {
		return camel(strings.TrimPrefix(x, "VIR_"))
	}
	for _, p := range g.spec.constPrefix {
		if strings.HasPrefix(x, p) {
			return camel(strings.TrimPrefix(x, p))
		}
	}
	return camel(x)
}

func fieldName(x string) string {
	n := camel(x)
	if n == "" {
		return "X"
	}
	return strings.ToUpper(n[:1]) + n[1:]
}

// expr turns a size or value from the .x file into Go.
func (g *gen) expr(s string) string {
	if s == "" {
		return ""
	}
	if n, ok := g.consts[s]; ok {
		return n
	}
	return s
}

func (g *gen) resolve(d *xdrspec.Decl) *gtype {
	var base *gtype
	switch {
	case prims[d.Type] != nil:
		base = prims[d.Type]
	case d.Type == "string":
		base = &gtype{kind: kString, max: g.expr(d.Size)}
		return g.optional(d, base)
	case d.Type == "opaque":
		if d.Kind == xdrspec.FixedArray {
			return g.optional(d, &gtype{kind: kFixedOpaque, n: g.expr(d.Size)})
		}
		return g.optional(d, &gtype{kind: kOpaque, max: g.expr(d.Size)})
	case g.typedefs[d.Type] != nil:
		base = g.resolve(g.typedefs[d.Type])
		base = &(*base)
		if base.xname == "" {
			c := *base
			c.xname = d.Type
			base = &c
		}
	case g.structs[d.Type] != nil || g.unions[d.Type] != nil:
		base = &gtype{kind: kStruct, goT: g.typeName(d.Type), xname: d.Type}
	case g.enums[d.Type] != nil:
		base = &gtype{kind: kEnum, goT: g.typeName(d.Type), enc: "Int32", wire: "int32", size: 4, xname: d.Type}
	default:
		panic(fmt.Sprintf("unknown type %q", d.Type))
	}
	if (d.Type == "char" || d.Type == "unsigned char") && d.Kind != xdrspec.Plain {
		if d.Kind == xdrspec.FixedArray {
			return g.optional(d, &gtype{kind: kFixedChars, n: g.expr(d.Size), elem: base})
		}
		return g.optional(d, &gtype{kind: kChars, max: g.expr(d.Size), elem: base})
	}
	switch d.Kind {
	case xdrspec.FixedArray:
		base = &gtype{kind: kFixedArray, n: g.expr(d.Size), elem: base}
	case xdrspec.VarArray:
		base = &gtype{kind: kArray, max: g.expr(d.Size), elem: base}
	}
	return g.optional(d, base)
}

func (g *gen) optional(d *xdrspec.Decl, t *gtype) *gtype {
	if d.Optional {
		return &gtype{kind: kOptional, elem: t}
	}
	return t
}

func (t *gtype) goType() string {
	switch t.kind {
	case kPrim, kStruct, kEnum:
		return t.goT
	case kString:
		return "string"
	case kOpaque, kChars:
		return "[]byte"
	case kFixedOpaque, kFixedChars:
		return "[" + t.n + "]byte"
	case kArray:
		return "[]" + t.elem.goType()
	case kFixedArray:
		return "[" + t.n + "]" + t.elem.goType()
	case kOptional:
		return "*" + t.elem.goType()
	}
	panic("bad kind")
}

func minSize(t *gtype) int {
	if t.kind == kPrim && t.size == 8 {
		return 8
	}
	return 4
}

func bound(max string) string {
	if max == "" {
		return "0"
	}
	return "uint32(" + max + ")"
}

// encode writes Go that encodes expr of type t.
func (g *gen) encode(w *bytes.Buffer, expr string, t *gtype, depth int) {
	i := fmt.Sprintf("i%d", depth)
	switch t.kind {
	case kPrim, kEnum:
		if t.goT == t.wire {
			fmt.Fprintf(w, "e.%s(%s)\n", t.enc, expr)
		} else {
			fmt.Fprintf(w, "e.%s(%s(%s))\n", t.enc, t.wire, expr)
		}
	case kString:
		fmt.Fprintf(w, "e.String(%s)\n", expr)
	case kOpaque:
		fmt.Fprintf(w, "e.Opaque(%s)\n", expr)
	case kFixedOpaque:
		fmt.Fprintf(w, "e.FixedOpaque(%s[:])\n", expr)
	case kStruct:
		fmt.Fprintf(w, "%s.EncodeXDR(e)\n", expr)
	case kChars:
		fmt.Fprintf(w, "e.Uint32(uint32(len(%s)))\n", expr)
		fallthrough
	case kFixedChars:
		fmt.Fprintf(w, "for _, c := range %s { e.%s(%s(%s(c))) }\n", expr, t.elem.enc, t.elem.wire, t.elem.goT)
	case kArray:
		fmt.Fprintf(w, "e.Uint32(uint32(len(%s)))\n", expr)
		fallthrough
	case kFixedArray:
		fmt.Fprintf(w, "for %s := range %s {\n", i, expr)
		g.encode(w, expr+"["+i+"]", t.elem, depth+1)
		fmt.Fprintf(w, "}\n")
	case kOptional:
		fmt.Fprintf(w, "if %s == nil { e.Uint32(0) } else {\ne.Uint32(1)\n", expr)
		g.encode(w, "(*"+expr+")", t.elem, depth+1)
		fmt.Fprintf(w, "}\n")
	}
}

// decode writes Go that decodes into the addressable target.
func (g *gen) decode(w *bytes.Buffer, target string, t *gtype, depth int) {
	i := fmt.Sprintf("i%d", depth)
	n := fmt.Sprintf("n%d", depth)
	switch t.kind {
	case kPrim, kEnum:
		if t.goT == t.wire {
			fmt.Fprintf(w, "%s = d.%s()\n", target, t.enc)
		} else {
			fmt.Fprintf(w, "%s = %s(d.%s())\n", target, t.goT, t.enc)
		}
	case kString:
		fmt.Fprintf(w, "%s = d.String(%s)\n", target, bound(t.max))
	case kOpaque:
		fmt.Fprintf(w, "%s = d.Opaque(%s)\n", target, bound(t.max))
	case kFixedOpaque:
		fmt.Fprintf(w, "d.FixedOpaque(%s[:])\n", target)
	case kStruct:
		fmt.Fprintf(w, "%s.DecodeXDR(d)\n", target)
	case kChars:
		fmt.Fprintf(w, "{\n%s := d.Count(%s, 4)\n%s = make([]byte, %s)\n", n, bound(t.max), target, n)
		fmt.Fprintf(w, "for %s := range %s { %s[%s] = byte(d.%s()) }\n}\n", i, target, target, i, t.elem.enc)
	case kFixedChars:
		fmt.Fprintf(w, "for %s := range %s { %s[%s] = byte(d.%s()) }\n", i, target, target, i, t.elem.enc)
	case kArray:
		fmt.Fprintf(w, "{\n%s := d.Count(%s, %d)\n%s = make(%s, %s)\n", n, bound(t.max), minSize(t.elem), target, t.goType(), n)
		fmt.Fprintf(w, "for %s := range %s {\n", i, target)
		g.decode(w, target+"["+i+"]", t.elem, depth+1)
		fmt.Fprintf(w, "}\n}\n")
	case kFixedArray:
		fmt.Fprintf(w, "for %s := range %s {\n", i, target)
		g.decode(w, target+"["+i+"]", t.elem, depth+1)
		fmt.Fprintf(w, "}\n")
	case kOptional:
		fmt.Fprintf(w, "if d.Optional() {\n%s = new(%s)\n", target, t.elem.goType())
		g.decode(w, "(*"+target+")", t.elem, depth+1)
		fmt.Fprintf(w, "} else { %s = nil }\n", target)
	}
}

// familyOf files a definition by the object it concerns.
func (g *gen) familyOf(x string) string {
	l := strings.ToLower(x)
	for _, p := range []string{"remote_", "admin_", "virnet"} {
		l = strings.TrimPrefix(l, p)
	}
	switch {
	case g.spec.pkg != "remote":
		return g.spec.pkg
	case strings.HasPrefix(l, "qemu_"):
		return "qemu"
	case strings.HasPrefix(l, "lxc_"):
		return "lxc"
	case strings.HasPrefix(l, "domain"):
		return "domain"
	case strings.HasPrefix(l, "network"):
		return "network"
	case strings.HasPrefix(l, "storage"):
		return "storage"
	case strings.HasPrefix(l, "node_device"):
		return "nodedev"
	case strings.HasPrefix(l, "node"):
		return "host"
	case strings.HasPrefix(l, "secret"):
		return "secret"
	case strings.HasPrefix(l, "nwfilter"):
		return "nwfilter"
	case strings.HasPrefix(l, "interface"):
		return "interface"
	case strings.HasPrefix(l, "connect"):
		return "connect"
	case strings.HasPrefix(l, "auth"):
		return "auth"
	}
	return "common"
}

func (g *gen) buf(family string) *bytes.Buffer {
	b := g.family[family]
	if b == nil {
		b = &bytes.Buffer{}
		g.family[family] = b
	}
	return b
}

func (g *gen) write(dir string) error {
	var wire bytes.Buffer // the wire dump: every type's layout
	// constants and enums
	cb := g.buf("consts")
	for _, f := range g.files {
		for _, c := range f.Consts {
			fmt.Fprintf(cb, "// %s is %s in the protocol definition.\nconst %s = %s\n\n", g.consts[c.Name], c.Name, g.consts[c.Name], g.expr(c.Value))
		}
	}
	var externs []string
	for k := range externConsts {
		externs = append(externs, k)
	}
	sort.Strings(externs)
	fmt.Fprintf(cb, "// Values the protocol takes from libvirt's C headers.\nconst (\n")
	for _, k := range externs {
		fmt.Fprintf(cb, "%s = %s // %s\n", g.consts[k], externConsts[k], k)
	}
	fmt.Fprintf(cb, ")\n\n")
	for _, f := range g.files {
		for _, e := range f.Enums {
			b := g.buf(g.familyOf(e.Name))
			tn := g.typeName(e.Name)
			fmt.Fprintf(b, "// %s is the protocol's enum %s.\ntype %s int32\n\nconst (\n", tn, e.Name, tn)
			for _, v := range e.Values {
				fmt.Fprintf(b, "%s %s = %s // %s\n", g.consts[v.Name], tn, g.expr(v.Value), v.Name)
			}
			fmt.Fprintf(b, ")\n\n")
			fmt.Fprintf(&wire, "enum %s {", e.Name)
			for _, v := range e.Values {
				fmt.Fprintf(&wire, " %s = %s;", v.Name, v.Value)
			}
			fmt.Fprintf(&wire, " }\n")
		}
	}
	for _, f := range g.files {
		for _, item := range f.Order {
			switch d := item.(type) {
			case *xdrspec.Struct:
				g.writeStruct(d, &wire)
			case *xdrspec.Union:
				g.writeUnion(d, &wire)
			case *xdrspec.Decl:
				fmt.Fprintf(&wire, "typedef %s = %s\n", d.Name, g.describe(g.resolve(d)))
			}
		}
	}
	for _, p := range g.spec.programs {
		g.writeProgram(p)
	}

	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	old, _ := filepath.Glob(filepath.Join(dir, "*_gen.go"))
	for _, o := range old {
		os.Remove(o)
	}
	for fam, b := range g.family {
		var out bytes.Buffer
		fmt.Fprintf(&out, "// Code generated by internal/gen/rpcgen from libvirt's %s. DO NOT EDIT.\n\npackage %s\n\n", strings.Join(g.spec.files, ", "), g.spec.pkg)
		body := b.String()
		if strings.Contains(body, "xdr.") {
			fmt.Fprintf(&out, "import \"github.com/govirt/govirt/internal/rpc/xdr\"\n\n")
		}
		out.WriteString(body)
		src, err := format.Source(out.Bytes())
		if err != nil {
			os.WriteFile(filepath.Join(dir, fam+"_gen.go.broken"), out.Bytes(), 0o644)
			return fmt.Errorf("%s: %v", fam, err)
		}
		if err := os.WriteFile(filepath.Join(dir, fam+"_gen.go"), src, 0o644); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, "testdata"), 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "testdata", "wire_types.txt"), wire.Bytes(), 0o644)
}

// describe renders a wire type for the dump.
func (g *gen) describe(t *gtype) string {
	switch t.kind {
	case kPrim:
		return t.goT
	case kEnum:
		return "enum " + t.xname
	case kStruct:
		return t.xname
	case kString:
		return "string<" + t.max + ">"
	case kOpaque:
		return "opaque<" + t.max + ">"
	case kFixedOpaque:
		return "opaque[" + t.n + "]"
	case kChars:
		return "char<" + t.max + ">"
	case kFixedChars:
		return "char[" + t.n + "]"
	case kArray:
		return g.describe(t.elem) + "<" + t.max + ">"
	case kFixedArray:
		return g.describe(t.elem) + "[" + t.n + "]"
	case kOptional:
		return g.describe(t.elem) + "*"
	}
	return "?"
}

func (g *gen) writeStruct(s *xdrspec.Struct, wire *bytes.Buffer) {
	b := g.buf(g.familyOf(s.Name))
	tn := g.typeName(s.Name)
	fmt.Fprintf(b, "// %s is the protocol's struct %s.\ntype %s struct {\n", tn, s.Name, tn)
	types := make([]*gtype, len(s.Fields))
	fmt.Fprintf(wire, "struct %s {", s.Name)
	for i, f := range s.Fields {
		types[i] = g.resolve(f)
		fmt.Fprintf(b, "%s %s\n", fieldName(f.Name), types[i].goType())
		fmt.Fprintf(wire, " %s %s;", f.Name, g.describe(types[i]))
	}
	fmt.Fprintf(wire, " }\n")
	fmt.Fprintf(b, "}\n\n")
	recv := "v"
	fmt.Fprintf(b, "// EncodeXDR appends the wire form of v.\nfunc (%s *%s) EncodeXDR(e *xdr.Encoder) {\n", recv, tn)
	for i, f := range s.Fields {
		g.encode(b, recv+"."+fieldName(f.Name), types[i], 0)
	}
	fmt.Fprintf(b, "}\n\n// DecodeXDR reads v from its wire form.\nfunc (%s *%s) DecodeXDR(d *xdr.Decoder) {\n", recv, tn)
	for i, f := range s.Fields {
		g.decode(b, recv+"."+fieldName(f.Name), types[i], 0)
	}
	fmt.Fprintf(b, "}\n\n")
}

func (g *gen) writeUnion(u *xdrspec.Union, wire *bytes.Buffer) {
	b := g.buf(g.familyOf(u.Name))
	tn := g.typeName(u.Name)
	dt := g.resolve(u.Discriminant)
	dn := fieldName(u.Discriminant.Name)
	fmt.Fprintf(b, "// %s is the protocol's union %s: %s picks the arm.\ntype %s struct {\n%s %s\n", tn, u.Name, dn, tn, dn, dt.goType())
	fmt.Fprintf(wire, "union %s switch (%s %s) {", u.Name, g.describe(dt), u.Discriminant.Name)
	arms := append([]xdrspec.UnionCase(nil), u.Cases...)
	if u.Default != nil {
		arms = append(arms, *u.Default)
	}
	for _, c := range arms {
		if c.Arm != nil {
			fmt.Fprintf(b, "%s %s\n", fieldName(c.Arm.Name), g.resolve(c.Arm).goType())
		}
	}
	fmt.Fprintf(b, "}\n\n")
	fmt.Fprintf(b, "// EncodeXDR appends the wire form of v.\nfunc (v *%s) EncodeXDR(e *xdr.Encoder) {\n", tn)
	g.encode(b, "v."+dn, dt, 0)
	fmt.Fprintf(b, "switch v.%s {\n", dn)
	for _, c := range u.Cases {
		var labels []string
		for _, l := range c.Values {
			labels = append(labels, g.expr(l))
		}
		fmt.Fprintf(b, "case %s:\n", strings.Join(labels, ", "))
		if c.Arm != nil {
			g.encode(b, "v."+fieldName(c.Arm.Name), g.resolve(c.Arm), 0)
			fmt.Fprintf(wire, " case %s: %s %s;", strings.Join(c.Values, ","), c.Arm.Name, g.describe(g.resolve(c.Arm)))
		}
	}
	if u.Default != nil && u.Default.Arm != nil {
		fmt.Fprintf(b, "default:\n")
		g.encode(b, "v."+fieldName(u.Default.Arm.Name), g.resolve(u.Default.Arm), 0)
	}
	fmt.Fprintf(b, "}\n}\n\n")
	fmt.Fprintf(wire, " }\n")
	fmt.Fprintf(b, "// DecodeXDR reads v from its wire form; an unknown arm is an error.\nfunc (v *%s) DecodeXDR(d *xdr.Decoder) {\n", tn)
	g.decode(b, "v."+dn, dt, 0)
	fmt.Fprintf(b, "switch v.%s {\n", dn)
	for _, c := range u.Cases {
		var labels []string
		for _, l := range c.Values {
			labels = append(labels, g.expr(l))
		}
		fmt.Fprintf(b, "case %s:\n", strings.Join(labels, ", "))
		if c.Arm != nil {
			g.decode(b, "v."+fieldName(c.Arm.Name), g.resolve(c.Arm), 0)
		}
	}
	fmt.Fprintf(b, "default:\n")
	if u.Default != nil && u.Default.Arm != nil {
		g.decode(b, "v."+fieldName(u.Default.Arm.Name), g.resolve(u.Default.Arm), 0)
	} else if u.Default == nil {
		fmt.Fprintf(b, "d.Fail(errUnknownArm(%q, int64(v.%s)))\n", u.Name, dn)
	}
	fmt.Fprintf(b, "}\n}\n\n")
}

func (g *gen) writeProgram(p program) {
	var e *xdrspec.Enum
	for _, f := range g.files {
		for _, en := range f.Enums {
			if en.Name == p.enum {
				e = en
			}
		}
	}
	if e == nil {
		panic("no enum " + p.enum)
	}
	fam := g.familyOf(p.typePref)
	if g.spec.pkg == "remote" && p.typePref == "remote_" {
		fam = "procedures"
	}
	b := g.buf(fam)
	tn := g.typeName(p.enum)
	fmt.Fprintf(b, "// %s describes every procedure of the %s program, indexed by number.\nvar %s = map[%s]*ProcInfo{\n", p.tableName, strings.TrimSuffix(p.enum, "_procedure"), p.tableName, tn)
	for _, v := range e.Values {
		base := p.typePref + strings.ToLower(strings.TrimPrefix(v.Name, p.procPref))
		ann := xdrspec.Annotations(v.Doc)
		fmt.Fprintf(b, "%s: {\nNumber: int32(%s), Name: %q,\n", g.consts[v.Name], g.consts[v.Name], v.Name)
		for _, part := range []struct{ field, suffix string }{{"Args", "_args"}, {"Ret", "_ret"}, {"Msg", "_msg"}} {
			if _, ok := g.structs[base+part.suffix]; ok {
				fmt.Fprintf(b, "New%s: func() xdr.Marshaler { return new(%s) },\n", part.field, g.typeName(base+part.suffix))
			}
		}
		if v := ann["generate"]; len(v) > 0 {
			fmt.Fprintf(b, "Generate: %q,\n", v[0])
		}
		if v := ann["acl"]; len(v) > 0 {
			fmt.Fprintf(b, "ACL: %#v,\n", v)
		}
		if v := ann["aclfilter"]; len(v) > 0 {
			fmt.Fprintf(b, "ACLFilter: %q,\n", v[0])
		}
		if v := ann["priority"]; len(v) > 0 {
			fmt.Fprintf(b, "HighPriority: %v,\n", v[0] == "high")
		}
		if v := ann["readstream"]; len(v) > 0 {
			fmt.Fprintf(b, "ReadStream: %s,\n", v[0])
		}
		if v := ann["writestream"]; len(v) > 0 {
			fmt.Fprintf(b, "WriteStream: %s,\n", v[0])
		}
		if v := ann["sparseflag"]; len(v) > 0 {
			fmt.Fprintf(b, "SparseFlag: %q,\n", v[0])
		}
		fmt.Fprintf(b, "},\n")
	}
	fmt.Fprintf(b, "}\n\n")
}
