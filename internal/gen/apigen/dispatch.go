package main

// The dispatch mode writes the daemon's REMOTE program dispatch
// (internal/dispatch/*_gen.go): for every procedure a driver family
// serves, decode the wire arguments, enforce read-only connections the way
// libvirt's public API does, call the driver method, and encode the result;
// plus the conversions between the wire types (internal/rpc/remote) and the
// driver contract's types (internal/driver), and the encoding of driver
// events as the wire's event messages.
//
// The two type sets come from the same .x file through two generators with
// different naming rules, so the conversions are derived from the Go
// source of both packages: each generated type says which XDR struct it
// mirrors in its doc comment, and fields correspond by position.

import (
	"bytes"
	"fmt"
	"go/ast"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// errDomainOf is the error domain libvirt's public API reports a read-only
// denial from: the VIR_FROM_THIS of the file the function lives in.
var errDomainOfHeader = map[string]string{
	"libvirt-domain.h": "FromDomain", "libvirt-network.h": "FromNetwork",
	"libvirt-storage.h": "FromStorage", "libvirt-nodedev.h": "FromNodedev",
	"libvirt-secret.h": "FromSecret", "libvirt-nwfilter.h": "FromNwfilter",
	"libvirt-interface.h": "FromInterface", "libvirt-domain-snapshot.h": "FromDomainSnapshot",
	"libvirt-domain-checkpoint.h": "FromDomainCheckpoint", "libvirt-host.h": "FromNone",
}

// readOnlyExtra are procedures whose public function refuses read-only
// connections although their ACL annotation only asks to read (libvirt's
// ACLs and its virCheckReadOnlyGoto calls disagree here).
var readOnlyExtra = map[string]bool{
	"domain_set_scheduler_parameters": true,
}

// harmless permissions never change state.
func harmlessPerm(perm string) bool {
	return perm == "none" || perm == "getattr" || perm == "read" || strings.HasPrefix(perm, "search_")
}

type roRule struct {
	always bool
	// fieldIs: denied when the named argument equals a constant
	// ("perm::source:VIR_…" annotations).
	field, fieldValue string
	flags             []string // conditional: denied when any of these flags is set
	secure            bool     // the conditional denial is "<func> with secure flag"
	errFrom           string
}

func readOnlyRule(p proc) roRule {
	var r roRule
	if readOnlyExtra[p.lower] {
		r.always = true
	}
	for _, acl := range p.acls {
		parts := strings.SplitN(acl, ":", 3)
		if len(parts) < 2 {
			continue
		}
		perm := parts[1]
		if harmlessPerm(perm) {
			continue
		}
		if len(parts) == 3 && strings.HasPrefix(parts[2], ":") {
			f, v, _ := strings.Cut(parts[2][1:], ":")
			r.field, r.fieldValue = f, v
			continue
		}
		if len(parts) == 3 && parts[2] != "" {
			flag := parts[2]
			if strings.HasPrefix(flag, "!") || strings.Contains(flag, "|") {
				// "save:!AFFECT_LIVE|AFFECT_CONFIG" style conditions only
				// appear on procedures another permission already marks.
				r.always = true
				continue
			}
			if perm == "read_secure" && !strings.HasSuffix(flag, "_SECURE") {
				continue
			}
			r.flags = append(r.flags, flag)
			r.secure = r.secure || perm == "read_secure"
			continue
		}
		r.always = true
	}
	return r
}

func generateDispatch(in, wireDir, driverDir, outDir string) error {
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
	funcHeader, flagValues, err := loadHeaderFacts(in)
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
	conv := newConverter(true)

	var calls, table bytes.Buffer
	table.WriteString("// remoteCalls serves the REMOTE procedures a driver family answers, by number.\nvar remoteCalls = [...]callFunc{\n")
	for _, p := range procs {
		if skipped(p, structs) != "" {
			continue
		}
		m := g.method(p)
		fam := family(p.lower)
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
		var ptypes []ast.Expr
		for _, f := range ft.Params.List {
			n := len(f.Names)
			if n == 0 {
				n = 1
			}
			for i := 0; i < n; i++ {
				ptypes = append(ptypes, f.Type)
			}
		}
		ptypes = ptypes[1:] // ctx
		fname := "call" + m.name
		fmt.Fprintf(&table, "\t%d: %s,\n", p.num, fname)
		fmt.Fprintf(&calls, "// %s serves %s (%s).\nfunc %s(c *call) (xdr.Marshaler, error) {\n", fname, p.cName, m.cfunc, fname)

		argsX := "remote_" + p.lower + "_args"
		var argNames []string
		var argTypes []ast.Expr
		if structs[argsX] != nil {
			an := wire.byXDR[argsX]
			if an == "" {
				return fmt.Errorf("no wire type for %s", argsX)
			}
			argNames, argTypes, err = wire.fields(an)
			if err != nil {
				return err
			}
			fmt.Fprintf(&calls, "\tvar args remote.%s\n\tif err := c.decode(&args); err != nil {\n\t\treturn nil, err\n\t}\n", an)
		}
		rule := readOnlyRule(p)
		errFrom := "FromDomain"
		if h, ok := funcHeader[m.cfunc]; ok {
			errFrom = errDomainOfHeader[h]
		} else if fam != "Hypervisor" {
			errFrom = map[string]string{"Network": "FromNetwork", "Storage": "FromStorage", "NodeDevice": "FromNodedev",
				"Secret": "FromSecret", "NWFilter": "FromNwfilter", "Interface": "FromInterface"}[fam]
		}
		if rule.always {
			fmt.Fprintf(&calls, "\tif c.readOnly() {\n\t\treturn nil, deniedReadOnly(virterr.%s, %q)\n\t}\n", errFrom, m.cfunc)
		} else if rule.field != "" {
			v, ok := flagValues[rule.fieldValue]
			if !ok {
				return fmt.Errorf("%s: unknown constant %s", p.cName, rule.fieldValue)
			}
			fmt.Fprintf(&calls, "\tif c.readOnly() && int64(args.%s) == %d {\n\t\treturn nil, deniedReadOnly(virterr.%s, %q)\n\t}\n", goCamel(rule.field, true), v, errFrom, m.cfunc)
		} else if len(rule.flags) > 0 {
			var mask int64
			for _, f := range rule.flags {
				v, ok := flagValues[f]
				if !ok {
					return fmt.Errorf("%s: unknown flag %s", p.cName, f)
				}
				mask |= v
			}
			flagsField := ""
			for _, n := range argNames {
				if n == "Flags" {
					flagsField = "args.Flags"
				}
			}
			if flagsField == "" {
				return fmt.Errorf("%s: conditional ACL without flags", p.cName)
			}
			if rule.secure {
				fmt.Fprintf(&calls, "\tif c.readOnly() && uint64(%s)&%#x != 0 {\n\t\treturn nil, virterr.NewFrom(virterr.%s, virterr.OperationDenied, \"%%s with secure flag\", %q)\n\t}\n", flagsField, mask, errFrom, m.cfunc)
			} else {
				fmt.Fprintf(&calls, "\tif c.readOnly() && uint64(%s)&%#x != 0 {\n\t\treturn nil, deniedReadOnly(virterr.%s, %q)\n\t}\n", flagsField, mask, errFrom, m.cfunc)
			}
		}
		fmt.Fprintf(&calls, "\tdrv := c.conn().%s\n", fam)
		var callArgs []string
		ai := 0
		for _, pt := range ptypes {
			if id, ok := pt.(*ast.Ident); ok && id.Name == "Stream" {
				sp := "false"
				if f := p.sparseFlag; f != "" {
					v, ok := flagValues[f]
					if !ok {
						return fmt.Errorf("%s: unknown sparse flag %s", p.cName, f)
					}
					sp = fmt.Sprintf("uint64(args.Flags)&%#x != 0", v)
				}
				dir := "driver.StreamRead"
				if p.writeStrm > 0 {
					dir = "driver.StreamWrite"
				}
				fmt.Fprintf(&calls, "\tst := c.openStream(%s, %s)\n", dir, sp)
				callArgs = append(callArgs, "st")
				continue
			}
			if ai >= len(argNames) {
				return fmt.Errorf("%s: more driver parameters than wire arguments", p.cName)
			}
			e, err := conv.expr("args."+argNames[ai], wire, argTypes[ai], drv, pt)
			if err != nil {
				return fmt.Errorf("%s: %v", p.cName, err)
			}
			callArgs = append(callArgs, e)
			ai++
		}
		if ai != len(argNames) {
			return fmt.Errorf("%s: %d wire arguments, %d used", p.cName, len(argNames), ai)
		}
		invoke := fmt.Sprintf("drv.%s(%s)", m.name, strings.Join(append([]string{"c.ctx"}, callArgs...), ", "))
		retX := "remote_" + p.lower + "_ret"
		results := ft.Results.List
		if structs[retX] == nil {
			fmt.Fprintf(&calls, "\treturn nil, %s\n}\n\n", invoke)
			continue
		}
		rn := wire.byXDR[retX]
		if rn == "" {
			return fmt.Errorf("no wire type for %s", retX)
		}
		fmt.Fprintf(&calls, "\tr, err := %s\n\tif err != nil {\n\t\treturn nil, err\n\t}\n", invoke)
		retNames, retTypes, err := wire.fields(rn)
		if err != nil {
			return err
		}
		if len(retNames) == 1 {
			e, err := conv.expr("r", drv, results[0].Type, wire, retTypes[0])
			if err != nil {
				return fmt.Errorf("%s: %v", p.cName, err)
			}
			fmt.Fprintf(&calls, "\treturn &remote.%s{%s: %s}, nil\n}\n\n", rn, retNames[0], e)
		} else {
			e, err := conv.expr("r", drv, results[0].Type, wire, &ast.Ident{Name: rn})
			if err != nil {
				return fmt.Errorf("%s: %v", p.cName, err)
			}
			fmt.Fprintf(&calls, "\tret := %s\n\treturn &ret, nil\n}\n\n", e)
		}
	}
	table.WriteString("}\n\n")

	// Object references convert both ways whether or not a procedure
	// needs them: hand-written code (event filters) uses them too.
	var refs []string
	for x := range refTypes {
		if strings.HasPrefix(x, "remote_nonnull_") {
			refs = append(refs, x)
		}
	}
	sort.Strings(refs)
	for _, x := range refs {
		wt, dt := &ast.Ident{Name: wire.byXDR[x]}, &ast.Ident{Name: drv.byXDR[x]}
		if _, err := conv.expr("v", wire, wt, drv, dt); err != nil {
			return err
		}
		if _, err := conv.expr("v", drv, dt, wire, wt); err != nil {
			return err
		}
	}

	events, err := generateEventEncoding(procs, structs, wire, drv, conv)
	if err != nil {
		return err
	}

	const header = "// Code generated by internal/gen/apigen dispatch from libvirt's remote_protocol.x. DO NOT EDIT.\n\npackage dispatch\n\n"
	var b bytes.Buffer
	b.WriteString(header)
	b.WriteString("import (\n\t\"github.com/govirt/govirt/internal/driver\"\n\t\"github.com/govirt/govirt/internal/rpc/remote\"\n\t\"github.com/govirt/govirt/internal/rpc/xdr\"\n\t\"github.com/govirt/govirt/virt/virterr\"\n)\n\n")
	b.Write(table.Bytes())
	b.Write(calls.Bytes())
	if err := writeGo(filepath.Join(outDir, "remote_gen.go"), b.Bytes()); err != nil {
		return err
	}
	b.Reset()
	b.WriteString(header)
	b.WriteString("import (\n\t\"github.com/govirt/govirt/internal/driver\"\n\t\"github.com/govirt/govirt/internal/rpc/remote\"\n\t\"github.com/govirt/govirt/internal/rpc/xdr\"\n)\n\n")
	b.WriteString(events)
	if err := writeGo(filepath.Join(outDir, "events_gen.go"), b.Bytes()); err != nil {
		return err
	}
	b.Reset()
	b.WriteString(header)
	b.WriteString("import (\n\t\"github.com/govirt/govirt/internal/driver\"\n\t\"github.com/govirt/govirt/internal/rpc/remote\"\n)\n\n")
	b.WriteString(conv.source())
	return writeGo(filepath.Join(outDir, "convert_gen.go"), b.Bytes())
}

// generateEventEncoding writes eventMessage, which turns a driver event
// payload into the wire message a registration receives: the callback form
// (with the registration's callbackID) for modern registrations, the plain
// form for legacy ones.
func generateEventEncoding(procs []proc, structs map[string]*xdrStruct, wire, drv *goPkg, conv *converter) (string, error) {
	type evProc struct {
		num  int
		msgX string
	}
	plain := map[string]evProc{}   // plain msg → its (legacy) procedure
	wrapper := map[string]evProc{} // plain msg → the callback wrapper's procedure
	var own []evProc               // messages that carry their own callbackID
	var wrappers []evProc
	for _, p := range procs {
		msgX := "remote_" + p.lower + "_msg"
		s := structs[msgX]
		if s == nil {
			continue
		}
		switch {
		case len(s.fields) == 2 && s.fields[0].name == "callbackID" && s.fields[1].name == "msg":
			wrapper[s.fields[1].typ] = evProc{p.num, msgX}
			wrappers = append(wrappers, evProc{p.num, msgX})
		case len(s.fields) > 0 && s.fields[0].name == "callbackID":
			own = append(own, evProc{p.num, msgX})
		default:
			plain[msgX] = evProc{p.num, msgX}
		}
	}
	var b strings.Builder
	b.WriteString("// eventMessage encodes a driver event payload for one registration:\n// modern registrations get the message with callbackID, legacy ones the\n// plain message. ok is false when the registration's form has no message\n// for the payload.\nfunc eventMessage(payload any, callbackID int32, legacy bool) (proc int32, msg xdr.Marshaler, ok bool) {\n\tswitch v := payload.(type) {\n")
	var plainNames []string
	for x := range plain {
		plainNames = append(plainNames, x)
	}
	sort.Strings(plainNames)
	for _, x := range plainNames {
		dn, wn := drv.byXDR[x], wire.byXDR[x]
		if dn == "" || wn == "" {
			return "", fmt.Errorf("event message %s: driver %q wire %q", x, dn, wn)
		}
		e, err := conv.expr("*v", drv, &ast.Ident{Name: dn}, wire, &ast.Ident{Name: wn})
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "\tcase *driver.%s:\n\t\tm := %s\n", dn, e)
		fmt.Fprintf(&b, "\t\tif legacy {\n\t\t\treturn %d, &m, true\n\t\t}\n", plain[x].num)
		if w, ok := wrapper[x]; ok {
			fmt.Fprintf(&b, "\t\treturn %d, &remote.%s{CallbackID: callbackID, Msg: m}, true\n", w.num, wire.byXDR[w.msgX])
		} else {
			b.WriteString("\t\treturn 0, nil, false\n")
		}
	}
	for _, w := range wrappers {
		dn, wn := drv.byXDR[w.msgX], wire.byXDR[w.msgX]
		if dn == "" || wn == "" {
			return "", fmt.Errorf("event message %s: driver %q wire %q", w.msgX, dn, wn)
		}
		inner := structs[w.msgX].fields[1].typ
		e, err := conv.expr("*v", drv, &ast.Ident{Name: dn}, wire, &ast.Ident{Name: wn})
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "\tcase *driver.%s:\n\t\tm := %s\n\t\tif legacy {\n\t\t\treturn %d, &m.Msg, true\n\t\t}\n\t\tm.CallbackID = callbackID\n\t\treturn %d, &m, true\n",
			dn, e, plain[inner].num, w.num)
	}
	for _, o := range own {
		dn, wn := drv.byXDR[o.msgX], wire.byXDR[o.msgX]
		if dn == "" || wn == "" {
			return "", fmt.Errorf("event message %s: driver %q wire %q", o.msgX, dn, wn)
		}
		e, err := conv.expr("*v", drv, &ast.Ident{Name: dn}, wire, &ast.Ident{Name: wn})
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "\tcase *driver.%s:\n\t\tif legacy {\n\t\t\treturn 0, nil, false\n\t\t}\n\t\tm := %s\n\t\tm.CallbackID = callbackID\n\t\treturn %d, &m, true\n",
			dn, e, o.num)
	}
	b.WriteString("\t}\n\treturn 0, nil, false\n}\n")
	return b.String(), nil
}

// loadHeaderFacts reads which header declares each public function and the
// value of every enum constant (for flag-conditional ACLs).
func loadHeaderFacts(dir string) (map[string]string, map[string]int64, error) {
	funcs := map[string]string{}
	files, err := filepath.Glob(filepath.Join(dir, "libvirt*.h"))
	if err != nil {
		return nil, nil, err
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			return nil, nil, err
		}
		for _, m := range cFuncRe.FindAllStringSubmatch(string(src), -1) {
			if _, ok := funcs[m[1]]; !ok {
				funcs[m[1]] = filepath.Base(f)
			}
		}
	}
	known := map[string]int64{}
	for k, v := range externalConstants {
		known[k] = v
	}
	for _, h := range enumHeaders {
		src, err := os.ReadFile(filepath.Join(dir, h))
		if err != nil {
			return nil, nil, err
		}
		if _, err := parseEnums(h, src, known); err != nil {
			return nil, nil, err
		}
	}
	return funcs, known, nil
}
