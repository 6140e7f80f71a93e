package test

import (
	"context"
	"errors"
	"testing"

	"github.com/govirt/govirt/virt/virterr"
)

// TestFindPoolSourcesErrorsAsLibvirt: find-storage-pool-sources refusals
// with the code, error domain and message python3-libvirt reported from
// libvirt 9.0's test:///default. An unknown type is type -1 to libvirt: it
// has no source discovery, and a source given for it is read and then
// finds no backend.
func TestFindPoolSourcesErrorsAsLibvirt(t *testing.T) {
	ctx := context.Background()
	sd := open(t, "test:///default", 0).Storage
	spec := func(s string) *string { return &s }
	for _, tc := range []struct {
		typ    string
		spec   *string
		flags  uint32
		code   virterr.Code
		domain virterr.Domain
		msg    string
	}{
		{"nosuch", nil, 0, virterr.NoSupport, virterr.FromTest, "this function is not supported by the connection driver: pool type 'nosuch' does not support source discovery"},
		{"", nil, 0, virterr.NoSupport, virterr.FromTest, "this function is not supported by the connection driver: pool type '' does not support source discovery"},
		{"DIR", nil, 0, virterr.NoSupport, virterr.FromTest, "this function is not supported by the connection driver: pool type 'DIR' does not support source discovery"},
		{"iscsi", spec("<source/>"), 0, virterr.NoSupport, virterr.FromTest, "this function is not supported by the connection driver: pool type 'iscsi' does not support source discovery"},
		{"dir", nil, 0, virterr.InternalError, virterr.FromTest, "internal error: unknown storage pool type dir"},
		{"dir", spec("<bogus/>"), 0, virterr.InternalError, virterr.FromTest, "internal error: unknown storage pool type dir"},
		{"nosuch", nil, 1, virterr.InvalidArg, virterr.FromTest, "unsupported flags (0x1) in function testConnectFindStoragePoolSources"},
		{"nosuch", spec("<source/>"), 0, virterr.InternalError, virterr.FromStorage, "internal error: missing backend for pool type -1"},
		{"nosuch", spec("<source><host name='x'/></source>"), 0, virterr.InternalError, virterr.FromStorage, "internal error: missing backend for pool type -1"},
		{"nosuch", spec("<source><format type='zzz'/></source>"), 0, virterr.InternalError, virterr.FromStorage, "internal error: missing backend for pool type -1"},
		{"nosuch", spec("<bogus/>"), 0, virterr.XMLError, virterr.FromXML, "XML error: expecting root element of 'source', not 'bogus'"},
		{"nosuch", spec("garbage<"), 0, virterr.XMLDetail, virterr.FromStorage, "(storage_source_specification):1: Start tag expected, '<' not found\ngarbage<\n^"},
		{"iscsi", spec("<bogus/>"), 0, virterr.XMLError, virterr.FromXML, "XML error: expecting root element of 'source', not 'bogus'"},
		{"netfs", nil, 0, virterr.InvalidArg, virterr.FromTest, "invalid argument: hostname must be specified for netfs sources"},
	} {
		_, err := sd.ConnectFindStoragePoolSources(ctx, tc.typ, tc.spec, tc.flags)
		what := tc.typ
		if tc.spec != nil {
			what += " " + *tc.spec
		}
		var e *virterr.Error
		if !errors.As(err, &e) {
			t.Errorf("%s: error %v, want %q", what, err, tc.msg)
			continue
		}
		if e.Code != tc.code || e.Domain != tc.domain || e.Message != tc.msg {
			t.Errorf("%s:\n got %v/%v %q\nwant %v/%v %q", what, e.Code, e.Domain, e.Message, tc.code, tc.domain, tc.msg)
		}
	}
}
