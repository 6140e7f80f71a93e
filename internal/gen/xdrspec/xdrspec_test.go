package xdrspec

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

const sample = `%#include <stdint.h>
const REMOTE_STRING_MAX = 4194304;
typedef string remote_nonnull_string<REMOTE_STRING_MAX>;
typedef remote_nonnull_string *remote_string;
struct remote_thing {
    unsigned hyper size;
    opaque uuid[VIR_UUID_BUFLEN];
    remote_nonnull_string names<>; /* a comment */
};
union remote_value switch (int type) {
case 1:
case 2:
    int i;
default:
    void;
};
enum remote_procedure {
    /**
     * @generate: both
     * @acl: domain:read
     * @acl: domain:write
     */
    REMOTE_PROC_THING = 1
};
`

func TestParse(t *testing.T) {
	f, err := Parse(sample)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Consts) != 1 || f.Consts[0] != (Const{"REMOTE_STRING_MAX", "4194304"}) {
		t.Errorf("consts = %+v", f.Consts)
	}
	if len(f.Typedefs) != 2 || f.Typedefs[0].Kind != VarArray || f.Typedefs[0].Size != "REMOTE_STRING_MAX" || !f.Typedefs[1].Optional {
		t.Errorf("typedefs = %+v %+v", f.Typedefs[0], f.Typedefs[1])
	}
	want := []Decl{
		{Name: "size", Type: "unsigned hyper"},
		{Name: "uuid", Type: "opaque", Kind: FixedArray, Size: "VIR_UUID_BUFLEN"},
		{Name: "names", Type: "remote_nonnull_string", Kind: VarArray},
	}
	if len(f.Structs) != 1 || len(f.Structs[0].Fields) != len(want) {
		t.Fatalf("structs = %+v", f.Structs)
	}
	for i, d := range f.Structs[0].Fields {
		if *d != want[i] {
			t.Errorf("field %d = %+v, want %+v", i, *d, want[i])
		}
	}
	u := f.Unions[0]
	if u.Discriminant.Name != "type" || len(u.Cases) != 1 || !reflect.DeepEqual(u.Cases[0].Values, []string{"1", "2"}) || u.Default == nil || u.Default.Arm != nil {
		t.Errorf("union = %+v", u)
	}
	if len(f.Order) != 6 {
		t.Errorf("order has %d definitions, want 6", len(f.Order))
	}
	ann := Annotations(f.Enums[0].Values[0].Doc)
	if !reflect.DeepEqual(ann, map[string][]string{"generate": {"both"}, "acl": {"domain:read", "domain:write"}}) {
		t.Errorf("annotations = %v", ann)
	}
}

func TestParseErrors(t *testing.T) {
	for _, src := range []string{
		"struct x { int a; ",
		"/* unterminated",
		"struct x { int a }; ",
		"union u switch (int t) { foo: };",
		"widget x;",
		"@",
	} {
		if _, err := Parse(src); err == nil {
			t.Errorf("Parse(%q) succeeded", src)
		}
	}
}

// TestLibvirtProtocols reads libvirt 9.0's own .x files from the shared
// reference when it is there.
func TestLibvirtProtocols(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "..", "shared", "reference", "libvirt-9.0.0-protocol")
	files, _ := filepath.Glob(filepath.Join(dir, "*.x"))
	if len(files) == 0 {
		t.Skip("no ../shared/reference protocol files")
	}
	for _, name := range files {
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := Parse(string(src))
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(name), err)
			continue
		}
		if len(f.Order) == 0 {
			t.Errorf("%s: no definitions", filepath.Base(name))
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add(sample)
	f.Fuzz(func(t *testing.T, src string) {
		Parse(src)
	})
}
