package dispatch

import (
	"github.com/govirt/govirt/internal/driver"
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
	return e.WithDomain(driver.FunctionDomain(e.Str2))
}
