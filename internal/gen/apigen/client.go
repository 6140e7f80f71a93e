package main

// The client mode writes the remote driver's RPC client
// (internal/drivers/remote/client_gen.go): one method per procedure a
// driver family serves, which converts the driver contract's parameters to
// the procedure's wire arguments, makes the call, and converts the wire
// reply back; plus the decoding of every event message that carries a
// callback ID into the payload the driver contract's Events deliver.
//
// It is the mirror image of the dispatch mode and reads the same inputs:
// the .x file for the procedures and their annotations, and the Go source
// of internal/rpc/remote and internal/driver, whose types name the XDR
// struct they mirror in their doc comments and correspond field by field.
// It shares the package loader (gopkg.go) and the type converter
// (convert.go) with the dispatch mode.

import (
	"bytes"
	"fmt"
	"go/ast"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// clientStreamMode is how the client pumps a procedure's stream: consoles
// and channels carry data both ways although libvirt annotates them as
// read streams.
func clientStreamMode(p proc) string {
	switch {
	case p.lower == "domain_open_console" || p.lower == "domain_open_channel":
		return "streamBoth"
	case p.writeStrm > 0:
		return "streamUpload"
	case p.readStream > 0:
		return "streamDownload"
	}
	return ""
}

// clientLocals are the generated methods' own names, which no parameter
// may take.
var clientLocals = map[string]bool{"rc": true, "args": true, "ret": true, "r": true, "err": true, "ctx": true}

func generateClient(in, wireDir, driverDir, outDir string) error {
	src, err := os.ReadFile(filepath.Join(in, "remote_protocol.x"))
	if err != nil {
		return err
	}
	structs, _, procs, err := parseProtocol(string(src))
	if err != nil {
		return err
	}
	cFuncs, err := loadCFuncs(in)
	if err != nil {
		return err
	}
	wire, err := loadGoPkg(wireDir, "remote")
	if err != nil {
		return err
	}
	drv, err := loadGoPkg(driverDir, "driver")
	if err != nil {
		return err
	}
	for x, n := range refTypes {
		if strings.HasPrefix(x, "remote_nonnull_") || x == "remote_typed_param" || x == "remote_typed_param_value" {
			drv.byXDR[x] = n
		}
	}
	g := &gen{structs: structs, cFuncs: cFuncs, used: map[string]bool{}}
	conv := newConverter(false)

	var methods bytes.Buffer
	families := map[string]bool{}
	for _, p := range procs {
		if skipped(p, structs) != "" {
			continue
		}
		m := g.method(p)
		fam := family(p.lower)
		families[fam] = true
		it := drv.ifaces[fam]
		if it == nil {
			return fmt.Errorf("driver has no interface %s", fam)
		}
		var ft *ast.FuncType
		for _, f := range it.Methods.List {
			if len(f.Names) == 1 && f.Names[0].Name == m.name {
				ft = f.Type.(*ast.FuncType)
			}
		}
		if ft == nil {
			return fmt.Errorf("driver.%s has no method %s", fam, m.name)
		}
		var pnames []string
		var ptypes []ast.Expr
		for _, f := range ft.Params.List {
			for _, n := range f.Names {
				pnames = append(pnames, n.Name)
				ptypes = append(ptypes, f.Type)
			}
		}
		pnames, ptypes = pnames[1:], ptypes[1:] // ctx
		var sig []string
		for i := range pnames {
			if clientLocals[pnames[i]] {
				return fmt.Errorf("%s: parameter %s clashes with a generated local", p.cName, pnames[i])
			}
			sig = append(sig, pnames[i]+" "+drv.typeStr(ptypes[i]))
		}
		var result ast.Expr
		results := "(err error)"
		if n := len(ft.Results.List); n == 2 {
			result = ft.Results.List[0].Type
			results = "(r " + drv.typeStr(result) + ", err error)"
		}
		fmt.Fprintf(&methods, "// %s calls %s (%s).\nfunc (rc *Client) %s(%s) %s {\n",
			m.name, p.cName, m.cfunc, m.name, strings.Join(append([]string{"ctx context.Context"}, sig...), ", "), results)

		argsRef := "nil"
		if s := structs["remote_"+p.lower+"_args"]; s != nil {
			an := wire.byXDR[s.name]
			if an == "" {
				return fmt.Errorf("no wire type for %s", s.name)
			}
			wn, wt, err := wire.fields(an)
			if err != nil {
				return err
			}
			fmt.Fprintf(&methods, "\targs := remote.%s{\n", an)
			ai := 0
			for i, pt := range ptypes {
				if id, ok := pt.(*ast.Ident); ok && id.Name == "Stream" {
					continue
				}
				if ai >= len(wn) {
					return fmt.Errorf("%s: more driver parameters than wire arguments", p.cName)
				}
				e, err := conv.expr(pnames[i], drv, pt, wire, wt[ai])
				if err != nil {
					return fmt.Errorf("%s: %v", p.cName, err)
				}
				fmt.Fprintf(&methods, "\t\t%s: %s,\n", wn[ai], e)
				ai++
			}
			if ai != len(wn) {
				return fmt.Errorf("%s: %d wire arguments, %d parameters", p.cName, len(wn), ai)
			}
			methods.WriteString("\t}\n")
			argsRef = "&args"
		}
		retRef := "nil"
		rs := structs["remote_"+p.lower+"_ret"]
		var rn string
		if rs != nil {
			rn = wire.byXDR[rs.name]
			if rn == "" {
				return fmt.Errorf("no wire type for %s", rs.name)
			}
			fmt.Fprintf(&methods, "\tvar ret remote.%s\n", rn)
			retRef = "&ret"
		}
		if mode := clientStreamMode(p); mode != "" {
			fmt.Fprintf(&methods, "\tif err = rc.callStream(ctx, %d, st, %s, %s, %s); err != nil {\n\t\treturn\n\t}\n", p.num, mode, argsRef, retRef)
		} else {
			fmt.Fprintf(&methods, "\tif err = rc.call(ctx, %d, %s, %s); err != nil {\n\t\treturn\n\t}\n", p.num, argsRef, retRef)
		}
		if rs != nil && result != nil {
			rnames, rtypes, err := wire.fields(rn)
			if err != nil {
				return err
			}
			var e string
			if len(rnames) == 1 {
				e, err = conv.expr("ret."+rnames[0], wire, rtypes[0], drv, result)
			} else {
				e, err = conv.expr("ret", wire, &ast.Ident{Name: rn}, drv, result)
			}
			if err != nil {
				return fmt.Errorf("%s: %v", p.cName, err)
			}
			fmt.Fprintf(&methods, "\tr = %s\n", e)
		}
		methods.WriteString("\treturn\n}\n\n")
	}

	events, err := clientEventDecoding(procs, structs, wire, drv, conv)
	if err != nil {
		return err
	}

	var fams []string
	for f := range families {
		fams = append(fams, f)
	}
	sort.Strings(fams)
	var b bytes.Buffer
	b.WriteString("// Code generated by internal/gen/apigen client from libvirt's remote_protocol.x. DO NOT EDIT.\n\npackage remote\n\n")
	b.WriteString("import (\n\t\"context\"\n\n\t\"github.com/govirt/govirt/internal/driver\"\n\t\"github.com/govirt/govirt/internal/rpc/remote\"\n\t\"github.com/govirt/govirt/internal/rpc/xdr\"\n)\n\n")
	b.WriteString("var (\n")
	for _, f := range fams {
		fmt.Fprintf(&b, "\t_ driver.%s = (*Client)(nil)\n", f)
	}
	b.WriteString(")\n\n")
	b.Write(methods.Bytes())
	b.WriteString(events)
	b.WriteString(conv.source())
	return writeGo(filepath.Join(outDir, "client_gen.go"), b.Bytes())
}

// clientEventDecoding writes decodeEvent for every event message that
// carries a callback ID (the ones modern registrations receive): wrappers
// of a plain message deliver the plain message, the others themselves, as
// driver.Event's Payload documents.
func clientEventDecoding(procs []proc, structs map[string]*xdrStruct, wire, drv *goPkg, conv *converter) (string, error) {
	var b strings.Builder
	b.WriteString("// decodeEvent reads the event message of procedure proc: the callback\n// ID it is for and the payload the driver contract delivers. ok is false\n// for procedures that are not callback events.\nfunc decodeEvent(proc int32, data []byte) (callbackID int32, payload any, ok bool, err error) {\n\tswitch proc {\n")
	for _, p := range procs {
		msgX := "remote_" + p.lower + "_msg"
		s := structs[msgX]
		if s == nil || len(s.fields) == 0 || s.fields[0].name != "callbackID" {
			continue
		}
		wn, dn := wire.byXDR[msgX], drv.byXDR[msgX]
		if wn == "" {
			return "", fmt.Errorf("no wire type for %s", msgX)
		}
		fmt.Fprintf(&b, "\tcase %d: // %s\n\t\tvar m remote.%s\n\t\tif err = xdr.Unmarshal(data, &m); err != nil {\n\t\t\treturn\n\t\t}\n", p.num, p.cName, wn)
		if len(s.fields) == 2 && s.fields[1].name == "msg" {
			inner := s.fields[1].typ
			iw, id := wire.byXDR[inner], drv.byXDR[inner]
			if iw == "" || id == "" {
				return "", fmt.Errorf("event message %s: wire %q driver %q", inner, iw, id)
			}
			e, err := conv.expr("m.Msg", wire, &ast.Ident{Name: iw}, drv, &ast.Ident{Name: id})
			if err != nil {
				return "", err
			}
			fmt.Fprintf(&b, "\t\tv := %s\n\t\treturn m.CallbackID, &v, true, nil\n", e)
			continue
		}
		if dn == "" {
			return "", fmt.Errorf("event message %s has no driver type", msgX)
		}
		e, err := conv.expr("m", wire, &ast.Ident{Name: wn}, drv, &ast.Ident{Name: dn})
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "\t\tv := %s\n\t\treturn m.CallbackID, &v, true, nil\n", e)
	}
	b.WriteString("\t}\n\treturn 0, nil, false, nil\n}\n\n")
	return b.String(), nil
}
