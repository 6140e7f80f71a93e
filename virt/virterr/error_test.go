package virterr

import (
	"errors"
	"fmt"
	"testing"
)

func TestMessagesAreWordedAsLibvirt(t *testing.T) {
	cases := []struct {
		err  *Error
		want string
	}{
		{New(NoDomain, "no domain with matching name '%s'", "x"), "Domain not found: no domain with matching name 'x'"},
		{New(NoDomain, ""), "Domain not found"},
		{New(XMLDetail, "(domain_definition):2: oops"), "(domain_definition):2: oops"},
		{New(NetworkExist, "%s", "default"), "network default exists already"},
		{UnsupportedFlags(FromTest, 1, "testNetworkGetXMLDesc"), "unsupported flags (0x1) in function testNetworkGetXMLDesc"},
	}
	for _, c := range cases {
		if c.err.Error() != c.want {
			t.Errorf("got %q, want %q", c.err.Error(), c.want)
		}
	}
}

func TestIsMatchesByCode(t *testing.T) {
	err := fmt.Errorf("lookup: %w", NewFrom(FromTest, NoDomain, "x"))
	if !errors.Is(err, NoDomain) || errors.Is(err, NoNetwork) {
		t.Fatal("errors.Is by code")
	}
	if CodeOf(err) != NoDomain || CodeOf(nil) != OK || CodeOf(errors.New("x")) != InternalError {
		t.Fatal("CodeOf")
	}
}

func TestUnsupportedFlagsFields(t *testing.T) {
	// python3-libvirt on libvirt 9.0's test driver: code 8, domain 12,
	// str1 the function, str2 "flags".
	e := UnsupportedFlags(FromTest, 1, "testNetworkGetXMLDesc")
	if e.Code != InvalidArg || e.Domain != FromTest || e.Str1 != "testNetworkGetXMLDesc" || e.Str2 != "flags" {
		t.Fatalf("%+v", e)
	}
}

func TestNumbersMatchLibvirt(t *testing.T) {
	if NoDomain != 42 || XMLDetail != 35 || MultipleDomains != 110 || FromNwfilter != 33 || FromCH != 72 {
		t.Fatal("numbering drifted from virterror.h")
	}
}
