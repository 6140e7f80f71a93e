// Package virterrtest holds the test check shared by the packages whose
// errors are compared with what libvirt 9.0 reports for the same input.
package virterrtest

import (
	"errors"
	"testing"

	"github.com/govirt/govirt/virt/virterr"
)

// Check reports a test error unless err is a *virterr.Error with libvirt's
// code, error domain and message (as python3-libvirt shows them:
// get_error_code, get_error_domain, get_error_message) for case name.
func Check(t testing.TB, name string, err error, code virterr.Code, from virterr.Domain, msg string) {
	t.Helper()
	var e *virterr.Error
	if !errors.As(err, &e) {
		t.Errorf("%s: got %v, want %s (%v, %v)", name, err, msg, code, from)
		return
	}
	if e.Code != code || e.Domain != from || e.Message != msg {
		t.Errorf("%s:\n got  %v %v %q\n want %v %v %q", name, e.Code, e.Domain, e.Message, code, from, msg)
	}
}
