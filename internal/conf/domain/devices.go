package domain

import (
	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
)

// Devices is the content of <devices>.
type Devices struct {
	Emulator string
}

// parseDevices reads <devices>; n may be nil.
func parseDevices(n *xmltree.Node, flags ParseFlags) (*Devices, error) {
	d := &Devices{}
	if n == nil {
		return d, nil
	}
	d.Emulator, _ = n.ChildText("emulator")
	return d, nil
}

// format writes <devices> (always, as libvirt does) at b's indentation.
func (d *Devices) format(b *xmlbuf.Buffer, flags FormatFlags) {
	child := b.Child()
	if d.Emulator != "" {
		child.EscapeString("<emulator>%s</emulator>\n", d.Emulator)
	}
	b.FormatElementAlways("devices", nil, child)
}
