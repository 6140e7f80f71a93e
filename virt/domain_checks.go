package virt

import (
	"fmt"

	"github.com/govirt/govirt/virt/virterr"
)

// The argument checks libvirt's public API makes before it calls a driver
// (virReportInvalidArg, VIR_EXCLUSIVE_FLAGS_RET, VIR_REQUIRE_FLAG_RET):
// VIR_ERR_INVALID_ARG with the bare message, raised in the API's own
// error domain.

func invalidArg(from virterr.Domain, format string, args ...any) error {
	return &virterr.Error{Code: virterr.InvalidArg, Domain: from, Message: fmt.Sprintf(format, args...),
		Level: virterr.LevelError, Int1: -1, Int2: -1}
}

// exclusiveFlags refuses flags that set both a and b.
func exclusiveFlags(from virterr.Domain, flags, a, b uint32, aName, bName string) error {
	if flags&a != 0 && flags&b != 0 {
		return invalidArg(from, "Flags '%s' and '%s' are mutually exclusive", aName, bName)
	}
	return nil
}

// requireFlag refuses flags that set a without b.
func requireFlag(from virterr.Domain, flags, a, b uint32, aName, bName string) error {
	if flags&a != 0 && flags&b == 0 {
		return invalidArg(from, "Flag '%s' is required by flag '%s'", bName, aName)
	}
	return nil
}

// checkMetadataArgs is virDomainSetMetadata's and virDomainGetMetadata's
// check of key and uri against the metadata type.
func checkMetadataArgs(function string, typ DomainMetadataType, metadata, key, uri string, set bool) error {
	switch typ {
	case DomainMetadataTitle, DomainMetadataDescription:
		if typ == DomainMetadataTitle && set && containsNewline(metadata) {
			return invalidArg(virterr.FromDomain, "metadata title can't contain newlines")
		}
		if uri != "" {
			return invalidArg(virterr.FromDomain, "uri in %s must be NULL", function)
		}
		if set && key != "" {
			return invalidArg(virterr.FromDomain, "key in %s must be NULL", function)
		}
	case DomainMetadataElement:
		if uri == "" {
			return invalidArg(virterr.FromDomain, "uri in %s must not be NULL", function)
		}
		if set && metadata != "" && key == "" {
			return invalidArg(virterr.FromDomain, "key in %s must not be NULL", function)
		}
	}
	return nil
}

func containsNewline(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			return true
		}
	}
	return false
}
