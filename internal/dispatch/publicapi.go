package dispatch

import (
	"strings"

	"github.com/govirt/govirt/internal/rpc/remote"
	"github.com/govirt/govirt/virt/virterr"
)

// libvirtd serves a call through libvirt's public API (virDomainGet…,
// virNodeDevice…), which does a little on the daemon side before and after
// the driver. The driver contracts are called directly, so what the client
// can see of that layer is done here.

// featureTypedParamString is VIR_DRV_FEATURE_TYPED_PARAM_STRING.
const featureTypedParamString = 9

// typedParamStringOkay is VIR_TYPED_PARAM_STRING_OKAY.
const typedParamStringOkay = 1 << 2

// stringOkayGetters are the getters whose public API adds
// VIR_TYPED_PARAM_STRING_OKAY to the caller's flags when the driver
// supports typed string parameters. Every one's arguments end with the
// flags word (checked by TestStringOkayGettersEndWithFlags).
var stringOkayGetters = map[remote.Procedure]bool{
	remote.ProcDomainGetMemoryParameters:         true,
	remote.ProcDomainGetNUMAParameters:           true,
	remote.ProcDomainGetBlkioParameters:          true,
	remote.ProcDomainGetSchedulerParametersFlags: true,
	remote.ProcDomainBlockStatsFlags:             true,
	remote.ProcDomainGetInterfaceParameters:      true,
	remote.ProcDomainGetBlockIOTune:              true,
	remote.ProcDomainGetCPUStats:                 true,
	remote.ProcDomainGetLaunchSecurityInfo:       true,
	remote.ProcNodeGetMemoryParameters:           true,
	remote.ProcNodeGetSEVInfo:                    true,
}

// addStringOkay sets VIR_TYPED_PARAM_STRING_OKAY in the call's flags, as
// the public API would before calling the driver. A driver that does not
// know the flag refuses it, as libvirt's test driver refuses it for
// virDomainGetLaunchSecurityInfo whatever the client sent.
func (c *call) addStringOkay() {
	if len(c.payload) < 4 || !c.driverSupports(featureTypedParamString) {
		return
	}
	p := append([]byte(nil), c.payload...)
	p[len(p)-1] |= typedParamStringOkay
	c.payload = p
}

// driverSupports is VIR_DRV_SUPPORTS_FEATURE against the connection's
// hypervisor driver, with the daemon's own answer for a driver that does
// not say.
func (c *call) driverSupports(feature int32) bool {
	conn := c.conn()
	if conn == nil || conn.Hypervisor == nil {
		return false
	}
	v, err := conn.Hypervisor.ConnectSupportsFeature(c.ctx, feature)
	if err != nil {
		return virterr.CodeOf(err) == virterr.NoSupport && defaultFeature(feature) == 1
	}
	return v == 1
}

// withAPIDomain gives a "this function is not supported" error the error
// domain of the libvirt source file whose public function raised it
// (virReportUnsupportedError uses that file's VIR_FROM_THIS): drivers
// report it without one.
func withAPIDomain(err error) error {
	e, ok := err.(*virterr.Error)
	if !ok || e.Code != virterr.NoSupport || e.Domain != virterr.FromNone {
		return err
	}
	return e.WithDomain(apiDomain(e.Str2))
}

// apiDomain is the VIR_FROM_THIS of the libvirt-*.c file that defines the
// public function fn.
func apiDomain(fn string) virterr.Domain {
	name, ok := strings.CutPrefix(fn, "vir")
	if !ok {
		return virterr.FromNone
	}
	switch {
	case strings.HasPrefix(name, "Stream"):
		return virterr.FromStreams
	case strings.HasPrefix(name, "DomainSnapshot"), name == "DomainListAllSnapshots",
		name == "DomainHasCurrentSnapshot", name == "DomainRevertToSnapshot":
		return virterr.FromDomainSnapshot
	case strings.HasPrefix(name, "DomainCheckpoint"), name == "DomainListAllCheckpoints":
		return virterr.FromDomainCheckpoint
	case strings.HasPrefix(name, "Domain"):
		return virterr.FromDomain
	case strings.HasPrefix(name, "NodeDevice"), name == "NodeNumOfDevices", name == "NodeListDevices":
		return virterr.FromNodedev
	}
	for _, f := range []struct {
		word   string
		domain virterr.Domain
	}{
		{"NWFilter", virterr.FromNwfilter},
		{"Network", virterr.FromNetwork},
		{"Storage", virterr.FromStorage},
		{"NodeDevice", virterr.FromNodedev},
		{"Secret", virterr.FromSecret},
		{"Interface", virterr.FromInterface},
	} {
		if strings.HasPrefix(name, f.word) || strings.HasPrefix(name, "Connect") && strings.Contains(name, f.word) {
			return f.domain
		}
	}
	if name == "ConnectOpen" || name == "ConnectOpenAuth" || name == "ConnectOpenReadOnly" || name == "ConnectClose" {
		return virterr.FromNone
	}
	// libvirt-host.c (virConnect…, virNode…) reports as VIR_FROM_DOMAIN.
	return virterr.FromDomain
}
