package xmltree

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/govirt/govirt/virt/virterr"
)

// laughs builds the document of testdata/entity-limits.txt: levels
// entities each referencing the one below refs times, over base letters.
func laughs(where string, base, levels, refs int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<!DOCTYPE network [<!ENTITY e0 "%s">`, strings.Repeat("a", base))
	for i := 1; i <= levels; i++ {
		fmt.Fprintf(&b, `<!ENTITY e%d "%s">`, i, strings.Repeat(fmt.Sprintf("&e%d;", i-1), refs))
	}
	b.WriteString("]>")
	if where == "attr" {
		fmt.Fprintf(&b, "<network><name>n</name><bridge name='b&e%d;'/></network>", levels)
	} else {
		fmt.Fprintf(&b, "<network><name>n</name><domain name='x'/><bandwidth><inbound average='1'/></bandwidth><description>&e%d;</description></network>", levels)
	}
	return b.String()
}

// TestEntityLimitsAsLibvirt checks libxml2's entity expansion accounting
// against what libvirt 9.0 accepted and refused on a grid of nested
// entity documents.
func TestEntityLimitsAsLibvirt(t *testing.T) {
	f, err := os.Open("testdata/entity-limits.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		var where, want string
		var base, levels, refs int
		if _, err := fmt.Sscan(line, &where, &base, &levels, &refs, &want); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		n++
		_, err := Parse([]byte(laughs(where, base, levels, refs)), "(network_definition)")
		got := "ok"
		if err != nil {
			got = "loop"
			var verr *virterr.Error
			if !errors.As(err, &verr) || verr.Code != virterr.XMLDetail || !strings.Contains(err.Error(), ": Detected an entity reference loop\n") {
				got = err.Error()
			}
		}
		if got != want {
			t.Errorf("%s: got %s", line, got)
		}
	}
	if n == 0 {
		t.Fatal("no cases")
	}
}

// TestEntityLoopErrorsAsLibvirt checks the error's place: content
// entities are parsed in a context of their own, which libvirt reports
// without a file name, attribute values in the document's.
func TestEntityLoopErrorsAsLibvirt(t *testing.T) {
	for _, tc := range []struct {
		doc  string
		want string
	}{
		{laughs("content", 4, 4, 4), "at line 1: Detected an entity reference loop\n&e2;&e2;&e2;&e2;\n----^"},
		{laughs("attr", 4, 4, 4), "(network_definition):1: Detected an entity reference loop\n" + laughs("attr", 4, 4, 4) + "\n" + strings.Repeat("-", 206) + "^"},
	} {
		_, err := Parse([]byte(tc.doc), "(network_definition)")
		if err == nil || err.Error() != tc.want {
			t.Errorf("%.60s: got %v\nwant %s", tc.doc, err, tc.want)
		}
	}
}

func TestNestedEntitiesInAttributes(t *testing.T) {
	doc := `<!DOCTYPE network [<!ENTITY a "xy"><!ENTITY b "&a;&a;">]><network><bridge name='br&b;'/></network>`
	root, err := Parse([]byte(doc), "t")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := root.Child("bridge").Attr("name"); got != "brxyxy" {
		t.Errorf("got %q", got)
	}
}

// TestBillionLaughs: the classic nine levels of ten references is
// refused at once, in element content and in attribute values.
func TestBillionLaughs(t *testing.T) {
	for _, where := range []string{"content", "attr"} {
		for _, levels := range []int{5, 9} {
			_, err := Parse([]byte(laughs(where, 10, levels, 10)), "(network_definition)")
			if err == nil || !strings.Contains(err.Error(), ": Detected an entity reference loop\n") {
				t.Errorf("%s %d levels: got %v", where, levels, err)
			}
		}
	}
}

// TestAttributeAfterContentExpansion: libvirt 9.0 refuses a large
// expansion in an attribute value, unless a reference in content has
// already parsed the same entity.
func TestAttributeAfterContentExpansion(t *testing.T) {
	for _, tc := range []struct {
		content string
		ok      bool
	}{{"", false}, {"<description>&e0;</description>", false}, {"<description>&e1;</description>", true}} {
		doc := `<!DOCTYPE network [<!ENTITY e0 "` + strings.Repeat("a", 2000) + `"><!ENTITY e1 "` + strings.Repeat("&e0;", 15) + `">]><network><name>n</name>` + tc.content + "<bridge name='b&e1;'/></network>"
		root, err := Parse([]byte(doc), "(network_definition)")
		if tc.ok != (err == nil) {
			t.Errorf("%q: got %v", tc.content, err)
			continue
		}
		if err == nil {
			if v, _ := root.Child("bridge").Attr("name"); len(v) != 30001 {
				t.Errorf("%q: got %d bytes", tc.content, len(v))
			}
		}
	}
}

func TestEntitySeedsAsLibvirt(t *testing.T) {
	doc, err := os.ReadFile("testdata/entity-nested.xml")
	if err != nil {
		t.Fatal(err)
	}
	root, err := Parse(doc, "t")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := root.ChildText("name"); got != "nxyxy-xyxy" {
		t.Errorf("name %q", got)
	}
	if got, _ := root.Child("bridge").Attr("stp"); got != "xyxy-xyxy" {
		t.Errorf("stp %q", got)
	}
	doc, err = os.ReadFile("testdata/entity-laughs.xml")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Parse(doc, "(network_definition)")
	if want := "at line 1: Detected an entity reference loop\n&e1;&e1;&e1;&e1;&e1;&e1;&e1;&e1;&e1;&e1;\n"; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("got %v", err)
	}
}

// TestRandomEntityDocumentsAsLibvirt replays testdata/entity-random.txt:
// documents mixing references to several levels, in content and in
// attribute values, with libvirt 9.0's verdict on each.
func TestRandomEntityDocumentsAsLibvirt(t *testing.T) {
	data, err := os.ReadFile("testdata/entity-random.txt")
	if err != nil {
		t.Fatal(err)
	}
	run := regexp.MustCompile(`\{([a-z])\*(\d+)\}`)
	expand := func(s string) string {
		return run.ReplaceAllStringFunc(s, func(m string) string {
			sub := run.FindStringSubmatch(m)
			n, _ := strconv.Atoi(sub[2])
			return strings.Repeat(sub[1], n)
		})
	}
	n := 0
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		doc, want, _ := strings.Cut(line, "\t")
		n++
		_, err := Parse([]byte(expand(doc)), "(network_definition)")
		got := "ok"
		if err != nil {
			got = "error: " + strings.SplitN(err.Error(), "\n", 2)[0]
		}
		if got != want {
			t.Errorf("document %d: got %q, want %q", n, got, want)
		}
	}
	if n < 600 {
		t.Fatalf("only %d documents", n)
	}
}

// TestRepeatedAttributeReferences: libvirt 9.0 accepts any number of
// references to the same entity in one attribute value, through an
// indirection or not.
func TestRepeatedAttributeReferences(t *testing.T) {
	for _, indirect := range []bool{false, true} {
		for _, k := range []int{1, 3, 40} {
			ents := `<!ENTITY e0 "` + strings.Repeat("a", 50) + `"><!ENTITY e1 "` + strings.Repeat("&e0;", 7) + `"><!ENTITY e2 "` + strings.Repeat("&e1;", 6) + `">`
			top := "&e2;"
			if indirect {
				ents += `<!ENTITY e3 "&e2;">`
				top = "&e3;"
			}
			doc := "<!DOCTYPE network [" + ents + "]><network><name>n</name><bridge name='b" + strings.Repeat(top, k) + "'/></network>"
			root, err := Parse([]byte(doc), "(network_definition)")
			if err != nil {
				t.Errorf("indirect %v, %d references: %v", indirect, k, err)
				continue
			}
			if v, _ := root.Child("bridge").Attr("name"); len(v) != 1+k*2100 {
				t.Errorf("indirect %v, %d references: %d bytes", indirect, k, len(v))
			}
		}
	}
}
