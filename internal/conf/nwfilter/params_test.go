package nwfilter

import (
	"testing"

	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
)

func TestFilterRefRoundTrip(t *testing.T) {
	in := `<filterref filter='clean-traffic'>
  <parameter name='b' value='2'/>
  <parameter name='a' value='1.2.3.4'/>
  <parameter name='bad' value='x y'/>
  <parameter value='nameless'/>
  <parameter name='a' value='1.2.3.5'/>
</filterref>`
	n, err := xmltree.Parse([]byte(in), "t")
	if err != nil {
		t.Fatal(err)
	}
	ref := ParseFilterRef(n)
	b := xmlbuf.New()
	ref.Format(b)
	want := `<filterref filter='clean-traffic'>
  <parameter name='a' value='1.2.3.4'/>
  <parameter name='a' value='1.2.3.5'/>
  <parameter name='b' value='2'/>
</filterref>
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	empty := FilterRef{Filter: "x"}
	b = xmlbuf.New()
	empty.Format(b)
	if b.String() != "<filterref filter='x'/>\n" {
		t.Errorf("empty: %q", b.String())
	}
}

func TestParseVarAccess(t *testing.T) {
	for in, want := range map[string]string{
		"IP": "IP", "IP[@0]": "IP", "MAC[@1]": "MAC[@1]", "X[ 3 ]": "X[3]", "B[  @2 ] ": "B[@2]",
		"A[1 ]": "A[1]", "A[@1001]": "", "A[x]": "", "A-b": "",
	} {
		va, err := ParseVarAccess(in)
		if want == "" {
			if err == nil {
				t.Errorf("%q: want error, got %v", in, va)
			}
			continue
		}
		if err != nil || va.String() != want {
			t.Errorf("%q: got %q, %v; want %q", in, va.String(), err, want)
		}
	}
}
