package main

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

func TestShellWords(t *testing.T) {
	for line, want := range map[string][]string{
		`-name guest=c1,debug-threads=on`:                   {"-name", "guest=c1,debug-threads=on"},
		`-object '{"qom-type":"secret","id":"masterKey0"}'`: {"-object", `{"qom-type":"secret","id":"masterKey0"}`},
		`-append 'it'\''s'`:                                 {"-append", "it's"},
		`  -S  `:                                            {"-S"},
	} {
		if got := shellWords(line); !reflect.DeepEqual(got, want) {
			t.Errorf("shellWords(%q) = %q, want %q", line, got, want)
		}
	}
}

// TestLoggedArgv reads the last command line of a domain log in the
// form govirtd writes it.
func TestLoggedArgv(t *testing.T) {
	log := "2026-11-22 17:23:30.100+0000: starting up libvirt version: 9.0.0, package: govirt\n" +
		"LC_ALL=C \\\nold \\\n" +
		"2026-11-22 17:23:32.197+0000: starting up libvirt version: 9.0.0, package: govirt\n" +
		"LC_ALL=C \\\n" +
		"HOME=/var/lib/libvirt/qemu/domain-29-c1 \\\n" +
		"/usr/bin/qemu-system-x86_64 \\\n" +
		"-name guest=c1,debug-threads=on \\\n" +
		"-S \\\n" +
		"-object '{\"qom-type\":\"secret\",\"file\":\"/var/lib/libvirt/qemu/domain-29-c1/master-key.aes\"}' \\\n" +
		"-uuid fc226317-7c96-4aab-961f-718cf4375007 \\\n" +
		"-msg timestamp=on\n" +
		"2026-11-22T17:23:32.276973Z qemu-system-x86_64: warning: something\n"
	path := filepath.Join(t.TempDir(), "c1.log")
	if err := os.WriteFile(path, []byte(log), 0o600); err != nil {
		t.Fatal(err)
	}
	argv, env, err := loggedArgv(path)
	if err != nil {
		t.Fatal(err)
	}
	wantEnv := []string{"LC_ALL=C", "HOME=/var/lib/libvirt/qemu/domain-29-c1"}
	wantArgv := []string{"/usr/bin/qemu-system-x86_64", "-name", "guest=c1,debug-threads=on", "-S",
		"-object", `{"qom-type":"secret","file":"/var/lib/libvirt/qemu/domain-29-c1/master-key.aes"}`,
		"-uuid", "fc226317-7c96-4aab-961f-718cf4375007", "-msg", "timestamp=on"}
	if !reflect.DeepEqual(env, wantEnv) || !reflect.DeepEqual(argv, wantArgv) {
		t.Fatalf("env %q\nargv %q", env, argv)
	}
	dir := t.TempDir()
	a, e, err := daemonArgvBuilder(argv, env)(dir, "raw7")
	if err != nil {
		t.Fatal(err)
	}
	wantArgv = []string{"/usr/bin/qemu-system-x86_64", "-name", "guest=raw7,debug-threads=on", "-S",
		"-object", `{"qom-type":"secret","file":"` + dir + `/master-key.aes"}`, "-msg", "timestamp=on"}
	if !reflect.DeepEqual(a, wantArgv) || e[1] != "HOME="+dir {
		t.Fatalf("rebuilt env %q\nargv %q", e, a)
	}
	if _, err := os.Stat(filepath.Join(dir, "master-key.aes")); err != nil {
		t.Fatal(err)
	}
}

func TestPct(t *testing.T) {
	d := []time.Duration{5, 1, 4, 2, 3}
	if pct(d, 0.5) != 3 || pct(d, 0) != 1 || pct(d, 1) != 5 || pct(d, 0.9) != 5 {
		t.Fatalf("pct %v %v %v %v", pct(d, 0.5), pct(d, 0), pct(d, 1), pct(d, 0.9))
	}
}
