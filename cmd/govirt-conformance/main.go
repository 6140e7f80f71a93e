// Command govirt-conformance runs govirt against libvirt's data-driven test
// corpus and prints one line per suite, "SUITE PASSED/TOTAL", then
// "conformance: P passed, F failed".
//
//	govirt-conformance -corpus ../shared/libvirt-tests [-suite NAME] [-v]
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/govirt/govirt/internal/conformance"
)

func main() {
	corpus := flag.String("corpus", "../shared/libvirt-tests", "folder laid out like libvirt's tests/ directory")
	suite := flag.String("suite", "", "run only this suite (a corpus directory name)")
	verbose := flag.Bool("v", false, "list each failing case with a one-line reason")
	passing := flag.Bool("list-passing", false, "print every passing case as SUITE/CASE (the baseline format)")
	flag.Parse()

	if st, err := os.Stat(*corpus); err != nil || !st.IsDir() {
		fmt.Fprintf(os.Stderr, "govirt-conformance: corpus %s is not a directory\n", *corpus)
		os.Exit(2)
	}
	reports := conformance.RunAll(*corpus, *suite)
	if *suite != "" && len(reports) == 0 {
		fmt.Fprintf(os.Stderr, "govirt-conformance: no suite named %s\n", *suite)
		os.Exit(2)
	}
	passed, failed := 0, 0
	for _, r := range reports {
		if *passing {
			for _, c := range r.Results {
				if c.Pass {
					fmt.Printf("%s/%s\n", r.Suite, c.Case)
				}
			}
			continue
		}
		if r.Err != nil {
			fmt.Printf("%s 0/0 (%v)\n", r.Suite, r.Err)
			continue
		}
		p := r.Passed()
		passed += p
		failed += len(r.Results) - p
		fmt.Printf("%s %d/%d\n", r.Suite, p, len(r.Results))
		if *verbose {
			for _, c := range r.Results {
				if !c.Pass {
					fmt.Printf("  FAIL %s: %s\n", c.Case, c.Reason)
				}
			}
		}
	}
	if !*passing {
		fmt.Printf("conformance: %d passed, %d failed\n", passed, failed)
	}
}
