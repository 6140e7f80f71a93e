// Package domaincaps is libvirt's domain capabilities XML.
package domaincaps

import "github.com/govirt/govirt/internal/conf/xmltree"

// Caps is one domain capabilities document.
type Caps struct{ root *xmltree.Node }

// Parse reads a <domainCapabilities> document.
func Parse(data []byte) (*Caps, error) {
	root, err := xmltree.ParseRoot(data, "(domain_capabilities)", "domainCapabilities")
	if err != nil {
		return nil, err
	}
	return &Caps{root: root}, nil
}

// Format writes the document.
func (c *Caps) Format() string { return "" }
