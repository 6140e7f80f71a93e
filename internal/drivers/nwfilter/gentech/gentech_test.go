package gentech

import (
	"strings"
	"testing"

	"github.com/govirt/govirt/internal/conf/ipaddr"

	"github.com/govirt/govirt/internal/conf/macaddr"
	"github.com/govirt/govirt/internal/conf/nwfilter"
	"github.com/govirt/govirt/virt/virterr"
)

func mustParse(t *testing.T, xml string) *nwfilter.Def {
	t.Helper()
	d, err := nwfilter.Parse([]byte(xml))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func oneRule(t *testing.T, attrs string) *RuleInst {
	t.Helper()
	d := mustParse(t, "<filter name='f'><rule action='accept' direction='out'><tcp "+attrs+"/></rule></filter>")
	return &RuleInst{Rule: d.Entries[0].Rule, Vars: nwfilter.Params{
		"A": {"1", "2", "3", "3"},
		"B": {"80", "90", "80", "80"},
		"C": {"x", "y"},
	}}
}

func combos(t *testing.T, ri *RuleInst, names ...string) []string {
	t.Helper()
	var out []string
	err := ForEachCombination(ri, func(ci *CombIter) error {
		var parts []string
		for _, n := range names {
			va, err := nwfilter.ParseVarAccess(n)
			if err != nil {
				return err
			}
			v, err := ci.Value(va)
			if err != nil {
				return err
			}
			parts = append(parts, v)
		}
		out = append(out, strings.Join(parts, ","))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestCombinations(t *testing.T) {
	// $A and $B move together; the repeated pair (3,80) is produced once
	got := combos(t, oneRule(t, "srcipaddr='$A' srcportstart='$B'"), "A", "B")
	if want := "1,80 2,90 3,80"; strings.Join(got, " ") != want {
		t.Errorf("parallel: got %v, want %s", got, want)
	}
	// distinct iterators combine, the first one registered turning fastest
	got = combos(t, oneRule(t, "srcipaddr='$A[@1]' dstportstart='$C[@2]'"), "A[@1]", "C[@2]")
	if want := "1,x 2,x 3,x 1,y 2,y 3,y"; strings.Join(got, " ") != want {
		t.Errorf("cross: got %v, want %s", got, want)
	}
	// an element access picks one value
	got = combos(t, oneRule(t, "srcipaddr='$A[1]'"), "A[1]")
	if want := "2"; strings.Join(got, " ") != want {
		t.Errorf("element: got %v, want %s", got, want)
	}
}

func TestCombinationErrors(t *testing.T) {
	ri := oneRule(t, "srcipaddr='$A' dstportstart='$C'")
	err := ForEachCombination(ri, func(*CombIter) error { return nil })
	if err == nil || virterr.CodeOf(err) != virterr.InternalError || !strings.Contains(err.Error(), "Cardinality") {
		t.Errorf("different cardinalities in parallel: %v", err)
	}
	ri = oneRule(t, "srcipaddr='$NOPE'")
	if err := ForEachCombination(ri, func(*CombIter) error { return nil }); err == nil || !strings.Contains(err.Error(), "NOPE") {
		t.Errorf("unknown variable: %v", err)
	}
}

func TestTreeResolution(t *testing.T) {
	filters := FilterMap{
		"top": mustParse(t, `<filter name='top' chain='root'>
  <filterref filter='child'><parameter name='X' value='inner'/><parameter name='Y' value='onlyinner'/></filterref>
  <rule action='drop' direction='in' priority='10'><all/></rule>
</filter>`),
		"child": mustParse(t, `<filter name='child' chain='ipv4' priority='-700'>
  <rule action='accept' direction='out'><ip srcipaddr='$IP'/></rule>
</filter>`),
		"loop1":    mustParse(t, "<filter name='loop1'><filterref filter='loop2'/></filter>"),
		"loop2":    mustParse(t, "<filter name='loop2'><filterref filter='loop1'/></filter>"),
		"dangling": mustParse(t, "<filter name='dangling'><filterref filter='nowhere'/></filter>"),
	}
	rules, err := DefToInst(filters, filters["top"], nwfilter.Params{"X": {"outer"}, "IP": {"10.0.0.1"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rules) != 2 || rules[0].ChainSuffix != "ipv4" || rules[0].ChainPriority != -700 || rules[1].ChainSuffix != "root" {
		t.Fatalf("rules = %+v", rules)
	}
	if got := rules[0].Vars["X"]; len(got) != 1 || got[0] != "outer" {
		t.Errorf("the referencing side's value wins: X = %v", got)
	}
	if got := rules[0].Vars["Y"]; len(got) != 1 || got[0] != "onlyinner" {
		t.Errorf("reference parameters apply: Y = %v", got)
	}
	if _, err := DefToInst(filters, filters["loop1"], nil); err == nil || virterr.CodeOf(err) != virterr.OperationFailed {
		t.Errorf("loop: %v", err)
	}
	if err := CheckLoops(filters, filters["loop1"]); err == nil {
		t.Error("CheckLoops missed a loop")
	}
	if err := CheckLoops(filters, filters["dangling"]); err != nil {
		t.Errorf("a reference to a filter not defined yet is allowed: %v", err)
	}
	_, err = DefToInst(filters, filters["dangling"], nil)
	if err == nil || err.Error() != "internal error: referenced filter 'nowhere' is missing" {
		t.Errorf("missing filter: %v", err)
	}
	missing, err := MissingVars(filters, filters["top"], nil)
	if err != nil || strings.Join(missing, ",") != "IP" {
		t.Errorf("missing = %v, %v", missing, err)
	}
}

func TestPlanBinding(t *testing.T) {
	filters := FilterMap{
		"f": mustParse(t, "<filter name='f'><rule action='accept' direction='out'><ip srcipaddr='$IP' srcmacaddr='$MAC'/></rule></filter>"),
		"g": mustParse(t, "<filter name='g'><rule action='accept' direction='out'><ip srcipaddr='$IP' dstipaddr='$OTHER'/></rule></filter>"),
	}
	mac, _ := macaddr.Parse("52:54:00:11:22:33")
	b := &nwfilter.Binding{PortDev: "vnet0", MAC: mac, Filter: nwfilter.FilterRef{Filter: "f", Params: nwfilter.Params{}}}

	p, err := PlanBinding(filters, b, "")
	if err != nil || p.Learn != "any" || p.Rules != nil {
		t.Fatalf("no IP: plan %+v, %v", p, err)
	}
	b.Filter.Params[VarIPLearning] = []string{"DHCP"}
	if p, err = PlanBinding(filters, b, ""); err != nil || p.Learn != "dhcp" {
		t.Fatalf("dhcp: plan %+v, %v", p, err)
	}
	b.Filter.Params[VarIPLearning] = []string{"none"}
	if _, err = PlanBinding(filters, b, ""); err == nil || !strings.HasSuffix(err.Error(), ": IP") {
		t.Fatalf("learning none: %v", err)
	}
	b.Filter.Params[VarIPLearning] = []string{"sometimes"}
	if _, err = PlanBinding(filters, b, ""); virterr.CodeOf(err) != virterr.ParseFailed {
		t.Fatalf("bad learning value: %v", err)
	}
	delete(b.Filter.Params, VarIPLearning)
	p, err = PlanBinding(filters, b, "10.1.1.1")
	if err != nil || len(p.Rules) != 1 || p.Rules[0].Vars["MAC"][0] != "52:54:00:11:22:33" {
		t.Fatalf("learned IP: %+v, %v", p, err)
	}
	b.Filter.Filter = "g"
	if _, err = PlanBinding(filters, b, "10.1.1.1"); err == nil ||
		err.Error() != "internal error: Cannot instantiate filter due to unresolvable variables or unavailable list elements: OTHER" {
		t.Fatalf("unresolvable: %v", err)
	}
	b.Filter.Filter = "absent"
	if _, err = PlanBinding(filters, b, ""); virterr.CodeOf(err) != virterr.NoNwfilter {
		t.Fatalf("absent filter: %v", err)
	}
}

func TestFormatIP(t *testing.T) {
	for in, want := range map[string]string{
		"::ffff:10.1.2.3": "::ffff:10.1.2.3",
		"::10.1.2.3":      "::10.1.2.3",
		"a:b:c::":         "a:b:c::",
		"1:0:0:1::1":      "1:0:0:1::1",
		"1:0:1:0:1:0:1:0": "1:0:1:0:1:0:1:0",
	} {
		d := mustParse(t, "<filter name='f'><rule action='accept' direction='out'><ipv6 srcipaddr='"+in+"'/></rule></filter>")
		v := d.Entries[0].Rule.Attr("srcipaddr")
		if got := ipaddr.Format(v.IP); got != want {
			t.Errorf("ipaddr.Format(%s) = %s, want %s", in, got, want)
		}
	}
}
