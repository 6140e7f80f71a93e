package nwfilter

import (
	"os"
	"testing"
)

func BenchmarkParseFormat(b *testing.B) {
	data, err := os.ReadFile("testdata/match-no.xml")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		def, err := Parse(data)
		if err != nil {
			b.Fatal(err)
		}
		_ = def.Format()
	}
}
