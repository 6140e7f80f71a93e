package cnum

import "testing"

func TestUnsigned(t *testing.T) {
	for _, tc := range []struct {
		in           string
		base, bits   int
		positiveOnly bool
		want         uint64
		ok           bool
	}{
		{"42", 10, 32, true, 42, true},
		{" \t+42", 10, 32, true, 42, true},
		{"42 ", 10, 32, true, 0, false},
		{"", 10, 32, true, 0, false},
		{"+", 10, 32, true, 0, false},
		{"+-1", 10, 32, false, 0, false},
		{"1_0", 10, 32, false, 0, false},
		{"0x1f", 0, 32, true, 31, true},
		{"0X1F", 16, 32, true, 31, true},
		{"1f", 16, 32, true, 31, true},
		{"0x1f", 10, 32, true, 0, false},
		{"0x", 0, 32, true, 0, false},
		{"0xg", 16, 32, true, 0, false},
		{"017", 0, 32, true, 15, true},
		{"08", 0, 32, true, 0, false},
		{"017", 10, 32, true, 17, true},
		{"4294967295", 10, 32, true, 4294967295, true},
		{"4294967296", 10, 32, true, 0, false},
		{"-1", 10, 32, true, 0, false},
		{"-0", 10, 32, true, 0, false},
		{"-1", 10, 32, false, 4294967295, true},
		{"-4294967295", 10, 32, false, 1, true},
		{"-4294967296", 10, 32, false, 0, false},
		{"-1", 10, 64, false, 1<<64 - 1, true},
		{"18446744073709551615", 10, 64, true, 1<<64 - 1, true},
		{"18446744073709551616", 10, 64, true, 0, false},
	} {
		got, ok := Unsigned(tc.in, tc.base, tc.bits, tc.positiveOnly)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Unsigned(%q, %d, %d, %v) = %d, %v; want %d, %v", tc.in, tc.base, tc.bits, tc.positiveOnly, got, ok, tc.want, tc.ok)
		}
	}
}

func TestInt(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
		ok   bool
	}{
		{"-2147483648", -2147483648, true},
		{"-2147483649", 0, false},
		{"2147483647", 2147483647, true},
		{"2147483648", 0, false},
		{" -7", -7, true},
		{"7x", 0, false},
	} {
		got, ok := Int(tc.in, 10)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Int(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
	if v, ok := UInt("-2", 10); !ok || v != 4294967294 {
		t.Errorf("UInt(-2) = %d, %v", v, ok)
	}
	if _, ok := UIntP("-2", 10); ok {
		t.Error("UIntP accepted a minus sign")
	}
	if v, ok := ULongLongP("0x10", 0); !ok || v != 16 {
		t.Errorf("ULongLongP(0x10) = %d, %v", v, ok)
	}
}

func FuzzUnsigned(f *testing.F) {
	for _, s := range []string{"42", "-1", "0x1f", "017", " +9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, base := range []int{0, 10, 16} {
			v, ok := Unsigned(s, base, 32, false)
			if ok && v > 1<<32-1 {
				t.Fatalf("Unsigned(%q, %d, 32) = %d out of range", s, base, v)
			}
			Int(s, base)
		}
	})
}
