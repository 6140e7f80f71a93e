package conformance

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/govirt/govirt/internal/conf/domain"
)

// The qemuxml2argvdata domains are the widest sample of domain XML libvirt
// has. Two suites use them beyond what the QEMU driver makes of them:
//
//   - qemuxml2argvdata-fixedpoint: every domain parses, and formatting is a
//     fixed point: Format(Parse(Format(Parse(x)))) == Format(Parse(x)).
//   - qemuxml2argvdata-schema: what govirt writes validates against
//     libvirt's domain.rng (xmllint). Inputs that do not validate
//     themselves (the deliberately broken "-invalid" cases) test nothing
//     here and are left out.

const argvDir = "qemuxml2argvdata"

// domainCycle parses and formats without defaults: the generic post-parse
// leaves choices (video model "default" …) to a hypervisor driver, so its
// output is not what libvirt would write; the parser and formatter alone
// must still keep every domain valid and stable.
func domainCycle(in []byte) (string, error) {
	d, err := domain.Parse(in, 0)
	if err != nil {
		return "", err
	}
	return d.Format(domain.FormatSecure), nil
}

func init() {
	register(Suite{Name: "qemuxml2argvdata-fixedpoint", Run: func(corpus string) ([]Result, error) {
		names, err := Inputs(corpus, argvDir, ".xml")
		if err != nil {
			return nil, err
		}
		var res []Result
		for _, n := range names {
			n := n
			res = append(res, Check(n, func() error {
				in, err := os.ReadFile(filepath.Join(corpus, argvDir, n))
				if err != nil {
					return err
				}
				first, err := domainCycle(in)
				if err != nil {
					return fmt.Errorf("parse: %w", err)
				}
				second, err := domainCycle([]byte(first))
				if err != nil {
					return fmt.Errorf("reparse of our output: %w", err)
				}
				return Diff(first, second)
			}))
		}
		return res, nil
	}})

	register(Suite{Name: "qemuxml2argvdata-schema", Run: runDomainSchema})
}

// xmllintBatch validates files against schema and reports, per file,
// whether it validates and the first error line.
func xmllintBatch(schema string, files []string) (map[string]string, error) {
	out := map[string]string{}
	const chunk = 200
	for i := 0; i < len(files); i += chunk {
		j := min(i+chunk, len(files))
		args := append([]string{"--noout", "--relaxng", schema}, files[i:j]...)
		cmd := exec.Command("xmllint", args...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			return nil, err
		}
		firstErr := map[string]string{}
		sc := bufio.NewScanner(&stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasSuffix(line, " validates"):
				out[strings.TrimSuffix(line, " validates")] = ""
			case strings.HasSuffix(line, " fails to validate"):
				f := strings.TrimSuffix(line, " fails to validate")
				msg := firstErr[f]
				if msg == "" {
					msg = "fails to validate"
				}
				out[f] = msg
			default:
				if k := strings.IndexByte(line, ':'); k > 0 {
					f := line[:k]
					if _, seen := firstErr[f]; !seen {
						firstErr[f] = line
					}
				}
			}
		}
		for _, f := range files[i:j] {
			if _, ok := out[f]; !ok {
				msg := firstErr[f]
				if msg == "" {
					msg = "xmllint gave no verdict"
				}
				out[f] = msg
			}
		}
	}
	return out, nil
}

func runDomainSchema(corpus string) ([]Result, error) {
	if _, err := exec.LookPath("xmllint"); err != nil {
		return nil, fmt.Errorf("xmllint not installed: %w", err)
	}
	schema := filepath.Join(corpus, "schemas", "domain.rng")
	if _, err := os.Stat(schema); err != nil {
		return nil, err
	}
	names, err := Inputs(corpus, argvDir, ".xml")
	if err != nil {
		return nil, err
	}
	var inputs []string
	for _, n := range names {
		inputs = append(inputs, filepath.Join(corpus, argvDir, n))
	}
	inVerdict, err := xmllintBatch(schema, inputs)
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "govirt-domain-schema")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)

	var res []Result
	var outputs []string
	outName := map[string]string{}
	for _, n := range names {
		if inVerdict[filepath.Join(corpus, argvDir, n)] != "" {
			continue
		}
		n := n
		r := Check(n, func() error {
			in, err := os.ReadFile(filepath.Join(corpus, argvDir, n))
			if err != nil {
				return err
			}
			got, err := domainCycle(in)
			if err != nil {
				return fmt.Errorf("parse: %w", err)
			}
			p := filepath.Join(tmp, n)
			if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
				return err
			}
			outputs = append(outputs, p)
			outName[p] = n
			return nil
		})
		if !r.Pass {
			res = append(res, r)
		}
	}
	verdict, err := xmllintBatch(schema, outputs)
	if err != nil {
		return nil, err
	}
	for _, p := range outputs {
		r := Result{Case: outName[p], Pass: verdict[p] == ""}
		if !r.Pass {
			r.Reason = oneLine(verdict[p])
		}
		res = append(res, r)
	}
	return res, nil
}
