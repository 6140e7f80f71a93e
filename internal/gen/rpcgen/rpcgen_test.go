package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/govirt/govirt/internal/gen/xdrspec"
)

// TestGeneratedCodeIsCurrent regenerates the wire packages from libvirt's
// .x files (when ../shared is there) and compares them with the committed
// ones byte for byte.
func TestGeneratedCodeIsCurrent(t *testing.T) {
	xdir := filepath.Join("..", "..", "..", "..", "shared", "reference", "libvirt-9.0.0-protocol")
	if _, err := os.Stat(xdir); err != nil {
		t.Skip("no ../shared/reference protocol files")
	}
	root := t.TempDir()
	for _, s := range specs {
		var files []*xdrspec.File
		for _, name := range s.files {
			src, err := os.ReadFile(filepath.Join(xdir, name))
			if err != nil {
				t.Fatal(err)
			}
			f, err := xdrspec.Parse(string(src))
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			files = append(files, f)
		}
		out := filepath.Join(root, s.dir)
		if err := os.MkdirAll(out, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := newGen(s, files).write(out); err != nil {
			t.Fatal(err)
		}
		err := filepath.WalkDir(out, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(root, path)
			got, _ := os.ReadFile(path)
			want, err := os.ReadFile(filepath.Join("..", "..", "..", rel))
			if err != nil {
				t.Errorf("%s: %v", rel, err)
			} else if !bytes.Equal(got, want) {
				t.Errorf("%s is not what rpcgen writes now; run go run ./internal/gen/rpcgen", rel)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
