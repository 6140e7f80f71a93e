package qemu

import (
	"os"
	"path/filepath"
)

// writeFileAtomic writes data to path through a temporary file that is
// synced and renamed over it, so a crash leaves the old or the new
// content, never a torn file (virFileRewrite).
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".new-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := f.Chmod(mode); err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	ok = true
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// configWarning is the comment libvirt puts on top of every definition it
// saves (virXMLSaveFile with virDomainDefSaveWarning).
func configWarning(name string) string {
	return "<!--\n" +
		"WARNING: THIS IS AN AUTO-GENERATED FILE. CHANGES TO IT ARE LIKELY TO BE\n" +
		"OVERWRITTEN AND LOST. Changes to this xml configuration should be made using:\n" +
		"  virsh edit " + name + "\n" +
		"or other application using the libvirt API.\n" +
		"-->\n\n"
}
