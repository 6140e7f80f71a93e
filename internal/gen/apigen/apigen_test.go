package main

import "testing"

func TestParseEnums(t *testing.T) {
	src := `
/**
 * virFooFlags:
 */
typedef enum {
    VIR_FOO_A = 0,        /* a (Since: 1.0) */
    VIR_FOO_B = (1 << 3), /* b */
    VIR_FOO_C,            /* implicit: 9 */
    VIR_FOO_D = VIR_FOO_B,
    VIR_FOO_E = -2,
    VIR_FOO_F = 1U << 31,
# ifdef VIR_ENUM_SENTINELS
    VIR_FOO_LAST
# endif
} virFooFlags;`
	enums, err := parseEnums("x.h", []byte(src), map[string]int64{})
	if err != nil {
		t.Fatal(err)
	}
	if len(enums) != 1 || enums[0].cName != "virFooFlags" {
		t.Fatalf("%+v", enums)
	}
	want := []int64{0, 8, 9, 8, -2, 1 << 31}
	if len(enums[0].values) != len(want) {
		t.Fatalf("values %+v", enums[0].values)
	}
	for i, v := range enums[0].values {
		if v.value != want[i] {
			t.Errorf("%s = %d, want %d", v.cName, v.value, want[i])
		}
	}
	if isFlags(enums[0]) {
		t.Error("an enum with a negative value is not a flag set")
	}
}

func TestNames(t *testing.T) {
	for in, want := range map[string]string{
		"VIR_DOMAIN_XML_SECURE":           "DomainXMLSecure",
		"VIR_DOMAIN_PMSUSPENDED":          "DomainPMSuspended",
		"VIR_CONNECT_LIST_DOMAINS_ACTIVE": "ConnectListDomainsActive",
	} {
		if got := constGoName(in); got != want {
			t.Errorf("%s: %s, want %s", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"xml_desc":  "xmlDesc",
		"type":      "typ",
		"nrVirtCpu": "nrVirtCPU",
	} {
		if got := goCamel(in, false); got != want {
			t.Errorf("%s: %s, want %s", in, got, want)
		}
	}
	if got := enumGoType(cEnum{cName: "virDomainRebootFlagValues"}); got != "DomainRebootFlags" {
		t.Errorf("type name %s", got)
	}
}
