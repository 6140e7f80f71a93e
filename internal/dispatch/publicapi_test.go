package dispatch

import (
	"reflect"
	"testing"

	"github.com/govirt/govirt/internal/daemon"
	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/internal/rpc/remote"
	"github.com/govirt/govirt/virt/virterr"
)

func TestAPIDomain(t *testing.T) {
	for fn, want := range map[string]virterr.Domain{
		"virConnectSecretEventRegisterAny":     virterr.FromSecret,
		"virSecretDefineXML":                   virterr.FromSecret,
		"virNodeDeviceIsActive":                virterr.FromNodedev,
		"virConnectListAllNodeDevices":         virterr.FromNodedev,
		"virNodeNumOfDevices":                  virterr.FromNodedev,
		"virNWFilterLookupByName":              virterr.FromNwfilter,
		"virConnectListAllNWFilterBindings":    virterr.FromNwfilter,
		"virNetworkListAllPorts":               virterr.FromNetwork,
		"virConnectNetworkEventRegisterAny":    virterr.FromNetwork,
		"virConnectGetStoragePoolCapabilities": virterr.FromStorage,
		"virStorageVolUpload":                  virterr.FromStorage,
		"virInterfaceChangeBegin":              virterr.FromInterface,
		"virConnectListAllInterfaces":          virterr.FromInterface,
		"virDomainGetInterfaceParameters":      virterr.FromDomain,
		"virDomainOpenConsole":                 virterr.FromDomain,
		"virConnectCompareCPU":                 virterr.FromDomain,
		"virConnectGetDomainCapabilities":      virterr.FromDomain,
		"virNodeSuspendForDuration":            virterr.FromDomain,
		"virDomainSnapshotCreateXML":           virterr.FromDomainSnapshot,
		"virDomainListAllSnapshots":            virterr.FromDomainSnapshot,
		"virDomainCheckpointCreateXML":         virterr.FromDomainCheckpoint,
		"virStreamSend":                        virterr.FromStreams,
		"virDomainQemuMonitorCommand":          virterr.FromNone,
	} {
		if got := driver.FunctionDomain(fn); got != want {
			t.Errorf("%s: domain %d, want %d", fn, got, want)
		}
	}
}

// TestStringOkayGettersEndWithFlags: addStringOkay sets the flag in the
// last word of the arguments, which must be the call's flags.
func TestStringOkayGettersEndWithFlags(t *testing.T) {
	for proc := range stringOkayGetters {
		info := remote.Procedures[proc]
		if info == nil {
			t.Fatalf("procedure %d unknown", proc)
		}
		typ := reflect.TypeOf(info.NewArgs()).Elem()
		last := typ.Field(typ.NumField() - 1)
		if last.Name != "Flags" || last.Type.Kind() != reflect.Uint32 {
			t.Errorf("%s: arguments end with %s %s", info.Name, last.Name, last.Type)
		}
	}
}

// TestPublicAPILayer: what libvirtd's public API adds around the driver,
// as python3-libvirt sees it through libvirtd and the test driver.
func TestPublicAPILayer(t *testing.T) {
	f := newFixture(t, daemon.DefaultConfig())
	c := dial(t, f.rw)
	c.open("test:///default", 0)
	var active remote.NodeDeviceIsActiveRet
	e, _ := c.call(remote.ProcNodeDeviceIsActive, &remote.NodeDeviceIsActiveArgs{Name: "computer"}, &active)
	wantErr(t, e, virterr.NoSupport, virterr.FromNodedev, "this function is not supported by the connection driver: virNodeDeviceIsActive")

	var look remote.DomainLookupByNameRet
	if e, _ := c.call(remote.ProcDomainLookupByName, &remote.DomainLookupByNameArgs{Name: "test"}, &look); e != nil {
		t.Fatal(e)
	}
	dom := look.Dom
	var sec remote.DomainGetLaunchSecurityInfoRet
	e, _ = c.call(remote.ProcDomainGetLaunchSecurityInfo, &remote.DomainGetLaunchSecurityInfoArgs{Dom: dom}, &sec)
	wantErr(t, e, virterr.InvalidArg, virterr.FromTest, "unsupported flags (0x4) in function testDomainGetLaunchSecurityInfo")

	var mem remote.DomainGetMemoryParametersRet
	if e, _ := c.call(remote.ProcDomainGetMemoryParameters, &remote.DomainGetMemoryParametersArgs{Dom: dom, Nparams: 3}, &mem); e != nil {
		t.Fatalf("memory parameters: %v", e)
	}
}
