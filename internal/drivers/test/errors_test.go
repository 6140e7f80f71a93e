package test

import (
	"context"
	"errors"
	"testing"

	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/virt/virterr"
)

// wantError checks every field of libvirt's error a client can see.
func wantError(t *testing.T, what string, err error, want *virterr.Error) {
	t.Helper()
	var e *virterr.Error
	if !errors.As(err, &e) {
		t.Errorf("%s: error %v, want %q", what, err, want.Message)
		return
	}
	if e.Code != want.Code || e.Domain != want.Domain || e.Message != want.Message ||
		(want.Str1 != "" && e.Str1 != want.Str1) || (want.Str2 != "" && e.Str2 != want.Str2) {
		t.Errorf("%s:\n got %d/%d %q str1=%q str2=%q\nwant %d/%d %q str1=%q str2=%q", what,
			e.Code, e.Domain, e.Message, e.Str1, e.Str2,
			want.Code, want.Domain, want.Message, want.Str1, want.Str2)
	}
}

// TestErrorsAsLibvirt: code, domain and wording of errors, as
// python3-libvirt sees them from libvirt 9.0's test driver.
func TestErrorsAsLibvirt(t *testing.T) {
	ctx := context.Background()
	c := open(t, "test:///default", 0)
	h := c.Hypervisor
	noop := func(driver.Event) {}
	def := `<domain type='test'><name>inactive</name><memory>1024</memory><os><type>hvm</type></os></domain>`
	dom, err := h.DomainDefineXMLFlags(ctx, def, 0)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := h.DomainCreateXML(ctx, `<domain type='test'><name>transient</name><memory>1024</memory><os><type>hvm</type></os></domain>`, 0)
	if err != nil {
		t.Fatal(err)
	}
	notRunning := &virterr.Error{Code: virterr.OperationInvalid, Domain: virterr.FromDomain,
		Message: "Requested operation is not valid: domain is not running"}
	cases := []struct {
		name string
		err  error
		want *virterr.Error
	}{
		{"secret events", func() error {
			_, err := c.Events.EventRegister(ctx, driver.EventSecret, 0, nil, noop)
			return err
		}(), &virterr.Error{Code: virterr.NoSupport, Domain: virterr.FromSecret,
			Message: "this function is not supported by the connection driver: virConnectSecretEventRegisterAny",
			Str2:    "virConnectSecretEventRegisterAny"}},
		{"domain event id", func() error {
			_, err := c.Events.EventRegister(ctx, driver.EventDomain, 99, nil, noop)
			return err
		}(), &virterr.Error{Code: virterr.InvalidArg, Domain: virterr.FromDomain,
			Message: "eventID in virConnectDomainEventRegisterAny must be less than 27",
			Str1:    "virConnectDomainEventRegisterAny", Str2: "eventID"}},
		{"node device event id", func() error {
			_, err := c.Events.EventRegister(ctx, driver.EventNodeDevice, 2, nil, noop)
			return err
		}(), &virterr.Error{Code: virterr.InvalidArg, Domain: virterr.FromNodedev,
			Message: "eventID in virConnectNodeDeviceEventRegisterAny must be less than 2"}},
		{"destroy inactive", h.DomainDestroy(ctx, dom), notRunning},
		{"reboot inactive", h.DomainReboot(ctx, dom, 0), notRunning},
		{"setmem live inactive", h.DomainSetMemoryFlags(ctx, dom, 512, 1), notRunning},
		{"setmem config transient", h.DomainSetMemoryFlags(ctx, tr, 512, 2), &virterr.Error{
			Code: virterr.OperationInvalid, Domain: virterr.FromDomain,
			Message: "Requested operation is not valid: transient domains do not have any persistent config"}},
		{"get time inactive", func() error { _, err := h.DomainGetTime(ctx, dom, 0); return err }(), &virterr.Error{
			Code: virterr.OperationInvalid, Domain: virterr.FromTest,
			Message: "Requested operation is not valid: domain is not running"}},
		{"node device is-active", func() error {
			_, err := c.NodeDevice.NodeDeviceIsActive(ctx, "computer")
			return err
		}(), &virterr.Error{Code: virterr.NoSupport,
			Message: "this function is not supported by the connection driver: virNodeDeviceIsActive"}},
		{"node device list active", func() error {
			_, err := c.NodeDevice.ConnectListAllNodeDevices(ctx, 1, 1<<31)
			return err
		}(), &virterr.Error{Code: virterr.InvalidArg, Domain: virterr.FromTest,
			Message: "unsupported flags (0x80000000) in function testConnectListAllNodeDevices"}},
		{"launch security string okay", func() error {
			_, err := h.DomainGetLaunchSecurityInfo(ctx, dom, 1<<2)
			return err
		}(), &virterr.Error{Code: virterr.InvalidArg, Domain: virterr.FromTest,
			Message: "unsupported flags (0x4) in function testDomainGetLaunchSecurityInfo"}},
	}
	for _, tc := range cases {
		wantError(t, tc.name, tc.err, tc.want)
	}
	if v, err := h.ConnectSupportsFeature(ctx, 9); v != 1 || err != nil { // VIR_DRV_FEATURE_TYPED_PARAM_STRING
		t.Errorf("typed string parameters: %d %v", v, err)
	}
	if v, _ := h.ConnectSupportsFeature(ctx, 8); v != 0 { // VIR_DRV_FEATURE_FD_PASSING
		t.Errorf("fd passing: %d", v)
	}
}
