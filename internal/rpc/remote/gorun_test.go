package remote

import (
	"os/exec"
	"testing"
)

func goRun(t *testing.T, pkg string, args ...string) *exec.Cmd {
	t.Helper()
	return exec.Command("go", append([]string{"run", pkg}, args...)...)
}
