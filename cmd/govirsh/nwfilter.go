package main

import (
	"sort"
	"strings"

	"github.com/govirt/govirt/virt"
	"github.com/govirt/govirt/virt/virterr"
)

// The "Network Filter" group (virsh-nwfilter.c).
func init() {
	register(
		&cmdDef{name: "nwfilter-define", needsConn: true, run: cmdNWFilterDefine},
		&cmdDef{name: "nwfilter-dumpxml", needsConn: true, run: cmdNWFilterDumpXML},
		&cmdDef{name: "nwfilter-edit", needsConn: true, run: cmdNWFilterEdit},
		&cmdDef{name: "nwfilter-list", needsConn: true, run: cmdNWFilterList},
		&cmdDef{name: "nwfilter-undefine", needsConn: true, run: cmdNWFilterUndefine},
		&cmdDef{name: "nwfilter-binding-create", needsConn: true, run: cmdNWFilterBindingCreate},
		&cmdDef{name: "nwfilter-binding-delete", needsConn: true, run: cmdNWFilterBindingDelete},
		&cmdDef{name: "nwfilter-binding-dumpxml", needsConn: true, run: cmdNWFilterBindingDumpXML},
		&cmdDef{name: "nwfilter-binding-list", needsConn: true, run: cmdNWFilterBindingList},
	)
}

// nwfilterArg is virshCommandOptNWFilterBy: by UUID when the word has a
// UUID's length, then by name.
func (c *ctl) nwfilterArg(cmd *parsedCmd) (*virt.NWFilter, string) {
	n, present, ok := c.strReq(cmd, "nwfilter")
	if !ok || !present {
		return nil, n
	}
	var f *virt.NWFilter
	var err error
	if len(n) == 36 {
		f, err = c.conn.LookupNWFilterByUUIDString(c.ctx, n)
	}
	if f == nil {
		f, err = c.conn.LookupNWFilterByName(c.ctx, n)
	}
	if f == nil {
		c.lastErr = err
		c.errorf("failed to get nwfilter '%s'", n)
	}
	return f, n
}

func cmdNWFilterDefine(c *ctl, cmd *parsedCmd) bool {
	from, xml, ok := c.fileArg(cmd, "file")
	if !ok {
		return false
	}
	var f *virt.NWFilter
	var err error
	if cmd.bool("validate") {
		f, err = c.conn.NWFilterDefineXMLFlags(c.ctx, xml, virt.NWFilterDefineValidate)
	} else {
		f, err = c.conn.NWFilterDefineXML(c.ctx, xml)
	}
	if err != nil {
		c.lastErr = err
		c.errorf("Failed to define network filter from %s", from)
		return false
	}
	c.printExtra("Network filter %s defined from %s\n", f.Name(), from)
	return true
}

func cmdNWFilterUndefine(c *ctl, cmd *parsedCmd) bool {
	f, name := c.nwfilterArg(cmd)
	if f == nil {
		return false
	}
	if err := f.Undefine(c.ctx); err != nil {
		c.lastErr = err
		c.errorf("Failed to undefine network filter %s", name)
		return false
	}
	c.printExtra("Network filter %s undefined\n", name)
	return true
}

func cmdNWFilterDumpXML(c *ctl, cmd *parsedCmd) bool {
	f, _ := c.nwfilterArg(cmd)
	if f == nil {
		return false
	}
	xpath, ok := c.xpathOpt(cmd)
	if !ok {
		return false
	}
	xml, err := f.XMLDesc(c.ctx)
	if err != nil {
		return c.fail(err)
	}
	return c.dumpXML(xml, xpath, cmd.bool("wrap"))
}

func cmdNWFilterEdit(c *ctl, cmd *parsedCmd) bool {
	f, _ := c.nwfilterArg(cmd)
	if f == nil {
		return false
	}
	edited := nullName("", false)
	return c.editLoop(editSpec{
		get: func() (string, error) { return f.XMLDesc(c.ctx) },
		define: func(xml string) error {
			n, err := c.conn.NWFilterDefineXML(c.ctx, xml)
			if err == nil {
				edited = n.Name()
			}
			return err
		},
		notChanged: func() { c.printExtra("Network filter %s XML configuration not changed.\n", f.Name()) },
		edited:     func() { c.printExtra("Network filter %s XML configuration edited.\n", edited) },
	})
}

// listNWFilters is virshNWFilterListCollect: ListAllNWFilters, or the
// older count-and-list calls when the driver lacks it.
func (c *ctl) listNWFilters() ([]*virt.NWFilter, bool) {
	filters, err := c.conn.ListAllNWFilters(c.ctx, 0)
	if err != nil {
		if !isErrorCode(err, virterr.NoSupport) {
			c.lastErr = err
			c.errorf("Failed to list network filters")
			return nil, false
		}
		n, err := c.conn.NumOfNWFilters(c.ctx)
		if err != nil {
			c.lastErr = err
			c.errorf("Failed to count network filters")
			return nil, false
		}
		if n == 0 {
			return nil, true
		}
		names, err := c.conn.ListNWFilters(c.ctx, n)
		if err != nil {
			c.lastErr = err
			c.errorf("Failed to list network filters")
			return nil, false
		}
		filters = nil
		for _, name := range names {
			if f, err := c.conn.LookupNWFilterByName(c.ctx, name); err == nil {
				filters = append(filters, f)
			}
		}
	}
	sort.SliceStable(filters, func(i, j int) bool {
		return strings.ToLower(filters[i].Name()) < strings.ToLower(filters[j].Name())
	})
	return filters, true
}

func cmdNWFilterList(c *ctl, cmd *parsedCmd) bool {
	filters, ok := c.listNWFilters()
	if !ok {
		return false
	}
	if c.json {
		out := []jsonKV{}
		for _, f := range filters {
			out = append(out, jsonKV{{"uuid", f.UUIDString()}, {"name", f.Name()}})
		}
		return c.jsonOut(out)
	}
	t := newTable("UUID", "Name")
	for _, f := range filters {
		t.add(f.UUIDString(), f.Name())
	}
	c.printTable(t)
	return true
}

// bindingArg is virshCommandOptNWFilterBinding: bindings are named by
// their port device.
func (c *ctl) bindingArg(cmd *parsedCmd) (*virt.NWFilterBinding, string) {
	n, present, ok := c.strReq(cmd, "binding")
	if !ok || !present {
		return nil, n
	}
	b, err := c.conn.LookupNWFilterBindingByPortDev(c.ctx, n)
	if err != nil {
		c.lastErr = err
		c.errorf("failed to get nwfilter binding '%s'", n)
		return nil, n
	}
	return b, n
}

func cmdNWFilterBindingCreate(c *ctl, cmd *parsedCmd) bool {
	from, xml, ok := c.fileArg(cmd, "file")
	if !ok {
		return false
	}
	var flags virt.NWFilterBindingCreateFlags
	if cmd.bool("validate") {
		flags |= virt.NWFilterBindingCreateValidate
	}
	b, err := c.conn.NWFilterBindingCreateXML(c.ctx, xml, flags)
	if err != nil {
		c.lastErr = err
		c.errorf("Failed to create network filter from %s", from)
		return false
	}
	c.printExtra("Network filter binding on %s created from %s\n", b.PortDev(), from)
	return true
}

func cmdNWFilterBindingDelete(c *ctl, cmd *parsedCmd) bool {
	b, name := c.bindingArg(cmd)
	if b == nil {
		return false
	}
	if err := b.Delete(c.ctx); err != nil {
		c.lastErr = err
		c.errorf("Failed to delete network filter binding on %s", name)
		return false
	}
	c.printExtra("Network filter binding on %s deleted\n", name)
	return true
}

func cmdNWFilterBindingDumpXML(c *ctl, cmd *parsedCmd) bool {
	b, _ := c.bindingArg(cmd)
	if b == nil {
		return false
	}
	xpath, ok := c.xpathOpt(cmd)
	if !ok {
		return false
	}
	xml, err := b.XMLDesc(c.ctx)
	if err != nil {
		return c.fail(err)
	}
	return c.dumpXML(xml, xpath, cmd.bool("wrap"))
}

func cmdNWFilterBindingList(c *ctl, cmd *parsedCmd) bool {
	bindings, err := c.conn.ListAllNWFilterBindings(c.ctx, 0)
	if err != nil {
		c.lastErr = err
		c.errorf("Failed to list network filter bindings")
		return false
	}
	sort.SliceStable(bindings, func(i, j int) bool {
		return strings.ToLower(bindings[i].PortDev()) < strings.ToLower(bindings[j].PortDev())
	})
	if c.json {
		out := []jsonKV{}
		for _, b := range bindings {
			out = append(out, jsonKV{{"port_dev", b.PortDev()}, {"filter", b.FilterName()}})
		}
		return c.jsonOut(out)
	}
	t := newTable("Port Dev", "Filter")
	for _, b := range bindings {
		t.add(b.PortDev(), b.FilterName())
	}
	c.printTable(t)
	return true
}
