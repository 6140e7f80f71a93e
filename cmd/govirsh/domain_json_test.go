package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// TestDomainJSON checks the domain commands' -o json documents against
// the test driver's default domain: valid JSON of the documented shape.
func TestDomainJSON(t *testing.T) {
	for _, tc := range []struct {
		line string
		keys []string // keys of the (first) object
		list bool
	}{
		{"list --all", []string{"id", "name", "uuid", "state", "persistent", "autostart", "managed_save"}, true},
		{"dominfo test", []string{"id", "name", "uuid", "os_type", "state", "cpus", "cpu_time", "max_memory_kib", "used_memory_kib", "persistent", "autostart", "managed_save"}, false},
		{"domstate test", []string{"state", "reason"}, false},
		{"domblklist test", []string{"type", "device", "target", "source"}, true},
		{"domiflist test", []string{"interface", "type", "source", "model", "mac"}, true},
		{"vcpuinfo test", []string{"vcpu", "cpu", "state", "cpu_time", "affinity"}, true},
		{"domstats test --state", []string{"domain", "stats"}, true},
	} {
		var out, errb bytes.Buffer
		code := runWithInput(context.Background(), []string{"-o", "json", "-q", "-c", "test:///default", tc.line}, strings.NewReader(""), &out, &errb)
		if code != 0 {
			t.Errorf("%s: exit %d: %s", tc.line, code, errb.String())
			continue
		}
		var obj map[string]any
		if tc.list {
			var arr []map[string]any
			if err := json.Unmarshal(out.Bytes(), &arr); err != nil || len(arr) == 0 {
				t.Errorf("%s: %v: %s", tc.line, err, out.String())
				continue
			}
			obj = arr[0]
		} else if err := json.Unmarshal(out.Bytes(), &obj); err != nil {
			t.Errorf("%s: %v: %s", tc.line, err, out.String())
			continue
		}
		for _, k := range tc.keys {
			if _, ok := obj[k]; !ok {
				t.Errorf("%s: no %q in %s", tc.line, k, out.String())
			}
		}
	}
}
