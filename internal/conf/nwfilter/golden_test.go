package nwfilter

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govirt/govirt/internal/golden"
	"github.com/govirt/govirt/virt/virterr"
)

// golden runs each testdata input through parse and format and compares
// the result with name.golden: the formatted document, or for an input
// that must fail, "error CODE: message".
func goldenDir(t *testing.T, dir string, roundTrip func([]byte) (string, error)) {
	inputs, err := filepath.Glob(filepath.Join(dir, "*.xml"))
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no inputs in %s", dir)
	}
	for _, in := range inputs {
		name := strings.TrimSuffix(filepath.Base(in), ".xml")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			got, err := roundTrip(data)
			if err != nil {
				var ve *virterr.Error
				if !errors.As(err, &ve) {
					t.Fatalf("error without a libvirt code: %v", err)
				}
				got = fmt.Sprintf("error %s: %s\n", ve.Code.String(), ve.Message)
			}
			wantInvalid := strings.HasPrefix(name, "invalid-")
			if wantInvalid != (err != nil) {
				t.Errorf("invalid input %v, but error %v", wantInvalid, err)
			}
			goldenFile := strings.TrimSuffix(in, ".xml") + ".golden"
			golden.Check(t, goldenFile, got)
		})
	}
}

func TestGoldenFilters(t *testing.T) {
	goldenDir(t, "testdata", func(data []byte) (string, error) {
		def, err := Parse(data)
		if err != nil {
			return "", err
		}
		if err := def.Validate(); err != nil {
			return "", err
		}
		out := def.Format()
		// a generated uuid differs on every run
		if !def.UUIDSpecified {
			out = strings.Replace(out, def.UUID.String(), "GENERATED", 1)
		}
		// normalised once, the output must be a fixed point (see FuzzParse)
		once, err := Parse([]byte(def.Format()))
		if err != nil {
			return "", fmt.Errorf("output does not parse: %w", err)
		}
		twice, err := Parse([]byte(once.Format()))
		if err != nil || twice.Format() != once.Format() {
			t.Errorf("format is not a fixed point: %v", err)
		}
		return out, nil
	})
}

func TestGoldenBindings(t *testing.T) {
	goldenDir(t, filepath.Join("testdata", "binding"), func(data []byte) (string, error) {
		b, err := ParseBinding(data)
		if err != nil {
			return "", err
		}
		out := b.Format()
		again, err := ParseBinding([]byte(out))
		if err != nil || again.Format() != out {
			t.Errorf("format is not a fixed point: %v", err)
		}
		return out, nil
	})
}
