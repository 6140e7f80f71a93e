package test

import (
	"context"
	"errors"
	"strings"
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
		}(), &virterr.Error{Code: virterr.NoSupport, Domain: virterr.FromNodedev,
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

// TestDefineRefusesWhatLibvirtRefuses: values the conf packages keep but
// libvirt's parser refuses fail at define and create, with libvirt's
// code and wording (checked with virsh -c test:///default 9.0).
func TestDefineRefusesWhatLibvirtRefuses(t *testing.T) {
	ctx := context.Background()
	c := open(t, "test:///default", 0)
	dom := func(typ, memory string) string {
		return "<domain type='" + typ + "'><name>d</name>" + memory + "<os><type>hvm</type></os></domain>"
	}
	mem := "<memory>1024</memory>"
	cases := []struct {
		name string
		xml  string
		code virterr.Code
		msg  string
	}{
		{"unknown hypervisor", dom("nosuchhv", mem), virterr.ConfigUnsupported, "unsupported configuration: invalid domain type nosuchhv"},
		{"memory not a number", dom("test", "<memory>lots</memory>"), virterr.XMLError, "XML error: Invalid value 'lots' for element or attribute './memory[1]'"},
		{"memory negative", dom("test", "<memory>-5</memory>"), virterr.XMLError, "XML error: Invalid value '-5' for element or attribute './memory[1]'"},
		{"memory hex", dom("test", "<memory>0x10</memory>"), virterr.XMLError, "XML error: Invalid value '0x10' for element or attribute './memory[1]'"},
		{"memory trailing space", dom("test", "<memory>5 </memory>"), virterr.XMLError, "XML error: Invalid value '5 ' for element or attribute './memory[1]'"},
		{"memory unit", dom("test", "<memory unit='zz'>10</memory>"), virterr.InvalidArg, "invalid argument: unknown suffix 'zz'"},
		{"memory overflow", dom("test", "<memory unit='EiB'>100</memory>"), virterr.Overflow, "numerical overflow: value too large: 100EiB"},
		{"memory too large", dom("test", "<memory unit='b'>9223372036854775807</memory>"), virterr.Overflow, "numerical overflow: size value too large"},
		{"memory empty", dom("test", "<memory></memory>"), virterr.XMLError, "XML error: Memory size must be specified via <memory> or in the <numa> configuration"},
		{"current memory", dom("test", mem+"<currentMemory>x</currentMemory>"), virterr.XMLError, "XML error: Invalid value 'x' for element or attribute './currentMemory[1]'"},
		{"memtune", dom("test", mem+"<memtune><hard_limit>x</hard_limit></memtune>"), virterr.XMLError, "XML error: Invalid value 'x' for element or attribute './memtune/hard_limit[1]'"},
		{"memtune overflow", dom("test", mem+"<memtune><hard_limit>99999999999999999</hard_limit></memtune>"), virterr.Overflow, "numerical overflow: value too large: 99999999999999999"},
	}
	for _, tc := range cases {
		_, err := c.Hypervisor.DomainDefineXMLFlags(ctx, tc.xml, 0)
		wantCode(t, "define "+tc.name, err, tc.code, tc.msg)
		_, err = c.Hypervisor.DomainCreateXML(ctx, tc.xml, 0)
		wantCode(t, "create "+tc.name, err, tc.code, tc.msg)
	}
	for i, ok := range []string{dom("kvm", mem), dom("test", "<memory> +5</memory>"), dom("test", mem+"<memtune><hard_limit/></memtune>")} {
		ok = strings.Replace(ok, "<name>d</name>", "<name>ok"+string(rune('0'+i))+"</name>", 1)
		if _, err := c.Hypervisor.DomainDefineXMLFlags(ctx, ok, 0); err != nil {
			t.Errorf("define %s: %v", ok, err)
		}
	}

	net := func(inner string) string { return "<network><name>n</name>" + inner + "</network>" }
	netCases := []struct {
		name string
		xml  string
		code virterr.Code
		msg  string
	}{
		{"forward mode", net("<forward mode='teleport'/>"), virterr.ConfigUnsupported, "unsupported configuration: unknown forwarding type 'teleport'"},
		{"forward driver", net("<forward mode='bridge'><driver name='xx'/></forward>"), virterr.ConfigUnsupported, "unsupported configuration: Unknown forward <driver name='xx'/> in network n"},
		{"mac table manager", net("<bridge macTableManager='xx'/>"), virterr.XMLError, "XML error: Invalid macTableManager setting 'xx' in network 'n'"},
		{"virtualport", net("<virtualport type='xx'/>"), virterr.ConfigUnsupported, "unsupported configuration: unknown virtualport type xx"},
	}
	for _, tc := range netCases {
		_, err := c.Network.NetworkDefineXML(ctx, tc.xml)
		wantCode(t, "net-define "+tc.name, err, tc.code, tc.msg)
		_, err = c.Network.NetworkCreateXML(ctx, tc.xml)
		wantCode(t, "net-create "+tc.name, err, tc.code, tc.msg)
	}
	// The bridge driver's checks are not the test driver's.
	if _, err := c.Network.NetworkDefineXML(ctx, net("<forward mode='bridge'/><bridge name='br9'/><ip address='10.0.0.1' prefix='24'/>")); err != nil {
		t.Errorf("bridge network with <ip>: %v", err)
	}

	// dumpxml --update-cpu is refused; --migratable keeps the ID.
	h := c.Hypervisor
	test, err := h.DomainLookupByName(ctx, "test")
	if err != nil {
		t.Fatal(err)
	}
	_, err = h.DomainGetXMLDesc(ctx, test, 1<<2)
	wantCode(t, "update-cpu", err, virterr.InvalidArg, "unsupported flags (0x4) in function testDomainGetXMLDesc")
	if x, err := h.DomainGetXMLDesc(ctx, test, 1<<3); err != nil || !strings.HasPrefix(x, "<domain type='test' id='1'>") {
		t.Errorf("migratable: %v %.40q", err, x)
	}
}
