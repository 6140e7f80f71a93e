// Package archtest enforces the project's import table on the real package
// graph, so the architecture stays visible in the tree:
//
//   - no package under internal/drivers/X imports internal/drivers/Y;
//   - cmd/govirsh imports only virt/... of this module;
//   - internal/conf does no I/O and runs nothing.
package archtest

import (
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/govirt/govirt"

type pkg struct {
	ImportPath string
	Imports    []string
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-e", "-json", module+"/...")
	cmd.Dir = "../.."
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(out)
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	if len(pkgs) == 0 {
		t.Fatal("go list found no packages")
	}
	return pkgs
}

// driverOf returns "X" for module/internal/drivers/X[/...], or "".
func driverOf(path string) string {
	rest, ok := strings.CutPrefix(path, module+"/internal/drivers/")
	if !ok {
		return ""
	}
	name, _, _ := strings.Cut(rest, "/")
	return name
}

// confForbidden are imports that would let the XML layer touch the host.
var confForbidden = map[string]bool{
	"os": true, "os/exec": true, "os/signal": true, "os/user": true, "net": true, "net/http": true,
	"syscall": true, "io/ioutil": true, "plugin": true, "unsafe": true,
	"golang.org/x/sys/unix": true,
}

func TestImportTable(t *testing.T) {
	for _, p := range listPackages(t) {
		self := driverOf(p.ImportPath)
		for _, imp := range p.Imports {
			// Rule 1: drivers never import each other. The one visible file
			// that registers every driver lives in internal/drivers/all and
			// is the only exception.
			if self != "" && self != "all" {
				if other := driverOf(imp); other != "" && other != self {
					t.Errorf("%s imports %s: a driver may not import another driver (go through the driver contract)", p.ImportPath, imp)
				}
			}
			// Rule 2: govirsh sees only the public API.
			if strings.HasPrefix(p.ImportPath, module+"/cmd/govirsh") && strings.HasPrefix(imp, module+"/") &&
				!strings.HasPrefix(imp, module+"/virt") && !strings.HasPrefix(imp, module+"/cmd/govirsh") {
				t.Errorf("%s imports %s: govirsh may import only %s/virt/...", p.ImportPath, imp, module)
			}
			// Rule 3: the XML layer does no I/O, runs nothing, and depends on
			// no driver or wire code.
			if p.ImportPath == module+"/internal/conf" || strings.HasPrefix(p.ImportPath, module+"/internal/conf/") {
				if confForbidden[imp] {
					t.Errorf("%s imports %s: internal/conf does no I/O and execs nothing", p.ImportPath, imp)
				}
				if strings.HasPrefix(imp, module+"/internal/drivers") || strings.HasPrefix(imp, module+"/internal/rpc") {
					t.Errorf("%s imports %s: internal/conf may not depend on drivers or the wire layer", p.ImportPath, imp)
				}
			}
		}
	}
}

// TestRulesCatchViolations proves the checks above can fail, on made-up
// package data rather than the real tree.
func TestRulesCatchViolations(t *testing.T) {
	if driverOf(module+"/internal/drivers/qemu/monitor") != "qemu" || driverOf(module+"/virt") != "" {
		t.Fatal("driverOf misreads paths")
	}
	if !confForbidden["os/exec"] || confForbidden["strings"] {
		t.Fatal("conf forbidden list is wrong")
	}
}
