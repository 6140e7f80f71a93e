package main

import (
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/govirt/govirt/virt"
)

func init() {
	register(
		&cmdDef{name: "domblkerror", needsConn: true, run: cmdDomblkerror},
		&cmdDef{name: "domblkinfo", needsConn: true, run: cmdDomblkinfo},
		&cmdDef{name: "domblklist", needsConn: true, run: cmdDomblklist},
		&cmdDef{name: "domblkstat", needsConn: true, run: cmdDomblkstat},
		&cmdDef{name: "domcontrol", needsConn: true, run: cmdDomcontrol},
		&cmdDef{name: "domif-getlink", needsConn: true, run: cmdDomifGetlink},
		&cmdDef{name: "domifaddr", needsConn: true, run: cmdDomifaddr},
		&cmdDef{name: "domiflist", needsConn: true, run: cmdDomiflist},
		&cmdDef{name: "domifstat", needsConn: true, run: cmdDomifstat},
		&cmdDef{name: "dominfo", needsConn: true, run: cmdDominfo},
		&cmdDef{name: "dommemstat", needsConn: true, run: cmdDommemstat},
		&cmdDef{name: "domstate", needsConn: true, run: cmdDomstate},
		&cmdDef{name: "domstats", needsConn: true, run: cmdDomstats},
		&cmdDef{name: "domtime", needsConn: true, run: cmdDomtime},
		&cmdDef{name: "list", needsConn: true, run: cmdList},
	)
}

// stateString words a state as virsh's virshDomainStateToString does.
func stateString(s virt.DomainState) string {
	switch s {
	case virt.DomainRunning:
		return "running"
	case virt.DomainBlocked:
		return "idle"
	case virt.DomainPaused:
		return "paused"
	case virt.DomainShutdown:
		return "in shutdown"
	case virt.DomainShutoff:
		return "shut off"
	case virt.DomainCrashed:
		return "crashed"
	case virt.DomainPMSuspended:
		return "pmsuspended"
	}
	return "no state"
}

// stateReasons word each state's reasons (virshDomainStateReasonToString).
var stateReasons = map[virt.DomainState][]string{
	virt.DomainNostate: {"unknown"},
	virt.DomainRunning: {"unknown", "booted", "migrated", "restored", "from snapshot", "unpaused",
		"migration canceled", "save canceled", "event wakeup", "crashed", "post-copy", "post-copy failed"},
	virt.DomainBlocked: {"unknown"},
	virt.DomainPaused: {"unknown", "user", "migrating", "saving", "dumping", "I/O error", "watchdog",
		"from snapshot", "shutting down", "creating snapshot", "crashed", "starting up", "post-copy",
		"post-copy failed", "api error"},
	virt.DomainShutdown: {"unknown", "user"},
	virt.DomainShutoff: {"unknown", "shutdown", "destroyed", "crashed", "migrated", "saved", "failed",
		"from snapshot", "daemon"},
	virt.DomainCrashed:     {"unknown", "panicked"},
	virt.DomainPMSuspended: {"unknown"},
}

func reasonString(s virt.DomainState, reason int) string {
	if r := stateReasons[s]; reason >= 0 && reason < len(r) {
		return r[reason]
	}
	return "unknown"
}

func cmdList(c *ctl, cmd *parsedCmd) bool {
	managed, optTitle, optTable := cmd.bool("managed-save"), cmd.bool("title"), cmd.bool("table")
	optUUID, optName, optID := cmd.bool("uuid"), cmd.bool("name"), cmd.bool("id")
	flags := virt.ConnectListDomainsActive
	if cmd.bool("inactive") || cmd.bool("state-shutoff") {
		flags = virt.ConnectListDomainsInactive
	}
	if cmd.bool("all") {
		flags = virt.ConnectListDomainsInactive | virt.ConnectListDomainsActive
	}
	pairs := []struct {
		opt  string
		flag virt.ConnectListAllDomainsFlags
	}{
		{"persistent", virt.ConnectListDomainsPersistent}, {"transient", virt.ConnectListDomainsTransient},
		{"with-managed-save", virt.ConnectListDomainsManagedsave}, {"without-managed-save", virt.ConnectListDomainsNoManagedsave},
		{"autostart", virt.ConnectListDomainsAutostart}, {"no-autostart", virt.ConnectListDomainsNoAutostart},
		{"with-snapshot", virt.ConnectListDomainsHasSnapshot}, {"without-snapshot", virt.ConnectListDomainsNoSnapshot},
		{"with-checkpoint", virt.ConnectListDomainsHasCheckpoint}, {"without-checkpoint", virt.ConnectListDomainsNoCheckpoint},
		{"state-running", virt.ConnectListDomainsRunning}, {"state-paused", virt.ConnectListDomainsPaused},
		{"state-shutoff", virt.ConnectListDomainsShutoff}, {"state-other", virt.ConnectListDomainsOther},
	}
	for _, p := range pairs {
		if cmd.bool(p.opt) {
			flags |= p.flag
		}
	}
	if !c.exclusive(cmd, "table", "name") || !c.exclusive(cmd, "table", "id") {
		return false
	}
	if !optUUID && !optName && !optID {
		optTable = true
	}
	doms, err := c.conn.ListAllDomains(c.ctx, flags)
	if err != nil {
		c.errorf("Failed to list domains")
		return c.fail(err)
	}
	sortDomains(doms)
	if c.json {
		return c.listJSON(doms)
	}

	var t *table
	if optTable {
		switch {
		case optTitle && !optUUID:
			t = newTable("Id", "Name", "State", "Title")
		case optUUID && !optTitle:
			t = newTable("Id", "Name", "State", "UUID")
		case optUUID && optTitle:
			t = newTable("Id", "Name", "State", "Title", "UUID")
		default:
			t = newTable("Id", "Name", "State")
		}
	}
	for _, d := range doms {
		id := "-"
		if d.ID() >= 0 {
			id = strconv.Itoa(d.ID())
		}
		if optTable {
			st, _, err := d.State(c.ctx)
			if err != nil {
				continue
			}
			state := stateString(st)
			if managed && st == virt.DomainShutoff {
				if saved, _ := d.HasManagedSaveImage(c.ctx); saved {
					state = "saved"
				}
			}
			row := []string{id, d.Name(), state}
			if optTitle {
				title, ok := c.domainDescription(d, true, 0)
				if !ok {
					return false
				}
				row = append(row, title)
			}
			if optUUID {
				row = append(row, d.UUIDString())
			}
			t.add(row...)
			continue
		}
		sep := ""
		if optUUID {
			c.print("%s", d.UUIDString())
			sep = " "
		}
		if optID {
			if d.ID() < 0 && !optUUID && !optName {
				continue
			}
			c.print("%s%s", sep, id)
			sep = " "
		}
		if optName {
			c.print("%s%s", sep, d.Name())
		}
		c.print("\n")
	}
	if optTable {
		c.print("%s", t.render(!c.quiet))
	}
	return true
}

// sortDomains puts running domains first by id, then the others by name,
// as virsh's virshDomainSorter does.
func sortDomains(doms []*virt.Domain) {
	sort.SliceStable(doms, func(i, j int) bool {
		a, b := doms[i], doms[j]
		ai, bi := a.ID() >= 0, b.ID() >= 0
		switch {
		case ai && bi:
			return a.ID() < b.ID()
		case ai != bi:
			return ai
		}
		return strings.ToLower(a.Name()) < strings.ToLower(b.Name())
	})
}

func cmdDominfo(c *ctl, cmd *parsedCmd) bool {
	dom, _ := c.domainArg(cmd, "domain", byID|byUUID|byName)
	if dom == nil {
		return false
	}
	if c.json {
		return c.dominfoJSON(dom)
	}
	ctx := c.ctx
	if dom.ID() < 0 {
		c.print("%-15s %s\n", "Id:", "-")
	} else {
		c.print("%-15s %d\n", "Id:", dom.ID())
	}
	c.print("%-15s %s\n", "Name:", dom.Name())
	c.print("%-15s %s\n", "UUID:", dom.UUIDString())
	if os, err := dom.OSType(ctx); err == nil {
		c.print("%-15s %s\n", "OS Type:", os)
	}
	if info, err := dom.Info(ctx); err == nil {
		c.print("%-15s %s\n", "State:", stateString(info.State))
		c.print("%-15s %d\n", "CPU(s):", info.NrVirtCPU)
		if info.CPUTime != 0 {
			c.print("%-15s %.1fs\n", "CPU time:", float64(info.CPUTime)/1e9)
		}
		if info.MaxMem != math.MaxUint32 {
			c.print("%-15s %d KiB\n", "Max memory:", info.MaxMem)
		} else {
			c.print("%-15s %s\n", "Max memory:", "no limit")
		}
		c.print("%-15s %d KiB\n", "Used memory:", info.Memory)
	} else {
		c.print("%-15s %s\n", "State:", "no state")
	}
	if p, err := dom.IsPersistent(ctx); err != nil {
		c.print("%-15s %s\n", "Persistent:", "unknown")
	} else {
		c.print("%-15s %s\n", "Persistent:", yesNo(p))
	}
	if a, err := dom.Autostart(ctx); err == nil {
		v := "disable"
		if a {
			v = "enable"
		}
		c.print("%-15s %s\n", "Autostart:", v)
	}
	if m, err := dom.HasManagedSaveImage(ctx); err != nil {
		c.print("%-15s %s\n", "Managed save:", "unknown")
	} else {
		c.print("%-15s %s\n", "Managed save:", yesNo(m))
	}
	model, err := c.conn.SecurityModel(ctx)
	if err != nil {
		if !isNoSupport(err) {
			return c.fail(err)
		}
		return true
	}
	if model.Model != "" {
		c.print("%-15s %s\n", "Security model:", model.Model)
		c.print("%-15s %s\n", "Security DOI:", model.DOI)
		label, err := dom.SecurityLabel(ctx)
		if err != nil {
			return c.fail(err)
		}
		if label.Label != "" {
			mode := "permissive"
			if label.Enforcing {
				mode = "enforcing"
			}
			c.print("%-15s %s (%s)\n", "Security label:", label.Label, mode)
		}
	}
	return true
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func cmdDomstate(c *ctl, cmd *parsedCmd) bool {
	dom, _ := c.domainArg(cmd, "domain", byID|byUUID|byName)
	if dom == nil {
		return false
	}
	st, reason, err := dom.State(c.ctx)
	if err != nil {
		return c.fail(err)
	}
	if c.json {
		return c.domstateJSON(st, reason)
	}
	if cmd.bool("reason") {
		c.print("%s (%s)\n", stateString(st), reasonString(st, reason))
	} else {
		c.print("%s\n", stateString(st))
	}
	return true
}
