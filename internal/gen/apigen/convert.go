package main

import (
	"fmt"
	"go/ast"
	"sort"
	"strings"
)

// converter writes conversion functions between the two packages on
// demand, one per pair of types, named after both.
type converter struct {
	funcs map[string]string // function name → source
	// parenCasts writes a conversion between types of one underlying
	// type as (T)(v), which also holds for pointer types; the dispatch
	// code has always been written so, the client code as T(v).
	parenCasts bool
}

func newConverter(parenCasts bool) *converter {
	return &converter{funcs: map[string]string{}, parenCasts: parenCasts}
}

// expr converts src, of type ft in from, to type tt in to.
func (c *converter) expr(src string, from *goPkg, ft ast.Expr, to *goPkg, tt ast.Expr) (string, error) {
	fs, ts := from.typeStr(ft), to.typeStr(tt)
	if fs == ts {
		return src, nil
	}
	fu, tu := from.underlying(ft), to.underlying(tt)
	if from.typeStr(fu) == to.typeStr(tu) {
		if c.parenCasts {
			return "(" + ts + ")(" + src + ")", nil
		}
		return ts + "(" + src + ")", nil
	}
	if fi, ok := fu.(*ast.Ident); ok && builtinTypes[fi.Name] {
		if ti, ok := tu.(*ast.Ident); ok && builtinTypes[ti.Name] {
			return ts + "(" + src + ")", nil
		}
	}
	name := "conv" + mangle(fs) + "To" + mangle(ts)
	if _, done := c.funcs[name]; done {
		return name + "(" + src + ")", nil
	}
	c.funcs[name] = "" // reserved against recursion
	var b strings.Builder
	fmt.Fprintf(&b, "func %s(v %s) %s {\n", name, fs, ts)
	switch f := fu.(type) {
	case *ast.Ident:
		t, ok := tu.(*ast.Ident)
		if !ok {
			return "", fmt.Errorf("cannot convert %s to %s", fs, ts)
		}
		fn, fts, err := from.fields(f.Name)
		if err != nil {
			return "", err
		}
		tn, tts, err := to.fields(t.Name)
		if err != nil {
			return "", err
		}
		if len(fn) != len(tn) {
			return "", fmt.Errorf("%s has %d fields, %s %d", fs, len(fn), ts, len(tn))
		}
		fmt.Fprintf(&b, "\treturn %s{\n", ts)
		for i := range fn {
			e, err := c.expr("v."+fn[i], from, fts[i], to, tts[i])
			if err != nil {
				return "", err
			}
			fmt.Fprintf(&b, "\t\t%s: %s,\n", tn[i], e)
		}
		b.WriteString("\t}\n")
	case *ast.StarExpr:
		t, ok := tu.(*ast.StarExpr)
		if !ok {
			return "", fmt.Errorf("cannot convert %s to %s", fs, ts)
		}
		e, err := c.expr("*v", from, f.X, to, t.X)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "\tif v == nil {\n\t\treturn nil\n\t}\n\tout := %s\n\treturn &out\n", e)
	case *ast.ArrayType:
		t, ok := tu.(*ast.ArrayType)
		if !ok {
			return "", fmt.Errorf("cannot convert %s to %s", fs, ts)
		}
		if f.Len == nil {
			fmt.Fprintf(&b, "\tif v == nil {\n\t\treturn nil\n\t}\n\tout := make(%s, len(v))\n", ts)
		} else {
			fmt.Fprintf(&b, "\tvar out %s\n", ts)
		}
		e, err := c.expr("v[i]", from, f.Elt, to, t.Elt)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "\tfor i := range v {\n\t\tout[i] = %s\n\t}\n\treturn out\n", e)
	default:
		return "", fmt.Errorf("cannot convert %s to %s", fs, ts)
	}
	b.WriteString("}\n\n")
	c.funcs[name] = b.String()
	return name + "(" + src + ")", nil
}

func (c *converter) source() string {
	names := make([]string, 0, len(c.funcs))
	for n := range c.funcs {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		b.WriteString(c.funcs[n])
	}
	return b.String()
}
