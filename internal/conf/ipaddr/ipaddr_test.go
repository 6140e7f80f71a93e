package ipaddr

import (
	"net/netip"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"192.168.122.1", "192.168.122.1"},
		{"10.1", "10.0.0.1"},
		{"127.65535", "127.0.255.255"},
		{"0x7f.1", "127.0.0.1"},
		{"010.0.0.1", "8.0.0.1"},
		{"0x.1.2.3", "0.1.2.3"},
		{"16909060", "1.2.3.4"},
		{"2001:db8::1", "2001:db8::1"},
		{"::ffff:1.2.3.4", "::ffff:1.2.3.4"},
		{"::1.2.3.4", "::1.2.3.4"},
		{"", ""},
		{"1..2", ""},
		{"08.1.2.3", ""},
		{"1.2.3.4.5", ""},
		{"256.1.1.1", ""},
		{"1.2.3.256", ""},
		{"1.2.65536", ""},
		{"+1.2.3.4", ""},
		{"1.2.3.4 ", ""},
		{"fe80::1%eth0", ""},
		{"host.example", ""},
	} {
		a, ok := Parse(tc.in)
		got := ""
		if ok {
			got = Format(a)
		}
		if got != tc.want {
			t.Errorf("Parse(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestFormat(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"::", "::"},
		{"::1", "::1"},
		{"::0.0.1.2", "::102"},
		{"::1.2.0.0", "::1.2.0.0"},
		{"::ffff:0:1.2.3.4", "::ffff:0:102:304"},
		{"1:0:0:1:0:0:0:1", "1:0:0:1::1"},
		{"1:0:0:2:0:0:3:4", "1::2:0:0:3:4"},
		{"1:0:2:3:4:5:6:7", "1:0:2:3:4:5:6:7"},
		{"2001:db8::", "2001:db8::"},
	} {
		if got := Format(netip.MustParseAddr(tc.in)); got != tc.want {
			t.Errorf("Format(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
	if Format(netip.Addr{}) != "" {
		t.Error("the zero Addr formats as something")
	}
}

func TestMaskBits(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
	}{
		{"255.255.255.0", 24},
		{"255.255.254.0", 23},
		{"0.0.0.0", 0},
		{"255.255.255.255", 32},
		{"255.0.255.0", -1},
		{"255.255.255.1", -1},
		{"ffff:ffff:ffff:ffff::", 64},
	} {
		if got := MaskBits(netip.MustParseAddr(tc.in).AsSlice()); got != tc.want {
			t.Errorf("MaskBits(%s) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"10.1", "0x7f.1", "::1.2.3.4", "2001:db8::1", "1.2.3.4"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, ok := Parse(s)
		if !ok {
			return
		}
		b, ok := Parse(Format(a))
		if !ok || b != a {
			t.Fatalf("%q: %s does not read back (%v)", s, Format(a), b)
		}
	})
}
