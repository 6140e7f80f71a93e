package driver

import (
	"context"
	"errors"
	"testing"

	"github.com/govirt/govirt/virt/virterr"
)

// TestUnsupportedErrorDomains: a NO_SUPPORT answer names the function and
// comes from the error domain libvirt raises it from.
func TestUnsupportedErrorDomains(t *testing.T) {
	ctx := context.Background()
	_, secretErr := UnsupportedSecret{}.SecretDefineXML(ctx, "<secret/>", 0)
	_, memErr := UnsupportedHypervisor{}.NodeGetMemoryStats(ctx, 0, -1, 0)
	_, eventErr := UnsupportedEvents{}.EventRegister(ctx, EventNetwork, 0, nil, nil)
	for _, tc := range []struct {
		err    error
		fn     string
		domain virterr.Domain
	}{
		{secretErr, "virSecretDefineXML", virterr.FromSecret},
		{memErr, "virNodeGetMemoryStats", virterr.FromDomain},
		{eventErr, "virConnectNetworkEventRegisterAny", virterr.FromNetwork},
		{UnsupportedEvents{}.EventDeregister(ctx, 1), "virConnectDomainEventDeregisterAny", virterr.FromDomain},
	} {
		var e *virterr.Error
		if !errors.As(tc.err, &e) || e.Code != virterr.NoSupport || e.Domain != tc.domain || e.Str2 != tc.fn {
			t.Errorf("%s: %#v, want NO_SUPPORT from %v", tc.fn, tc.err, tc.domain)
		}
	}
	if d := FunctionDomain("virDomainQemuMonitorCommand"); d != virterr.FromNone {
		t.Errorf("virDomainQemuMonitorCommand: %v, libvirt-qemu.c raises from VIR_FROM_NONE", d)
	}
}
