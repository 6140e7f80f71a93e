package domain

import "github.com/govirt/govirt/internal/conf/xmlbuf"

// FormatWithRootName writes the definition as Format does, with root as
// the name of the outermost element instead of <domain>: libvirt's
// virDomainDefFormatInternalSetRootName, which snapshots use to embed the
// inactive definition as <inactiveDomain>.
func (d *Def) FormatWithRootName(root string, flags FormatFlags) string {
	b := xmlbuf.New()
	d.FormatToWithRootName(b, root, flags)
	return b.String()
}

// FormatToWithRootName writes the definition under the root element name
// into b at b's indentation.
func (d *Def) FormatToWithRootName(b *xmlbuf.Buffer, root string, flags FormatFlags) {
	if root == "" {
		root = "domain"
	}
	d.formatAs(b, root, flags)
}
