package difftest

import (
	"flag"
	"os"
	"testing"
)

var selfCheck = flag.Bool("difftest.self", false, "run govirsh's scripts with the stock virsh on both sides")

// TestScriptsSelf runs the project's scripts with the stock virsh on both
// sides: every line must come out identical, which shows the
// normalisations cover everything that changes run to run and that each
// '!' marker matches what virsh does.
func TestScriptsSelf(t *testing.T) {
	if !*selfCheck {
		t.Skip("run with -difftest.self")
	}
	const virsh = "/usr/bin/virsh"
	if _, err := os.Stat(virsh); err != nil {
		t.Skip("stock virsh not installed")
	}
	env := Direct{Subject: Client{Label: "virsh-self", Binary: virsh, URI: DefaultURI}}
	sum := RunSuite(t, Suite{
		Scripts: "../../cmd/govirsh/testdata/script", Baseline: os.DevNull,
		Virsh: virsh, Env: env, Verbose: true,
	})
	if sum.Overall.Identical != sum.Overall.Total {
		t.Errorf("virsh differs from itself on %d lines", sum.Overall.Total-sum.Overall.Identical)
	}
}
