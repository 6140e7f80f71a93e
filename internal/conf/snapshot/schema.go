package snapshot

import (
	"errors"
	"regexp"

	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// schemaPath is where libvirt keeps the snapshot schema; its messages
// name it.
const schemaPath = "/usr/share/libvirt/schemas/domainsnapshot.rng"

// schemaError is virXMLValidateAgainstSchema's complaint, which libvirt
// reports in VIR_FROM_XML, with libxml2's lines after it.
func schemaError(detail string) error {
	return virterr.NewFrom(virterr.FromXML, virterr.XMLInvalidSchema,
		"Unable to validate doc against %s\n%s\n", schemaPath, detail)
}

// errBadSchema marks a violation inside one of the snapshot's elements;
// libxml2 reports only which element of the interleave failed.
var errBadSchema = errors.New("schema violation")

var topElements = map[string]bool{
	"name": true, "description": true, "state": true, "creationTime": true,
	"memory": true, "disks": true, "active": true, "domain": true,
	"inactiveDomain": true, "parent": true, "cookie": true,
}

// checkSchema enforces domainsnapshot.rng's rules for the snapshot's own
// elements (libvirt validates with VIR_DOMAIN_SNAPSHOT_PARSE_VALIDATE); the
// embedded domains are the domain parser's business. The snapshot's
// children form an interleave, so libxml2 names the child that broke it,
// whatever broke inside.
func checkSchema(n *xmltree.Node) error {
	seen := map[string]bool{}
	for _, c := range n.Children {
		if !topElements[c.Name] {
			return schemaError("Element domainsnapshot has extra content: " + c.Name)
		}
		if seen[c.Name] || checkTopSchema(c) != nil {
			return schemaError("Extra element " + c.Name + " in interleave\nElement domainsnapshot failed to validate content")
		}
		seen[c.Name] = true
	}
	return nil
}

func checkTopSchema(c *xmltree.Node) error {
	switch c.Name {
	case "state":
		for _, s := range states[1:] {
			if s == c.Text && s != "pmsuspended" {
				return nil
			}
		}
		return errBadSchema
	case "memory":
		snap, hasSnap := c.Attr("snapshot")
		_, hasFile := c.Attr("file")
		switch {
		case hasSnap && (snap == LocationNo || snap == LocationInternal):
			if hasFile {
				return errBadSchema
			}
		case (!hasSnap || snap == LocationExternal) && hasFile:
		default:
			return errBadSchema
		}
	case "disks":
		for _, d := range c.Children {
			if err := checkDiskSchema(d); err != nil {
				return err
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
		return errBadSchema
	}
	if name, ok := d.Attr("name"); !ok || !diskNameRE.MatchString(name) {
		return errBadSchema
	}
	snap := d.Prop("snapshot")
	typ := "file"
	if t, ok := d.Attr("type"); ok {
		typ = t
	}
	switch snap {
	case LocationNo, LocationInternal, LocationManual:
		if len(d.Children) > 0 {
			return errBadSchema
		}
		return nil
	case "", LocationExternal:
	default:
		return errBadSchema
	}
	rules, ok := sourceSchema[typ]
	if !ok {
		return errBadSchema
	}
	for _, c := range d.Children {
		switch c.Name {
		case "driver":
		case "source":
			for _, a := range c.Attrs {
				if !rules.attrs[a.Name] {
					return errBadSchema
				}
			}
			for _, cc := range c.Children {
				if !rules.children[cc.Name] {
					return errBadSchema
				}
			}
		default:
			return errBadSchema
		}
	}
	return nil
}
