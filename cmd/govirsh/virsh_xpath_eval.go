package main

import (
	"math"
	"sort"
	"strconv"
	"strings"
)

// An XPath 1.0 evaluator over lxNode, as libxml2 evaluates virsh's
// --xpath: the context node is the root element, no namespace prefixes
// are registered, and parse errors carry libxml2's wording and position.

type xpTokKind int

const (
	xtEOF  xpTokKind = iota
	xtName           // NCName or QName (prefix:local, prefix:*)
	xtStar           // * as a name test
	xtOp             // operators and punctuation
	xtNum
	xtLit
	xtOpName // and, or, div, mod used as operators
	xtMul    // * used as multiplication
)

type xpTok struct {
	kind xpTokKind
	s    string
	num  float64
	pos  int
}

const (
	xpMsgInvalidExpr    = "Invalid expression"
	xpMsgUnfinished     = "Unfinished literal"
	xpMsgInvalidPred    = "Invalid predicate"
	xpMsgUnknownFunc    = "Unregistered function"
	xpMsgArity          = "Invalid number of arguments"
	xpMsgInvalidType    = "Invalid type"
	xpMsgUndefPrefix    = "Undefined namespace prefix"
	xpMsgUndefVar       = "Undefined variable"
	xpMsgInvalidOperand = "Invalid operand"
)

func xpLex(expr string) ([]xpTok, *xpathError) {
	var toks []xpTok
	i := 0
	prevAllowsOperator := func() bool {
		if len(toks) == 0 {
			return false
		}
		p := toks[len(toks)-1]
		switch p.kind {
		case xtOp:
			return p.s == ")" || p.s == "]" || p.s == "." || p.s == ".."
		case xtOpName, xtMul:
			return false
		}
		return true
	}
	isNameStart := func(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80 }
	isNameChar := func(c byte) bool {
		return isNameStart(c) || c == '-' || c == '.' || c >= '0' && c <= '9'
	}
	for {
		for i < len(expr) && (expr[i] == ' ' || expr[i] == '\t' || expr[i] == '\n' || expr[i] == '\r') {
			i++
		}
		if i >= len(expr) {
			toks = append(toks, xpTok{kind: xtEOF, pos: i})
			return toks, nil
		}
		c := expr[i]
		start := i
		switch {
		case c == '"' || c == '\'':
			j := strings.IndexByte(expr[i+1:], c)
			if j < 0 {
				return nil, &xpathError{msg: xpMsgUnfinished, expr: expr, pos: len(expr)}
			}
			toks = append(toks, xpTok{kind: xtLit, s: expr[i+1 : i+1+j], pos: start})
			i += j + 2
		case c >= '0' && c <= '9' || c == '.' && i+1 < len(expr) && expr[i+1] >= '0' && expr[i+1] <= '9':
			j := i
			for j < len(expr) && (expr[j] >= '0' && expr[j] <= '9' || expr[j] == '.') {
				j++
			}
			v, err := strconv.ParseFloat(expr[i:j], 64)
			if err != nil {
				return nil, &xpathError{msg: xpMsgInvalidExpr, expr: expr, pos: j}
			}
			toks = append(toks, xpTok{kind: xtNum, num: v, pos: start})
			i = j
		case c == '*':
			if prevAllowsOperator() {
				toks = append(toks, xpTok{kind: xtMul, s: "*", pos: start})
			} else {
				toks = append(toks, xpTok{kind: xtStar, s: "*", pos: start})
			}
			i++
		case isNameStart(c):
			j := i
			for j < len(expr) && isNameChar(expr[j]) {
				j++
			}
			if j+1 < len(expr) && expr[j] == ':' && expr[j+1] != ':' {
				if expr[j+1] == '*' {
					j += 2
				} else if isNameStart(expr[j+1]) {
					j++
					for j < len(expr) && isNameChar(expr[j]) {
						j++
					}
				}
			}
			word := expr[i:j]
			if prevAllowsOperator() && (word == "and" || word == "or" || word == "div" || word == "mod") {
				toks = append(toks, xpTok{kind: xtOpName, s: word, pos: start})
			} else {
				toks = append(toks, xpTok{kind: xtName, s: word, pos: start})
			}
			i = j
		default:
			two := ""
			if i+1 < len(expr) {
				two = expr[i : i+2]
			}
			switch two {
			case "//", "::", "..", "!=", "<=", ">=":
				toks = append(toks, xpTok{kind: xtOp, s: two, pos: start})
				i += 2
				continue
			}
			if strings.IndexByte("/()[]@,|+-=<>.$", c) < 0 {
				return nil, &xpathError{msg: xpMsgInvalidExpr, expr: expr, pos: i}
			}
			toks = append(toks, xpTok{kind: xtOp, s: string(c), pos: start})
			i++
		}
	}
}

// AST

type xpExpr interface{}

type xpBinary struct {
	op   string
	l, r xpExpr
}
type xpNeg struct{ e xpExpr }
type xpNumber float64
type xpLiteral string
type xpCall struct {
	name string
	args []xpExpr
	pos  int
}
type xpFilter struct {
	primary xpExpr
	preds   []xpExpr
}
type xpStep struct {
	axis  string
	test  string // name, "*", "prefix:*", "node()", "text()", "comment()", "processing-instruction()"
	preds []xpExpr
	pos   int
}
type xpPath struct {
	abs   bool
	start xpExpr // a filter expression the steps continue from
	steps []xpStep
}

type xpParser struct {
	expr string
	toks []xpTok
	i    int
}

func (p *xpParser) peek() xpTok { return p.toks[p.i] }
func (p *xpParser) next() xpTok { t := p.toks[p.i]; p.i++; return t }
func (p *xpParser) isOp(s string) bool {
	t := p.peek()
	return t.kind == xtOp && t.s == s
}
func (p *xpParser) fail(msg string) *xpathError {
	return &xpathError{msg: msg, expr: p.expr, pos: p.peek().pos}
}

func xpCompile(expr string) (xpExpr, *xpathError) {
	toks, err := xpLex(expr)
	if err != nil {
		return nil, err
	}
	p := &xpParser{expr: expr, toks: toks}
	e, err := p.orExpr()
	if err != nil {
		return nil, err
	}
	if p.peek().kind != xtEOF {
		return nil, p.fail(xpMsgInvalidExpr)
	}
	return e, nil
}

func (p *xpParser) binary(ops []string, sub func() (xpExpr, *xpathError)) (xpExpr, *xpathError) {
	l, err := sub()
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		matched := ""
		for _, op := range ops {
			if (t.kind == xtOp || t.kind == xtOpName || t.kind == xtMul) && t.s == op {
				matched = op
			}
		}
		if matched == "" {
			return l, nil
		}
		p.next()
		r, err := sub()
		if err != nil {
			return nil, err
		}
		l = &xpBinary{op: matched, l: l, r: r}
	}
}

func (p *xpParser) orExpr() (xpExpr, *xpathError) { return p.binary([]string{"or"}, p.andExpr) }
func (p *xpParser) andExpr() (xpExpr, *xpathError) {
	return p.binary([]string{"and"}, p.eqExpr)
}
func (p *xpParser) eqExpr() (xpExpr, *xpathError) { return p.binary([]string{"=", "!="}, p.relExpr) }
func (p *xpParser) relExpr() (xpExpr, *xpathError) {
	return p.binary([]string{"<", ">", "<=", ">="}, p.addExpr)
}
func (p *xpParser) addExpr() (xpExpr, *xpathError) { return p.binary([]string{"+", "-"}, p.mulExpr) }
func (p *xpParser) mulExpr() (xpExpr, *xpathError) {
	return p.binary([]string{"*", "div", "mod"}, p.unaryExpr)
}

func (p *xpParser) unaryExpr() (xpExpr, *xpathError) {
	if p.isOp("-") {
		p.next()
		e, err := p.unaryExpr()
		if err != nil {
			return nil, err
		}
		return &xpNeg{e}, nil
	}
	return p.binary([]string{"|"}, p.pathExpr)
}

var xpNodeTypes = map[string]bool{"node": true, "text": true, "comment": true, "processing-instruction": true}

func (p *xpParser) pathExpr() (xpExpr, *xpathError) {
	t := p.peek()
	isPrimary := t.kind == xtLit || t.kind == xtNum || t.kind == xtOp && (t.s == "(" || t.s == "$")
	if t.kind == xtName && p.toks[p.i+1].kind == xtOp && p.toks[p.i+1].s == "(" && !xpNodeTypes[t.s] {
		isPrimary = true
	}
	if !isPrimary {
		return p.locationPath()
	}
	prim, err := p.primary()
	if err != nil {
		return nil, err
	}
	f := &xpFilter{primary: prim}
	for p.isOp("[") {
		pred, err := p.predicate()
		if err != nil {
			return nil, err
		}
		f.preds = append(f.preds, pred)
	}
	if !p.isOp("/") && !p.isOp("//") {
		if len(f.preds) == 0 {
			return prim, nil
		}
		return f, nil
	}
	path := &xpPath{start: f}
	if err := p.relPath(path); err != nil {
		return nil, err
	}
	return path, nil
}

func (p *xpParser) primary() (xpExpr, *xpathError) {
	t := p.next()
	switch {
	case t.kind == xtLit:
		return xpLiteral(t.s), nil
	case t.kind == xtNum:
		return xpNumber(t.num), nil
	case t.kind == xtOp && t.s == "$":
		return nil, &xpathError{msg: xpMsgUndefVar, expr: p.expr, pos: p.peek().pos}
	case t.kind == xtOp && t.s == "(":
		e, err := p.orExpr()
		if err != nil {
			return nil, err
		}
		if !p.isOp(")") {
			return nil, p.fail(xpMsgInvalidExpr)
		}
		p.next()
		return e, nil
	case t.kind == xtName:
		p.next() // (
		call := &xpCall{name: t.s, pos: t.pos}
		if p.isOp(")") || p.peek().kind == xtEOF {
			// libxml2 takes "f(" at the end as a call without arguments.
			if p.isOp(")") {
				p.next()
			}
			return call, nil
		}
		for {
			a, err := p.orExpr()
			if err != nil {
				return nil, err
			}
			call.args = append(call.args, a)
			if p.isOp(",") {
				p.next()
				continue
			}
			if p.isOp(")") {
				p.next()
				return call, nil
			}
			return nil, p.fail(xpMsgInvalidExpr)
		}
	}
	p.i--
	return nil, p.fail(xpMsgInvalidExpr)
}

func (p *xpParser) predicate() (xpExpr, *xpathError) {
	p.next() // [
	e, err := p.orExpr()
	if err != nil {
		return nil, err
	}
	if !p.isOp("]") {
		return nil, p.fail(xpMsgInvalidPred)
	}
	p.next()
	return e, nil
}

func (p *xpParser) locationPath() (xpExpr, *xpathError) {
	path := &xpPath{}
	if p.isOp("/") {
		path.abs = true
		p.next()
		t := p.peek()
		if t.kind == xtName || t.kind == xtStar || t.kind == xtOp && (t.s == "@" || t.s == "." || t.s == "..") {
			if err := p.steps(path); err != nil {
				return nil, err
			}
		}
		return path, nil
	}
	if p.isOp("//") {
		path.abs = true
		p.next()
		path.steps = append(path.steps, xpStep{axis: "descendant-or-self", test: "node()"})
		if err := p.steps(path); err != nil {
			return nil, err
		}
		return path, nil
	}
	if err := p.steps(path); err != nil {
		return nil, err
	}
	return path, nil
}

// relPath continues a path after a filter expression.
func (p *xpParser) relPath(path *xpPath) *xpathError {
	for p.isOp("/") || p.isOp("//") {
		if p.next().s == "//" {
			path.steps = append(path.steps, xpStep{axis: "descendant-or-self", test: "node()"})
		}
		s, err := p.step()
		if err != nil {
			return err
		}
		path.steps = append(path.steps, s)
	}
	return nil
}

func (p *xpParser) steps(path *xpPath) *xpathError {
	s, err := p.step()
	if err != nil {
		return err
	}
	path.steps = append(path.steps, s)
	return p.relPath(path)
}

var xpAxes = map[string]bool{"ancestor": true, "ancestor-or-self": true, "attribute": true, "child": true,
	"descendant": true, "descendant-or-self": true, "following": true, "following-sibling": true,
	"namespace": true, "parent": true, "preceding": true, "preceding-sibling": true, "self": true}

func (p *xpParser) step() (xpStep, *xpathError) {
	t := p.peek()
	if t.kind == xtOp && t.s == "." {
		p.next()
		return xpStep{axis: "self", test: "node()", pos: t.pos}, nil
	}
	if t.kind == xtOp && t.s == ".." {
		p.next()
		return xpStep{axis: "parent", test: "node()", pos: t.pos}, nil
	}
	s := xpStep{axis: "child", pos: t.pos}
	if t.kind == xtOp && t.s == "@" {
		p.next()
		s.axis = "attribute"
	} else if t.kind == xtName && p.toks[p.i+1].kind == xtOp && p.toks[p.i+1].s == "::" {
		if !xpAxes[t.s] {
			return s, p.fail(xpMsgInvalidExpr)
		}
		s.axis = t.s
		p.next()
		p.next()
	}
	t = p.next()
	switch {
	case t.kind == xtStar:
		s.test = "*"
	case t.kind == xtName && p.isOp("(") && xpNodeTypes[t.s]:
		p.next()
		if t.s == "processing-instruction" && p.peek().kind == xtLit {
			p.next()
		}
		if !p.isOp(")") {
			return s, p.fail(xpMsgInvalidExpr)
		}
		p.next()
		s.test = t.s + "()"
	case t.kind == xtName:
		s.test = t.s
	default:
		p.i--
		if t.kind == xtOp && (t.s == "/" || t.s == "//") {
			// libxml2 has stepped over the slash when it gives up.
			return s, &xpathError{msg: xpMsgInvalidExpr, expr: p.expr, pos: t.pos + len(t.s)}
		}
		return s, p.fail(xpMsgInvalidExpr)
	}
	for p.isOp("[") {
		pred, err := p.predicate()
		if err != nil {
			return s, err
		}
		s.preds = append(s.preds, pred)
	}
	return s, nil
}

// Evaluation

type xpCtx struct {
	node      *lxNode
	pos, size int
	expr      string
}

type xpNodeSet []*lxNode

func xpSelect(doc *lxNode, expr string) ([]*lxNode, error) {
	e, perr := xpCompile(expr)
	if perr != nil {
		return nil, perr
	}
	v, err := xpEval(e, xpCtx{node: doc.root(), pos: 1, size: 1, expr: expr})
	if err != nil {
		return nil, err
	}
	ns, ok := v.(xpNodeSet)
	if !ok {
		return nil, &errIncorrectXPath{expr}
	}
	return ns, nil
}

func xpSortDocOrder(ns xpNodeSet) xpNodeSet {
	seen := map[*lxNode]bool{}
	out := ns[:0:0]
	for _, n := range ns {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].order < out[j].order })
	return out
}

func xpEval(e xpExpr, c xpCtx) (any, error) {
	switch e := e.(type) {
	case xpNumber:
		return float64(e), nil
	case xpLiteral:
		return string(e), nil
	case *xpNeg:
		v, err := xpEval(e.e, c)
		if err != nil {
			return nil, err
		}
		return -xpNumberOf(v), nil
	case *xpBinary:
		return xpEvalBinary(e, c)
	case *xpCall:
		return xpCallFunc(e, c)
	case *xpFilter:
		v, err := xpEval(e.primary, c)
		if err != nil {
			return nil, err
		}
		ns, ok := v.(xpNodeSet)
		if !ok {
			return nil, &xpathError{msg: xpMsgInvalidType, expr: c.expr, pos: len(c.expr)}
		}
		for _, pred := range e.preds {
			if ns, err = xpFilterPred(ns, pred, c.expr); err != nil {
				return nil, err
			}
		}
		return ns, nil
	case *xpPath:
		var cur xpNodeSet
		switch {
		case e.start != nil:
			v, err := xpEval(e.start, c)
			if err != nil {
				return nil, err
			}
			ns, ok := v.(xpNodeSet)
			if !ok {
				return nil, &xpathError{msg: xpMsgInvalidType, expr: c.expr, pos: len(c.expr)}
			}
			cur = ns
		case e.abs:
			d := c.node
			for d.parent != nil {
				d = d.parent
			}
			cur = xpNodeSet{d}
		default:
			cur = xpNodeSet{c.node}
		}
		for _, s := range e.steps {
			var next xpNodeSet
			for _, n := range cur {
				sel, err := xpEvalStep(s, n, c.expr)
				if err != nil {
					return nil, err
				}
				next = append(next, sel...)
			}
			cur = xpSortDocOrder(next)
		}
		if cur == nil {
			cur = xpNodeSet{}
		}
		return cur, nil
	}
	return nil, &xpathError{msg: xpMsgInvalidExpr, expr: c.expr, pos: len(c.expr)}
}

func xpFilterPred(ns xpNodeSet, pred xpExpr, expr string) (xpNodeSet, error) {
	var out xpNodeSet
	for i, n := range ns {
		v, err := xpEval(pred, xpCtx{node: n, pos: i + 1, size: len(ns), expr: expr})
		if err != nil {
			return nil, err
		}
		keep := false
		if f, ok := v.(float64); ok {
			keep = f == float64(i+1)
		} else {
			keep = xpBool(v)
		}
		if keep {
			out = append(out, n)
		}
	}
	return out, nil
}

func xpAxisNodes(axis string, n *lxNode) []*lxNode {
	var out []*lxNode
	switch axis {
	case "child":
		return n.children
	case "attribute":
		return n.attrs
	case "self":
		return []*lxNode{n}
	case "parent":
		if n.parent != nil {
			return []*lxNode{n.parent}
		}
	case "descendant", "descendant-or-self":
		if axis == "descendant-or-self" {
			out = append(out, n)
		}
		for _, k := range n.children {
			k.walk(func(x *lxNode) { out = append(out, x) })
		}
	case "ancestor", "ancestor-or-self":
		if axis == "ancestor-or-self" {
			out = append(out, n)
		}
		for p := n.parent; p != nil; p = p.parent {
			out = append(out, p)
		}
	case "following-sibling", "preceding-sibling":
		if n.parent == nil || n.kind == lxAttr {
			return nil
		}
		sib := n.parent.children
		for i, k := range sib {
			if k == n {
				if axis == "following-sibling" {
					return sib[i+1:]
				}
				for j := i - 1; j >= 0; j-- {
					out = append(out, sib[j])
				}
				return out
			}
		}
	case "following", "preceding":
		d := n
		for d.parent != nil {
			d = d.parent
		}
		anc := map[*lxNode]bool{}
		for p := n; p != nil; p = p.parent {
			anc[p] = true
		}
		var all []*lxNode
		d.walk(func(x *lxNode) { all = append(all, x) })
		for _, x := range all {
			if axis == "following" && x.order > n.order && !xpIsDescendant(x, n) {
				out = append(out, x)
			}
			if axis == "preceding" && x.order < n.order && !anc[x] {
				out = append([]*lxNode{x}, out...)
			}
		}
	}
	return out
}

func xpIsDescendant(x, of *lxNode) bool {
	for p := x.parent; p != nil; p = p.parent {
		if p == of {
			return true
		}
	}
	return false
}

func xpEvalStep(s xpStep, n *lxNode, expr string) (xpNodeSet, error) {
	principal := lxElem
	if s.axis == "attribute" {
		principal = lxAttr
	}
	var sel xpNodeSet
	for _, x := range xpAxisNodes(s.axis, n) {
		ok, err := xpMatchTest(s, x, principal, expr)
		if err != nil {
			return nil, err
		}
		if ok {
			sel = append(sel, x)
		}
	}
	for _, pred := range s.preds {
		var err error
		if sel, err = xpFilterPred(sel, pred, expr); err != nil {
			return nil, err
		}
	}
	return sel, nil
}

func xpMatchTest(s xpStep, x *lxNode, principal lxKind, expr string) (bool, error) {
	switch s.test {
	case "node()":
		return true, nil
	case "text()":
		return x.kind == lxText, nil
	case "comment()":
		return x.kind == lxComment, nil
	case "processing-instruction()":
		return x.kind == lxPI, nil
	case "*":
		return x.kind == principal, nil
	}
	if x.kind != principal {
		return false, nil
	}
	if strings.Contains(s.test, ":") {
		// virsh registers no namespace prefixes.
		return false, &xpathError{msg: xpMsgUndefPrefix, expr: expr, pos: len(expr)}
	}
	return x.local == s.test && x.ns == "", nil
}

func xpBool(v any) bool {
	switch v := v.(type) {
	case bool:
		return v
	case float64:
		return v != 0 && !math.IsNaN(v)
	case string:
		return v != ""
	case xpNodeSet:
		return len(v) > 0
	}
	return false
}

func xpString(v any) string {
	switch v := v.(type) {
	case bool:
		if v {
			return "true"
		}
		return "false"
	case float64:
		return xpNumberString(v)
	case string:
		return v
	case xpNodeSet:
		if len(v) == 0 {
			return ""
		}
		return v[0].stringValue()
	}
	return ""
}

func xpNumberString(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == math.Trunc(f) && math.Abs(f) < 1e15:
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

func xpNumberOf(v any) float64 {
	switch v := v.(type) {
	case bool:
		if v {
			return 1
		}
		return 0
	case float64:
		return v
	}
	s := strings.TrimSpace(xpString(v))
	if s == "" {
		return math.NaN()
	}
	for i := 0; i < len(s); i++ {
		if !(s[i] >= '0' && s[i] <= '9' || s[i] == '.' || i == 0 && s[i] == '-') {
			return math.NaN()
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return math.NaN()
	}
	return f
}

func xpEvalBinary(e *xpBinary, c xpCtx) (any, error) {
	l, err := xpEval(e.l, c)
	if err != nil {
		return nil, err
	}
	if e.op == "or" && xpBool(l) {
		return true, nil
	}
	if e.op == "and" && !xpBool(l) {
		return false, nil
	}
	r, err := xpEval(e.r, c)
	if err != nil {
		return nil, err
	}
	switch e.op {
	case "or", "and":
		return xpBool(r), nil
	case "|":
		ln, lok := l.(xpNodeSet)
		rn, rok := r.(xpNodeSet)
		if !lok || !rok {
			return nil, &xpathError{msg: xpMsgInvalidType, expr: c.expr, pos: len(c.expr)}
		}
		return xpSortDocOrder(append(append(xpNodeSet{}, ln...), rn...)), nil
	case "+":
		return xpNumberOf(l) + xpNumberOf(r), nil
	case "-":
		return xpNumberOf(l) - xpNumberOf(r), nil
	case "*":
		return xpNumberOf(l) * xpNumberOf(r), nil
	case "div":
		return xpNumberOf(l) / xpNumberOf(r), nil
	case "mod":
		return math.Mod(xpNumberOf(l), xpNumberOf(r)), nil
	}
	return xpCompare(e.op, l, r), nil
}

func xpCompare(op string, l, r any) bool {
	ln, lok := l.(xpNodeSet)
	rn, rok := r.(xpNodeSet)
	switch {
	case lok && rok:
		for _, a := range ln {
			for _, b := range rn {
				if xpCompareAtoms(op, a.stringValue(), b.stringValue()) {
					return true
				}
			}
		}
		return false
	case lok || rok:
		set, other, swap := ln, r, false
		if rok {
			set, other, swap = rn, l, true
		}
		if b, ok := other.(bool); ok {
			if swap {
				return xpCompareAtoms(op, b, len(set) > 0)
			}
			return xpCompareAtoms(op, len(set) > 0, b)
		}
		for _, n := range set {
			var a any = n.stringValue()
			if _, isNum := other.(float64); isNum {
				a = xpNumberOf(a)
			}
			if swap && xpCompareAtoms(op, other, a) || !swap && xpCompareAtoms(op, a, other) {
				return true
			}
		}
		return false
	}
	return xpCompareAtoms(op, l, r)
}

func xpCompareAtoms(op string, l, r any) bool {
	if op == "=" || op == "!=" {
		var eq bool
		_, lb := l.(bool)
		_, rb := r.(bool)
		_, lf := l.(float64)
		_, rf := r.(float64)
		switch {
		case lb || rb:
			eq = xpBool(l) == xpBool(r)
		case lf || rf:
			eq = xpNumberOf(l) == xpNumberOf(r)
		default:
			eq = xpString(l) == xpString(r)
		}
		return eq == (op == "=")
	}
	a, b := xpNumberOf(l), xpNumberOf(r)
	switch op {
	case "<":
		return a < b
	case ">":
		return a > b
	case "<=":
		return a <= b
	case ">=":
		return a >= b
	}
	return false
}

func xpCallFunc(e *xpCall, c xpCtx) (any, error) {
	args := make([]any, len(e.args))
	for i, a := range e.args {
		v, err := xpEval(a, c)
		if err != nil {
			return nil, err
		}
		args[i] = v
	}
	arity := func(min, max int) error {
		if len(args) < min || len(args) > max {
			return &xpathError{msg: xpMsgArity, expr: c.expr, pos: len(c.expr)}
		}
		return nil
	}
	nodeArg := func() (*lxNode, error) {
		if len(args) == 0 {
			return c.node, nil
		}
		ns, ok := args[0].(xpNodeSet)
		if !ok {
			return nil, &xpathError{msg: xpMsgInvalidType, expr: c.expr, pos: len(c.expr)}
		}
		if len(ns) == 0 {
			return nil, nil
		}
		return ns[0], nil
	}
	strArg := func(i int) string {
		if i < len(args) {
			return xpString(args[i])
		}
		return c.node.stringValue()
	}
	var err error
	switch e.name {
	case "last":
		err = arity(0, 0)
		return float64(c.size), err
	case "position":
		err = arity(0, 0)
		return float64(c.pos), err
	case "count":
		if err = arity(1, 1); err != nil {
			return nil, err
		}
		ns, ok := args[0].(xpNodeSet)
		if !ok {
			return nil, &xpathError{msg: xpMsgInvalidType, expr: c.expr, pos: len(c.expr)}
		}
		return float64(len(ns)), nil
	case "name", "local-name", "namespace-uri":
		if err = arity(0, 1); err != nil {
			return nil, err
		}
		n, err := nodeArg()
		if err != nil || n == nil {
			return "", err
		}
		switch e.name {
		case "name":
			return n.name, nil
		case "local-name":
			if n.kind == lxElem || n.kind == lxAttr {
				return n.local, nil
			}
			return n.name, nil
		}
		return n.ns, nil
	case "string":
		err = arity(0, 1)
		return strArg(0), err
	case "concat":
		if err = arity(2, 1<<30); err != nil {
			return nil, err
		}
		var b strings.Builder
		for i := range args {
			b.WriteString(xpString(args[i]))
		}
		return b.String(), nil
	case "starts-with":
		err = arity(2, 2)
		return err == nil && strings.HasPrefix(strArg(0), strArg(1)), err
	case "contains":
		err = arity(2, 2)
		return err == nil && strings.Contains(strArg(0), strArg(1)), err
	case "substring-before":
		if err = arity(2, 2); err != nil {
			return nil, err
		}
		s, _, _ := strings.Cut(strArg(0), strArg(1))
		if !strings.Contains(strArg(0), strArg(1)) {
			s = ""
		}
		return s, nil
	case "substring-after":
		if err = arity(2, 2); err != nil {
			return nil, err
		}
		_, s, _ := strings.Cut(strArg(0), strArg(1))
		return s, nil
	case "substring":
		if err = arity(2, 3); err != nil {
			return nil, err
		}
		rs := []rune(strArg(0))
		start := math.Round(xpNumberOf(args[1]))
		end := math.Inf(1)
		if len(args) == 3 {
			end = start + math.Round(xpNumberOf(args[2]))
		}
		var b strings.Builder
		for i, r := range rs {
			p := float64(i + 1)
			if p >= start && p < end {
				b.WriteRune(r)
			}
		}
		return b.String(), nil
	case "string-length":
		err = arity(0, 1)
		return float64(len([]rune(strArg(0)))), err
	case "normalize-space":
		err = arity(0, 1)
		return strings.Join(strings.Fields(strArg(0)), " "), err
	case "translate":
		if err = arity(3, 3); err != nil {
			return nil, err
		}
		from, to := []rune(strArg(1)), []rune(strArg(2))
		var b strings.Builder
		for _, r := range strArg(0) {
			idx := -1
			for i, f := range from {
				if f == r {
					idx = i
					break
				}
			}
			switch {
			case idx < 0:
				b.WriteRune(r)
			case idx < len(to):
				b.WriteRune(to[idx])
			}
		}
		return b.String(), nil
	case "boolean":
		err = arity(1, 1)
		return err == nil && xpBool(args[0]), err
	case "not":
		err = arity(1, 1)
		return err == nil && !xpBool(args[0]), err
	case "true", "false":
		err = arity(0, 0)
		return e.name == "true", err
	case "number":
		if err = arity(0, 1); err != nil {
			return nil, err
		}
		if len(args) == 0 {
			return xpNumberOf(c.node.stringValue()), nil
		}
		return xpNumberOf(args[0]), nil
	case "sum":
		if err = arity(1, 1); err != nil {
			return nil, err
		}
		ns, ok := args[0].(xpNodeSet)
		if !ok {
			return nil, &xpathError{msg: xpMsgInvalidType, expr: c.expr, pos: len(c.expr)}
		}
		total := 0.0
		for _, n := range ns {
			total += xpNumberOf(n.stringValue())
		}
		return total, nil
	case "floor", "ceiling", "round":
		if err = arity(1, 1); err != nil {
			return nil, err
		}
		f := xpNumberOf(args[0])
		switch e.name {
		case "floor":
			return math.Floor(f), nil
		case "ceiling":
			return math.Ceil(f), nil
		}
		return math.Floor(f + 0.5), nil
	case "id", "lang":
		if e.name == "id" {
			return xpNodeSet{}, nil
		}
		return false, nil
	}
	return nil, &xpathError{msg: xpMsgUnknownFunc, expr: c.expr, pos: len(c.expr), generic: "xmlXPathCompOpEval: function " + e.name + " not found\n"}
}
