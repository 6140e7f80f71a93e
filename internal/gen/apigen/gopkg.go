package main

// The Go packages the dispatch and client modes convert between
// (internal/rpc/remote's wire types and internal/driver's contract types)
// are read from their source: what each declares, which XDR struct each
// type mirrors, and how code outside the package names its types.

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"strings"
)

// goPkg is what the generator knows of one Go package's declarations.
type goPkg struct {
	name   string // package qualifier used in generated code
	types  map[string]ast.Expr
	byXDR  map[string]string // remote_foo → Foo
	consts map[string]string // integer constants, for array lengths
	ifaces map[string]*ast.InterfaceType
}

var mirrorsRe = regexp.MustCompile(`is the (?:protocol's (?:struct|union)|wire's) (remote_\w+)`)

func loadGoPkg(dir, name string) (*goPkg, error) {
	fset := token.NewFileSet()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	p := &goPkg{name: name, types: map[string]ast.Expr{}, byXDR: map[string]string{}, ifaces: map[string]*ast.InterfaceType{}, consts: map[string]string{}}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, parser.ParseComments)
		if err != nil {
			return nil, err
		}
		for _, d := range file.Decls {
			gd, ok := d.(*ast.GenDecl)
			if ok && gd.Tok == token.CONST {
				for _, s := range gd.Specs {
					vs := s.(*ast.ValueSpec)
					for i, n := range vs.Names {
						if i < len(vs.Values) {
							if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.INT {
								p.consts[n.Name] = lit.Value
							}
						}
					}
				}
			}
			if !ok || gd.Tok != token.TYPE {
				continue
			}
			for _, s := range gd.Specs {
				ts := s.(*ast.TypeSpec)
				if ts.Assign.IsValid() {
					continue
				}
				p.types[ts.Name.Name] = ts.Type
				if it, ok := ts.Type.(*ast.InterfaceType); ok {
					p.ifaces[ts.Name.Name] = it
				}
				doc := ts.Doc
				if doc == nil && len(gd.Specs) == 1 {
					doc = gd.Doc
				}
				if doc != nil {
					if m := mirrorsRe.FindStringSubmatch(doc.Text()); m != nil {
						p.byXDR[m[1]] = ts.Name.Name
					}
				}
			}
		}
	}
	return p, nil
}

var builtinTypes = map[string]bool{
	"bool": true, "byte": true, "int8": true, "uint8": true, "int16": true, "uint16": true,
	"int32": true, "uint32": true, "int64": true, "uint64": true, "float32": true, "float64": true,
	"string": true, "int": true, "uint": true, "error": true, "any": true,
}

// typeStr prints t as code outside its package would name it.
func (p *goPkg) typeStr(t ast.Expr) string {
	switch t := t.(type) {
	case *ast.Ident:
		if builtinTypes[t.Name] {
			return t.Name
		}
		return p.name + "." + t.Name
	case *ast.StarExpr:
		return "*" + p.typeStr(t.X)
	case *ast.ArrayType:
		if t.Len == nil {
			return "[]" + p.typeStr(t.Elt)
		}
		return "[" + p.lenStr(t.Len) + "]" + p.typeStr(t.Elt)
	case *ast.SelectorExpr:
		return p.typeStr(t.X) + "." + t.Sel.Name
	}
	panic(fmt.Sprintf("unsupported type expression %T", t))
}

func (p *goPkg) lenStr(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.BasicLit:
		return e.Value
	case *ast.Ident:
		if v, ok := p.consts[e.Name]; ok {
			return v
		}
		return p.name + "." + e.Name
	}
	panic(fmt.Sprintf("unsupported array length %T", e))
}

// underlying resolves a named non-struct type to its definition.
func (p *goPkg) underlying(t ast.Expr) ast.Expr {
	for {
		id, ok := t.(*ast.Ident)
		if !ok || builtinTypes[id.Name] {
			return t
		}
		def, ok := p.types[id.Name]
		if !ok {
			return t
		}
		if _, isStruct := def.(*ast.StructType); isStruct {
			return t
		}
		t = def
	}
}

// fields lists a struct type's field names and types in order.
func (p *goPkg) fields(name string) ([]string, []ast.Expr, error) {
	st, ok := p.types[name].(*ast.StructType)
	if !ok {
		return nil, nil, fmt.Errorf("%s.%s is not a struct", p.name, name)
	}
	var names []string
	var types []ast.Expr
	for _, f := range st.Fields.List {
		for _, n := range f.Names {
			names = append(names, n.Name)
			types = append(types, f.Type)
		}
	}
	return names, types, nil
}

// mangle turns a type expression into part of a Go identifier
// ("[]*remote.Foo" → "SlicePtrRemoteFoo").
func mangle(s string) string {
	r := strings.NewReplacer("[]", "Slice.", "*", "Ptr.", "[", "Arr", "]", ".")
	var b strings.Builder
	for _, part := range strings.Split(r.Replace(s), ".") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}
