package snapshot

import (
	"regexp"

	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// schemaError is virXMLValidateAgainstSchema's complaint, which libvirt
// reports in VIR_FROM_XML.
func schemaError(format string, args ...any) error {
	return virterr.NewFrom(virterr.FromXML, virterr.XMLInvalidSchema,
		"Unable to validate doc against domainsnapshot.rng\n"+format, args...)
}

var topElements = map[string]bool{
	"name": true, "description": true, "state": true, "creationTime": true,
	"memory": true, "disks": true, "active": true, "domain": true,
	"inactiveDomain": true, "parent": true, "cookie": true,
}

// checkSchema enforces domainsnapshot.rng's rules for the snapshot's own
// elements (libvirt validates with VIR_DOMAIN_SNAPSHOT_PARSE_VALIDATE); the
// embedded domains are the domain parser's business.
func checkSchema(n *xmltree.Node) error {
	seen := map[string]bool{}
	for _, c := range n.Children {
		if !topElements[c.Name] {
			return schemaError("Element domainsnapshot has extra content: %s", c.Name)
		}
		if seen[c.Name] {
			return schemaError("Extra element %s in interleave", c.Name)
		}
		seen[c.Name] = true
		switch c.Name {
		case "state":
			ok := false
			for _, s := range states[1:] {
				ok = ok || (s == c.Text && s != "pmsuspended")
			}
			if !ok {
				return schemaError("Element state failed to validate content")
			}
		case "memory":
			snap, hasSnap := c.Attr("snapshot")
			_, hasFile := c.Attr("file")
			switch {
			case hasSnap && (snap == LocationNo || snap == LocationInternal):
				if hasFile {
					return schemaError("Element memory failed to validate attributes")
				}
			case (!hasSnap || snap == LocationExternal) && hasFile:
			default:
				return schemaError("Element memory failed to validate attributes")
			}
		case "disks":
			for _, d := range c.Children {
				if err := checkDiskSchema(d); err != nil {
					return schemaError("Extra element disks in interleave")
				}
			}
		}
	}
	return nil
}

// sourceSchema lists, per disk type, the attributes and child elements
// domainsnapshot.rng allows on a snapshot disk's <source>.
var sourceSchema = map[string]struct{ attrs, children map[string]bool }{
	"file": {
		attrs:    map[string]bool{"file": true, "index": true},
		children: map[string]bool{"seclabel": true, "encryption": true, "slices": true, "reservations": true},
	},
	"block": {
		attrs:    map[string]bool{"dev": true, "index": true},
		children: map[string]bool{"seclabel": true, "encryption": true, "slices": true, "reservations": true},
	},
	"network": {
		attrs: map[string]bool{"protocol": true, "name": true, "tls": true, "tlsHostname": true, "query": true, "index": true},
		children: map[string]bool{"host": true, "snapshot": true, "config": true, "auth": true, "encryption": true,
			"reconnect": true, "cookies": true, "ssl": true, "readahead": true, "timeout": true, "identity": true,
			"knownHosts": true, "initiator": true, "slices": true, "reservations": true},
	},
}

// diskNameRE is the schema's diskTargetDev or absFilePath.
var diskNameRE = regexp.MustCompile(`^((ioemu:)?(fd|hd|sd|vd|xvd|ubd)[a-zA-Z0-9_]+|(/|[a-zA-Z]:\\).+)$`)

func checkDiskSchema(d *xmltree.Node) error {
	if d.Name != "disk" {
		return schemaError("unexpected element %s", d.Name)
	}
	if name, ok := d.Attr("name"); !ok || !diskNameRE.MatchString(name) {
		return schemaError("bad disk name")
	}
	snap := d.Prop("snapshot")
	typ := "file"
	if t, ok := d.Attr("type"); ok {
		typ = t
	}
	switch snap {
	case LocationNo, LocationInternal, LocationManual:
		if len(d.Children) > 0 {
			return schemaError("disk with snapshot='%s' has children", snap)
		}
		return nil
	case "", LocationExternal:
	default:
		return schemaError("bad snapshot mode")
	}
	rules, ok := sourceSchema[typ]
	if !ok {
		return schemaError("bad disk type")
	}
	for _, c := range d.Children {
		switch c.Name {
		case "driver":
		case "source":
			for _, a := range c.Attrs {
				if !rules.attrs[a.Name] {
					return schemaError("attribute %s not allowed", a.Name)
				}
			}
			for _, cc := range c.Children {
				if !rules.children[cc.Name] {
					return schemaError("element %s not allowed", cc.Name)
				}
			}
		default:
			return schemaError("element %s not allowed", c.Name)
		}
	}
	return nil
}
