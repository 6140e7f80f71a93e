package main

import (
	"strconv"

	"github.com/govirt/govirt/virt"
)

// Ways to name a domain on the command line (VIRSH_BYID …).
const (
	byID = 1 << iota
	byUUID
	byName
)

// isUUID tells whether s has the shape of a UUID (virUUIDParse accepts
// it), the test virsh makes before a UUID lookup.
func isUUID(s string) bool {
	hex := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '-' || c == ' ':
		case c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F':
			hex++
		default:
			return false
		}
	}
	return hex == 32
}

// domainArg looks up the domain the option names: by id, then UUID, then
// name, as virshCommandOptDomainBy does; on failure it reports "failed to
// get domain" and drops the lookup's own error.
func (c *ctl) domainArg(cmd *parsedCmd, opt string, by int) (*virt.Domain, string) {
	name, _ := cmd.str(opt)
	var dom *virt.Domain
	if by&byID != 0 {
		if id, err := strconv.ParseInt(name, 10, 32); err == nil && id >= 0 {
			dom, _ = c.conn.LookupDomainByID(c.ctx, int(id))
		}
	}
	if dom == nil && by&byUUID != 0 && isUUID(name) {
		dom, _ = c.conn.LookupDomainByUUIDString(c.ctx, name)
	}
	if dom == nil && by&byName != 0 {
		dom, _ = c.conn.LookupDomainByName(c.ctx, name)
	}
	if dom == nil {
		c.errorf("failed to get domain '%s'", name)
	}
	return dom, name
}
