package main

import (
	"bufio"
	"bytes"
	"fmt"
	"github.com/govirt/govirt/internal/gen/xdrspec"
	"go/format"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// xdrField is one member of an XDR struct.
type xdrField struct {
	typ   string // XDR type: "unsigned hyper", "remote_nonnull_domain"
	name  string
	array string // "" scalar, "<>" variable length, "[N]" fixed length
}

type xdrStruct struct {
	name   string
	fields []xdrField
}

// proc is one REMOTE_PROC_* with its annotations.
type proc struct {
	num        int
	cName      string // REMOTE_PROC_DOMAIN_GET_XML_DESC
	lower      string // domain_get_xml_desc
	priority   string
	generate   string
	readStream int
	writeStrm  int
	sparseFlag string // the flag that makes the procedure's stream sparse
	acls       []string
}

var cFuncRe = regexp.MustCompile(`\b(vir[A-Z]\w+)\s*\(`)

// parseProtocol reads remote_protocol.x: its remote_* structs by name and in
// file order, and the procedures of enum remote_procedure with their
// annotations.
func parseProtocol(src string) (map[string]*xdrStruct, []string, []proc, error) {
	f, err := xdrspec.Parse(src)
	if err != nil {
		return nil, nil, nil, err
	}
	structs := map[string]*xdrStruct{}
	var order []string
	for _, st := range f.Structs {
		if !strings.HasPrefix(st.Name, "remote_") {
			continue
		}
		s := &xdrStruct{name: st.Name}
		for _, d := range st.Fields {
			if d.Optional {
				return nil, nil, nil, fmt.Errorf("%s: optional field %s is not supported", s.name, d.Name)
			}
			fl := xdrField{typ: d.Type, name: d.Name}
			switch d.Kind {
			case xdrspec.VarArray:
				fl.array = "<>"
			case xdrspec.FixedArray:
				fl.array = "[" + d.Size + "]"
			}
			s.fields = append(s.fields, fl)
		}
		structs[s.name] = s
		order = append(order, s.name)
	}
	var procEnum *xdrspec.Enum
	for _, e := range f.Enums {
		if e.Name == "remote_procedure" {
			procEnum = e
		}
	}
	if procEnum == nil {
		return nil, nil, nil, fmt.Errorf("no remote_procedure enum")
	}
	var procs []proc
	for _, v := range procEnum.Values {
		n, err := strconv.Atoi(v.Value)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("%s: procedure number %q", v.Name, v.Value)
		}
		p := proc{num: n, cName: v.Name, lower: strings.ToLower(strings.TrimPrefix(v.Name, "REMOTE_PROC_"))}
		ann := xdrspec.Annotations(v.Doc)
		last := func(key string) string {
			if vs := ann[key]; len(vs) > 0 {
				return vs[len(vs)-1]
			}
			return ""
		}
		p.priority = last("priority")
		p.generate = last("generate")
		p.sparseFlag = last("sparseflag")
		p.readStream, _ = strconv.Atoi(last("readstream"))
		p.writeStrm, _ = strconv.Atoi(last("writestream"))
		p.acls = ann["acl"]
		procs = append(procs, p)
	}
	return structs, order, procs, nil
}

// family is the driver table a procedure belongs to, as libvirt's
// driver-*.h split them.
func family(lower string) string {
	switch {
	case strings.HasPrefix(lower, "domain_"), strings.HasPrefix(lower, "node_get"),
		strings.HasPrefix(lower, "node_set"), strings.HasPrefix(lower, "node_alloc"),
		strings.HasPrefix(lower, "node_suspend"):
		return "Hypervisor"
	case strings.Contains(lower, "nwfilter"):
		return "NWFilter"
	case strings.Contains(lower, "network"):
		return "Network"
	case strings.Contains(lower, "storage"):
		return "Storage"
	case strings.Contains(lower, "node_device"), strings.HasPrefix(lower, "node_num_of_devices"),
		strings.HasPrefix(lower, "node_list_devices"):
		return "NodeDevice"
	case strings.Contains(lower, "secret"):
		return "Secret"
	case strings.Contains(lower, "interface"):
		return "Interface"
	}
	return "Hypervisor"
}

// skipped says why a procedure has no generated driver method: the daemon
// handles it, it is an event message, or registration is hand-written.
func skipped(p proc, structs map[string]*xdrStruct) string {
	switch {
	case p.lower == "connect_open" || p.lower == "connect_close":
		return "connection"
	case strings.HasPrefix(p.lower, "auth_"):
		return "auth"
	case structs["remote_"+p.lower+"_msg"] != nil:
		return "event"
	case strings.Contains(p.lower, "event") && strings.Contains(p.lower, "register"):
		return "eventregister"
	}
	return ""
}

var refTypes = map[string]string{
	"remote_nonnull_domain":            "DomainRef",
	"remote_nonnull_network":           "NetworkRef",
	"remote_nonnull_network_port":      "NetworkPortRef",
	"remote_nonnull_nwfilter":          "NWFilterRef",
	"remote_nonnull_nwfilter_binding":  "NWFilterBindingRef",
	"remote_nonnull_interface":         "InterfaceRef",
	"remote_nonnull_storage_pool":      "StoragePoolRef",
	"remote_nonnull_storage_vol":       "StorageVolRef",
	"remote_nonnull_node_device":       "NodeDeviceRef",
	"remote_nonnull_secret":            "SecretRef",
	"remote_nonnull_domain_checkpoint": "DomainCheckpointRef",
	"remote_nonnull_domain_snapshot":   "DomainSnapshotRef",
	"remote_typed_param":               "TypedParam",
	"remote_typed_param_value":         "TypedParamValue",
	"remote_uuid":                      "UUID",
}

var scalarTypes = map[string]string{
	"int": "int32", "unsigned int": "uint32", "hyper": "int64", "unsigned hyper": "uint64",
	"char": "int8", "unsigned char": "uint8", "short": "int16", "unsigned short": "uint16",
	"double": "float64", "float": "float32", "bool": "bool",
	"remote_nonnull_string": "string", "remote_string": "*string",
}

func (g *gen) goType(f xdrField) string {
	switch {
	case f.typ == "opaque" && f.array == "<>":
		return "[]byte"
	case f.typ == "opaque":
		return f.array + "byte"
	case f.array == "<>":
		return "[]" + g.baseType(f.typ)
	case f.array != "":
		return f.array + g.baseType(f.typ)
	}
	return g.baseType(f.typ)
}

func (g *gen) baseType(t string) string {
	if s, ok := scalarTypes[t]; ok {
		return s
	}
	if r, ok := refTypes[t]; ok {
		return r
	}
	if strings.HasPrefix(t, "remote_") {
		nn := "remote_nonnull_" + strings.TrimPrefix(t, "remote_")
		if r, ok := refTypes[nn]; ok {
			return "*" + r
		}
		g.used[t] = true
		return structGoName(t)
	}
	panic("unknown XDR type " + t)
}

func structGoName(t string) string { return goCamel(strings.TrimPrefix(t, "remote_"), true) }

var goKeywords = map[string]string{
	"type": "typ", "func": "fn", "default": "def", "range": "rng", "interface": "iface",
	"map": "m", "select": "sel", "chan": "ch", "go": "g", "var": "v", "err": "errArg",
	"ctx": "ctxArg", "package": "pkg", "import": "imp", "return": "ret", "len": "length",
	"string": "str", "new": "nw", "cap": "capacity",
}

// goCamel turns an XDR identifier (snake or camel case) into a Go one.
func goCamel(s string, exported bool) string {
	var b strings.Builder
	for i, w := range splitWords(s) {
		if w == "" {
			continue
		}
		if up, ok := initialisms[strings.ToUpper(w)]; ok && strings.ToLower(w) == w {
			if i == 0 && !exported {
				b.WriteString(strings.ToLower(up))
			} else {
				b.WriteString(up)
			}
			continue
		}
		if i == 0 && !exported {
			b.WriteString(strings.ToLower(w[:1]) + w[1:])
		} else {
			b.WriteString(strings.ToUpper(w[:1]) + w[1:])
		}
	}
	out := b.String()
	if !exported {
		if k, ok := goKeywords[out]; ok {
			return k
		}
	}
	return out
}

// splitWords cuts an identifier at underscores and at lower-to-upper case
// changes, lowering camel-case words so initialisms apply to them too.
func splitWords(s string) []string {
	var out []string
	for _, part := range strings.Split(s, "_") {
		start := 0
		for i := 1; i < len(part); i++ {
			if part[i] >= 'A' && part[i] <= 'Z' && part[i-1] >= 'a' && part[i-1] <= 'z' {
				out = append(out, strings.ToLower(part[start:i]))
				start = i
			}
		}
		if start > 0 {
			out = append(out, strings.ToLower(part[start:]))
		} else {
			out = append(out, part)
		}
	}
	return out
}

type gen struct {
	structs  map[string]*xdrStruct
	cFuncs   map[string]string // normalised → virDomainGetXMLDesc
	used     map[string]bool   // XDR structs referenced from generated code
	retTypes map[string]string // ret struct → Go result type
}

// libvirtName is the public C function a procedure carries, when the
// headers declare one; internal procedures (migration phases, events) get a
// name built the same way.
func (g *gen) libvirtName(p proc) string {
	key := strings.ReplaceAll(p.lower, "_", "")
	if f, ok := g.cFuncs["vir"+key]; ok {
		return f
	}
	return "vir" + goCamel(p.lower, true)
}

type method struct {
	p       proc
	name    string // Go method name
	cfunc   string
	params  []string // "dom Domain"
	results []string // types, without error
	doc     string
}

func (g *gen) method(p proc) method {
	m := method{p: p, cfunc: g.libvirtName(p)}
	m.name = strings.TrimPrefix(m.cfunc, "vir")
	if args := g.structs["remote_"+p.lower+"_args"]; args != nil {
		for _, f := range args.fields {
			m.params = append(m.params, goCamel(f.name, false)+" "+g.goType(f))
		}
	}
	stream := p.readStream
	if stream == 0 {
		stream = p.writeStrm
	}
	if stream > 0 {
		// The stream is a parameter of the C function at this offset
		// (counting the object or connection as 0); it does not travel
		// in the arguments.
		at := stream - 1
		if at > len(m.params) {
			at = len(m.params)
		}
		m.params = append(m.params[:at], append([]string{"st Stream"}, m.params[at:]...)...)
	}
	if ret := g.structs["remote_"+p.lower+"_ret"]; ret != nil {
		if len(ret.fields) == 1 {
			m.results = []string{g.goType(ret.fields[0])}
		} else {
			g.used[ret.name] = true
			m.results = []string{structGoName(ret.name)}
		}
	}
	return m
}

func (m method) signature() string {
	res := "error"
	if len(m.results) > 0 {
		res = "(" + m.results[0] + ", error)"
	}
	params := append([]string{"ctx context.Context"}, m.params...)
	return fmt.Sprintf("%s(%s) %s", m.name, strings.Join(params, ", "), res)
}

func (m method) unsupportedSignature() string {
	res := "(err error)"
	if len(m.results) > 0 {
		res = "(_ " + m.results[0] + ", err error)"
	}
	params := append([]string{"ctx context.Context"}, m.params...)
	return fmt.Sprintf("%s(%s) %s", m.name, strings.Join(params, ", "), res)
}

var familyDocs = map[string]string{
	"Hypervisor": "the hypervisor driver table (driver-hypervisor.h): connection, node and domain calls, with snapshots and checkpoints",
	"Network":    "the network driver table (driver-network.h): networks and their ports",
	"Storage":    "the storage driver table (driver-storage.h): pools and volumes",
	"NodeDevice": "the node device driver table (driver-nodedev.h)",
	"Secret":     "the secret driver table (driver-secret.h)",
	"NWFilter":   "the network filter driver table (driver-nwfilter.h): filters and bindings",
	"Interface":  "the host interface driver table (driver-interface.h)",
}

var familyFiles = map[string]string{
	"Hypervisor": "hypervisor", "Network": "network", "Storage": "storage", "NodeDevice": "nodedev",
	"Secret": "secret", "NWFilter": "nwfilter", "Interface": "interface",
}

func loadCFuncs(dir string) (map[string]string, error) {
	out := map[string]string{}
	files, err := filepath.Glob(filepath.Join(dir, "libvirt*.h"))
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		for _, m := range cFuncRe.FindAllStringSubmatch(string(src), -1) {
			out[strings.ToLower(m[1])] = m[1]
		}
	}
	return out, nil
}

func readProcList(path string) (map[int]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[int]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		num, name, ok := strings.Cut(sc.Text(), "\t")
		if !ok {
			continue
		}
		n, err := strconv.Atoi(num)
		if err != nil {
			continue
		}
		out[n] = name
	}
	return out, sc.Err()
}

const genHeader = "// Code generated by internal/gen/apigen from libvirt's remote_protocol.x. DO NOT EDIT.\n\npackage driver\n\n"

func generateDriver(in, procsPath, outDir string) error {
	src, err := os.ReadFile(filepath.Join(in, "remote_protocol.x"))
	if err != nil {
		return err
	}
	structs, order, procs, err := parseProtocol(string(src))
	if err != nil {
		return err
	}
	if procsPath != "" {
		want, err := readProcList(procsPath)
		if err != nil {
			return err
		}
		if len(want) != len(procs) {
			return fmt.Errorf("remote_protocol.x has %d procedures, %s lists %d", len(procs), procsPath, len(want))
		}
		for _, p := range procs {
			if want[p.num] != p.cName {
				return fmt.Errorf("procedure %d is %s in remote_protocol.x, %s in %s", p.num, p.cName, want[p.num], procsPath)
			}
		}
	}
	cFuncs, err := loadCFuncs(in)
	if err != nil {
		return err
	}
	g := &gen{structs: structs, cFuncs: cFuncs, used: map[string]bool{}}

	domains, err := apiDomains()
	if err != nil {
		return err
	}
	reported := append([]string(nil), eventFunctions...)
	byFamily := map[string][]method{}
	var table bytes.Buffer
	table.WriteString(genHeader)
	table.WriteString("// Procedures lists every REMOTE_PROC_* in number order: the driver family\n// and method that serve it, or how the daemon handles it when no driver\n// method does (Special).\nvar Procedures = []Procedure{\n")
	for _, p := range procs {
		why := skipped(p, structs)
		fam, name := "", ""
		if why == "" {
			m := g.method(p)
			fam = family(p.lower)
			name = m.name
			byFamily[fam] = append(byFamily[fam], m)
		} else if why == "event" {
			g.used["remote_"+p.lower+"_msg"] = true
		}
		stream := ""
		if p.readStream > 0 {
			stream = "StreamRead"
		} else if p.writeStrm > 0 {
			stream = "StreamWrite"
		}
		if stream == "" {
			stream = "0"
		}
		fmt.Fprintf(&table, "\t{Number: %d, Name: %q, Family: %q, Method: %q, Special: %q, HighPriority: %v, Stream: %s, ACL: %#v},\n",
			p.num, p.cName, fam, name, why, p.priority == "high", stream, p.acls)
	}
	table.WriteString("}\n")
	if err := writeGo(filepath.Join(outDir, "procedures_gen.go"), table.Bytes()); err != nil {
		return err
	}

	for fam, methods := range byFamily {
		var b bytes.Buffer
		b.WriteString(genHeader)
		b.WriteString("import (\n\t\"context\"\n\n\t\"github.com/govirt/govirt/virt/virterr\"\n)\n\n")
		fmt.Fprintf(&b, "// %s is %s. Each method serves one\n// procedure of the remote protocol and one libvirt function.\ntype %s interface {\n", fam, familyDocs[fam], fam)
		for _, m := range methods {
			fmt.Fprintf(&b, "\t// %s: libvirt %s (%s = %d)\n\t%s\n", m.name, m.cfunc, m.p.cName, m.p.num, m.signature())
		}
		b.WriteString("}\n\n")
		fmt.Fprintf(&b, "// Unsupported%s answers every %s call with libvirt's\n// VIR_ERR_NO_SUPPORT naming the function. Drivers embed it and override\n// what they implement.\ntype Unsupported%s struct{}\n\nvar _ %s = Unsupported%s{}\n\n", fam, fam, fam, fam, fam)
		for _, m := range methods {
			d, ok := domains[m.cfunc]
			if !ok {
				return fmt.Errorf("apifiles.tsv does not say where %s is defined", m.cfunc)
			}
			reported = append(reported, m.cfunc)
			fmt.Fprintf(&b, "// %s is not supported.\nfunc (Unsupported%s) %s {\n\terr = virterr.NoSupportFrom(virterr.%s, %q)\n\treturn\n}\n\n", m.name, fam, m.unsupportedSignature(), d, m.cfunc)
		}
		if err := writeGo(filepath.Join(outDir, familyFiles[fam]+"_gen.go"), b.Bytes()); err != nil {
			return err
		}
	}
	var apiDomainsGo bytes.Buffer
	if err := writeAPIDomains(&apiDomainsGo, domains, reported); err != nil {
		return err
	}
	if err := writeGo(filepath.Join(outDir, "apidomains_gen.go"), apiDomainsGo.Bytes()); err != nil {
		return err
	}

	// Types: every struct the methods and events use, closed over the
	// structs they contain, in the protocol file's order.
	for changed := true; changed; {
		changed = false
		for name := range g.used {
			for _, f := range structs[name].fields {
				before := len(g.used)
				g.goType(f)
				if len(g.used) != before {
					changed = true
				}
			}
		}
	}
	var b bytes.Buffer
	b.WriteString(genHeader)
	for _, name := range order {
		if !g.used[name] {
			continue
		}
		s := structs[name]
		fmt.Fprintf(&b, "// %s is the wire's %s.\ntype %s struct {\n", structGoName(name), name, structGoName(name))
		for _, f := range s.fields {
			fmt.Fprintf(&b, "\t%s %s\n", goCamel(f.name, true), g.goType(f))
		}
		b.WriteString("}\n\n")
	}
	return writeGo(filepath.Join(outDir, "types_gen.go"), b.Bytes())
}

func writeGo(path string, src []byte) error {
	out, err := format.Source(src)
	if err != nil {
		return fmt.Errorf("%s: %v\n%s", path, err, src)
	}
	return os.WriteFile(path, out, 0o644)
}
