package domain

import "github.com/govirt/govirt/virt/virterr"

// SchemaPath is where libvirt keeps the domain schema; its messages name it.
const SchemaPath = "/usr/share/libvirt/schemas/domain.rng"

// CheckSchema is the part of libvirt's RelaxNG validation
// (VIR_DOMAIN_DEFINE_VALIDATE, `virsh define --validate`) that govirt
// performs: a top-level element the schema does not know is refused with
// libvirt's wording. Elements inside known ones are not checked against the
// schema; docs/unsupported.md says so.
func (d *Def) CheckSchema() error {
	if len(d.unknown) == 0 {
		return nil
	}
	// virXMLValidatorValidate reports in VIR_FROM_XML, with libxml2's
	// message and its newline.
	return virterr.NewFrom(virterr.FromXML, virterr.XMLInvalidSchema,
		"Unable to validate doc against %s\nElement domain has extra content: %s\n", SchemaPath, d.unknown[0].Name)
}
