package test

import (
	"context"
	"fmt"
	"testing"

	"github.com/govirt/govirt/virt/virterr"
)

// TestDomainIndex: lookups by name, UUID and id follow defines, renames,
// starts, stops and undefines, and name clashes are still refused.
func TestDomainIndex(t *testing.T) {
	ctx := context.Background()
	h := open(t, "test:///default", 0).Hypervisor
	xml := func(name, u string) string {
		return fmt.Sprintf("<domain type='test'><name>%s</name><uuid>%s</uuid><memory>1024</memory><os><type>hvm</type></os></domain>", name, u)
	}
	const u1 = "11111111-2222-3333-4444-555555555555"
	const u2 = "11111111-2222-3333-4444-666666666666"
	dom, err := h.DomainDefineXML(ctx, xml("idx", u1))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.DomainDefineXML(ctx, xml("idx", u2)); virterr.CodeOf(err) != virterr.OperationFailed {
		t.Fatalf("same name, other uuid: %v", err)
	}
	if _, err := h.DomainDefineXML(ctx, xml("other", u1)); virterr.CodeOf(err) != virterr.OperationFailed {
		t.Fatalf("same uuid, other name: %v", err)
	}
	if r, err := h.DomainLookupByUUID(ctx, dom.UUID); err != nil || r.Name != "idx" {
		t.Fatalf("by uuid: %v %v", r, err)
	}
	n := "idx2"
	if _, err := h.DomainRename(ctx, dom, &n, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := h.DomainLookupByName(ctx, "idx"); virterr.CodeOf(err) != virterr.NoDomain {
		t.Fatalf("old name still found: %v", err)
	}
	dom, err = h.DomainLookupByName(ctx, "idx2")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.DomainDefineXML(ctx, xml("idx2", u2)); virterr.CodeOf(err) != virterr.OperationFailed {
		t.Fatalf("renamed name free: %v", err)
	}
	if err := h.DomainCreate(ctx, dom); err != nil {
		t.Fatal(err)
	}
	dom, _ = h.DomainLookupByName(ctx, "idx2")
	if r, err := h.DomainLookupByID(ctx, dom.ID); err != nil || r.Name != "idx2" {
		t.Fatalf("by id %d: %v %v", dom.ID, r, err)
	}
	if err := h.DomainDestroy(ctx, dom); err != nil {
		t.Fatal(err)
	}
	if _, err := h.DomainLookupByID(ctx, dom.ID); virterr.CodeOf(err) != virterr.NoDomain {
		t.Fatalf("stopped domain found by id: %v", err)
	}
	if err := h.DomainUndefine(ctx, dom); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"idx", "idx2"} {
		if _, err := h.DomainLookupByName(ctx, name); virterr.CodeOf(err) != virterr.NoDomain {
			t.Fatalf("%s after undefine: %v", name, err)
		}
	}
	if _, err := h.DomainLookupByUUID(ctx, dom.UUID); virterr.CodeOf(err) != virterr.NoDomain {
		t.Fatalf("uuid after undefine: %v", err)
	}
	if _, err := h.DomainDefineXML(ctx, xml("idx2", u2)); err != nil {
		t.Fatalf("name free again: %v", err)
	}
}
