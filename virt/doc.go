// Package virt is govirt's public Go API: libvirt's client API (virConnect*,
// virDomain*, virNetwork* …) with Go names, a context first, typed flags and
// *virterr.Error errors carrying libvirt's codes.
//
//	conn, err := virt.Open(ctx, "test:///default")
//	doms, err := conn.ListAllDomains(ctx, virt.ConnectListDomainsActive)
//
// The flag and enum types (*_gen.go) are generated from libvirt's public
// headers and carry libvirt's numeric values, so they cross the wire
// unchanged. To regenerate them from a libvirt source tree instead of the
// reference copy, run
//
//	go run ./internal/gen/apigen enums -in <libvirt>/include/libvirt -out virt
package virt

//go:generate go run ../internal/gen/apigen enums -in ../../shared/reference/libvirt-9.0.0-protocol -out .
