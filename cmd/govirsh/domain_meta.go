package main

import (
	"strings"

	"github.com/govirt/govirt/virt"
)

// domainDescription reads a domain's title or description as
// virshGetDomainDescription does: through the metadata API, "" when the
// domain has none, the XML when the driver lacks the API.
func (c *ctl) domainDescription(dom *virt.Domain, title bool, flags virt.DomainXMLFlags) (string, bool) {
	typ := virt.DomainMetadataDescription
	if title {
		typ = virt.DomainMetadataTitle
	}
	desc, err := dom.Metadata(c.ctx, typ, "", virt.DomainModificationImpact(flags))
	if err == nil {
		return desc, true
	}
	switch errCode(err) {
	case virt.ErrNoDomainMetadata:
		return "", true
	case virt.ErrNoSupport:
	default:
		return "", c.fail(err)
	}
	doc, ok := c.domainXMLOf(dom, flags)
	if !ok {
		return "", false
	}
	if title {
		return doc.child("title").textContent(), true
	}
	return doc.child("description").textContent(), true
}

func cmdDesc(c *ctl, cmd *parsedCmd) bool {
	flags, ok := c.affectFlags(cmd)
	if !ok {
		return false
	}
	title, edit := cmd.bool("title"), cmd.bool("edit")
	var queryFlags virt.DomainXMLFlags
	if cmd.bool("config") {
		queryFlags |= virt.DomainXMLInactive
	}
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	if _, _, err := dom.State(c.ctx); err != nil {
		return c.fail(err)
	}
	typ := virt.DomainMetadataDescription
	if title {
		typ = virt.DomainMetadataTitle
	}
	descArg, hasArg := strings.Join(cmd.args("new-desc"), " "), len(cmd.args("new-desc")) > 0
	if !edit && !hasArg {
		desc, ok := c.domainDescription(dom, title, queryFlags)
		if !ok {
			return false
		}
		if desc != "" {
			c.print("%s", desc)
		} else if title {
			c.printExtra("No title for domain: %s", dom.Name())
		} else {
			c.printExtra("No description for domain: %s", dom.Name())
		}
		return true
	}
	cur, ok := c.domainDescription(dom, title, queryFlags)
	if !ok {
		return false
	}
	if !hasArg {
		descArg = cur
	}
	if edit {
		edited, changed, ok := c.editText(descArg, "")
		if !ok {
			return false
		}
		if title {
			// A title is one line: virsh cuts it at the first newline.
			if i := strings.IndexByte(edited, '\n'); i >= 0 {
				edited = edited[:i]
			}
		} else {
			edited = strings.TrimSuffix(edited, "\n")
		}
		if !changed || edited == cur {
			if title {
				c.printExtra("Domain title not changed\n")
			} else {
				c.printExtra("Domain description not changed\n")
			}
			return true
		}
		descArg = edited
	}
	if err := dom.SetMetadata(c.ctx, typ, descArg, "", "", flags); err != nil {
		if title {
			c.errorf("Failed to set new domain title")
		} else {
			c.errorf("Failed to set new domain description")
		}
		return c.fail(err)
	}
	if title {
		c.printExtra("Domain title updated successfully")
	} else {
		c.printExtra("Domain description updated successfully")
	}
	return true
}

func cmdMetadata(c *ctl, cmd *parsedCmd) bool {
	flags, ok := c.affectFlags(cmd)
	if !ok {
		return false
	}
	if !c.exclusive(cmd, "edit", "set") || !c.exclusive(cmd, "remove", "set") || !c.exclusive(cmd, "remove", "edit") {
		return false
	}
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	uri, _ := cmd.str("uri")
	key, hasKey := cmd.str("key")
	set, hasSet := cmd.str("set")
	edit, rem := cmd.bool("edit"), cmd.bool("remove")
	if (hasSet || edit) && !hasKey {
		c.errorf("namespace key is required when modifying metadata")
		return false
	}
	switch {
	case hasSet || rem:
		val := set
		if rem {
			val = ""
		}
		if err := dom.SetMetadata(c.ctx, virt.DomainMetadataElement, val, key, uri, flags); err != nil {
			return c.fail(err)
		}
		if rem {
			c.printExtra("Metadata removed\n")
		} else {
			c.printExtra("Metadata modified\n")
		}
	case edit:
		cur, err := dom.Metadata(c.ctx, virt.DomainMetadataElement, uri, flags)
		if err != nil {
			if errCode(err) != virt.ErrNoDomainMetadata {
				return c.fail(err)
			}
			cur = "\n"
		}
		edited, changed, ok := c.editText(cur, "")
		if !ok {
			return false
		}
		if !changed {
			c.printExtra("Metadata not changed\n")
			return true
		}
		if err := dom.SetMetadata(c.ctx, virt.DomainMetadataElement, edited, key, uri, flags); err != nil {
			return c.fail(err)
		}
		c.printExtra("Metadata modified\n")
	default:
		data, err := dom.Metadata(c.ctx, virt.DomainMetadataElement, uri, flags)
		if err != nil {
			return c.fail(err)
		}
		c.print("%s\n", data)
	}
	return true
}

func cmdDomhostname(c *ctl, cmd *parsedCmd) bool {
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	var flags virt.DomainGetHostnameFlags
	if s, ok := cmd.str("source"); ok {
		switch s {
		case "agent":
			flags = virt.DomainGetHostnameAgent
		case "lease":
			flags = virt.DomainGetHostnameLease
		default:
			c.errorf("Unknown data source '%s'", s)
			return false
		}
	}
	name, err := dom.Hostname(c.ctx, flags)
	if err != nil {
		c.errorf("failed to get hostname")
		return c.fail(err)
	}
	c.print("%s\n", name)
	return true
}
