package main

import (
	"strings"

	"github.com/govirt/govirt/virt"
)

// The "Checkpoint" group, as virsh-checkpoint.c runs it.

func init() {
	register(
		&cmdDef{name: "checkpoint-create", needsConn: true, run: cmdCheckpointCreate},
		&cmdDef{name: "checkpoint-create-as", needsConn: true, run: cmdCheckpointCreateAs},
		&cmdDef{name: "checkpoint-delete", needsConn: true, run: cmdCheckpointDelete},
		&cmdDef{name: "checkpoint-dumpxml", needsConn: true, run: cmdCheckpointDumpxml},
		&cmdDef{name: "checkpoint-edit", needsConn: true, run: cmdCheckpointEdit},
		&cmdDef{name: "checkpoint-info", needsConn: true, run: cmdCheckpointInfo},
		&cmdDef{name: "checkpoint-list", needsConn: true, run: cmdCheckpointList},
		&cmdDef{name: "checkpoint-parent", needsConn: true, run: cmdCheckpointParent},
	)
}

func (c *ctl) checkpointCreate(dom *virt.Domain, xml string, flags virt.DomainCheckpointCreateFlags, from string) bool {
	chk, err := dom.CreateCheckpointXML(c.ctx, xml, flags)
	if err != nil {
		return c.fail(err)
	}
	if from != "" {
		c.printExtra("Domain checkpoint %s created from '%s'", chk.Name(), from)
	} else {
		c.printExtra("Domain checkpoint %s created", chk.Name())
	}
	return true
}

func cmdCheckpointCreate(c *ctl, cmd *parsedCmd) bool {
	var flags virt.DomainCheckpointCreateFlags
	if cmd.bool("redefine") {
		flags |= virt.DomainCheckpointCreateRedefine
	}
	if cmd.bool("redefine-validate") {
		flags |= virt.DomainCheckpointCreateRedefineValidate
	}
	if cmd.bool("quiesce") {
		flags |= virt.DomainCheckpointCreateQuiesce
	}
	if !c.requireOpt(cmd, "redefine-validate", "redefine") {
		return false
	}
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	from, has, ok := c.strReq(cmd, "xmlfile")
	if !ok {
		return false
	}
	xml := "<domaincheckpoint/>"
	if has {
		data, err := readFile(from)
		if err != nil {
			return c.fail(err)
		}
		xml = string(data)
	}
	return c.checkpointCreate(dom, xml, flags, from)
}

func cmdCheckpointCreateAs(c *ctl, cmd *parsedCmd) bool {
	var flags virt.DomainCheckpointCreateFlags
	if cmd.bool("quiesce") {
		flags |= virt.DomainCheckpointCreateQuiesce
	}
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	name, hasName, ok := c.strReq(cmd, "name")
	if !ok {
		return false
	}
	desc, hasDesc, ok := c.strReq(cmd, "description")
	if !ok {
		return false
	}
	var b strings.Builder
	b.WriteString("<domaincheckpoint>\n")
	if hasName {
		b.WriteString("  <name>" + xmlAttrEscape(name) + "</name>\n")
	}
	if hasDesc {
		b.WriteString("  <description>" + xmlAttrEscape(desc) + "</description>\n")
	}
	if specs := cmd.args("diskspec"); len(specs) > 0 {
		b.WriteString("  <disks>\n")
		for _, s := range specs {
			if !c.diskspec(&b, "    ", s, true) {
				return false
			}
		}
		b.WriteString("  </disks>\n")
	}
	b.WriteString("</domaincheckpoint>\n")
	if cmd.bool("print-xml") {
		c.print("%s\n", b.String())
		return true
	}
	return c.checkpointCreate(dom, b.String(), flags, "")
}

// lookupCheckpoint is virshLookupCheckpoint.
func (c *ctl) lookupCheckpoint(cmd *parsedCmd, arg string, dom *virt.Domain) (*virt.DomainCheckpoint, string, bool) {
	name, has, ok := c.strReq(cmd, arg)
	if !ok {
		return nil, "", false
	}
	if !has {
		c.errorf("--%s is required", arg)
		return nil, "", false
	}
	chk, err := dom.CheckpointLookupByName(c.ctx, name, 0)
	if err != nil {
		return nil, "", c.fail(err)
	}
	return chk, chk.Name(), true
}

func cmdCheckpointEdit(c *ctl, cmd *parsedCmd) bool {
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	chk, name, ok := c.lookupCheckpoint(cmd, "checkpointname", dom)
	if !ok {
		return false
	}
	var edited *virt.DomainCheckpoint
	notChanged := false
	ok = c.editLoop(editSpec{
		get: func() (string, error) { return chk.XMLDesc(c.ctx, virt.DomainCheckpointXMLSecure) },
		notChanged: func() {
			notChanged = true
			c.printExtra("Checkpoint %s XML configuration not changed.\n", name)
		},
		define: func(doc string) error {
			e, err := dom.CreateCheckpointXML(c.ctx, doc, virt.DomainCheckpointCreateRedefine)
			edited = e
			return err
		},
		edited: func() {},
	})
	if notChanged {
		return ok
	}
	if !ok || edited == nil {
		c.errorf("Failed to update %s", name)
		return false
	}
	if edited.Name() == name {
		c.printExtra("Checkpoint %s edited.\n", name)
		return true
	}
	if err := edited.Delete(c.ctx, virt.DomainCheckpointDeleteMetadataOnly); err != nil {
		c.lastErr = err
		c.reportError()
		c.errorf("Failed to clean up %s", edited.Name())
	} else {
		c.errorf("Cannot rename checkpoint %s to %s", name, edited.Name())
	}
	c.errorf("Failed to update %s", name)
	return false
}

// checkpointParent is virshGetCheckpointParent.
func (c *ctl) checkpointParent(chk *virt.DomainCheckpoint) (string, bool, bool) {
	p, err := chk.Parent(c.ctx, 0)
	if err == nil {
		return p.Name(), true, true
	}
	if errCode(err) == virt.ErrNoDomainCheckpoint {
		return "", false, true
	}
	c.lastErr = err
	c.reportError()
	c.errorf("unable to determine if checkpoint has parent")
	return "", false, false
}

func cmdCheckpointInfo(c *ctl, cmd *parsedCmd) bool {
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	chk, name, ok := c.lookupCheckpoint(cmd, "checkpointname", dom)
	if !ok {
		return false
	}
	c.print("%-15s %s\n", "Name:", name)
	c.print("%-15s %s\n", "Domain:", dom.Name())
	parent, has, ok := c.checkpointParent(chk)
	if !ok {
		c.errorf("unexpected problem querying checkpoint state")
		return false
	}
	if !has {
		parent = "-"
	}
	c.print("%-15s %s\n", "Parent:", parent)
	kids, err := chk.ListAllChildren(c.ctx, 0)
	if err != nil {
		if errCode(err) == virt.ErrNoSupport {
			return true
		}
		return c.fail(err)
	}
	c.print("%-15s %d\n", "Children:", len(kids))
	kids, err = chk.ListAllChildren(c.ctx, virt.DomainCheckpointListDescendants)
	if err != nil {
		return c.fail(err)
	}
	c.print("%-15s %d\n", "Descendants:", len(kids))
	return true
}

func cmdCheckpointList(c *ctl, cmd *parsedCmd) bool {
	tree, name, from, parent, roots := cmd.bool("tree"), cmd.bool("name"), cmd.has("from"), cmd.bool("parent"), cmd.bool("roots")
	for _, p := range [][2]string{{"tree", "name"}, {"parent", "roots"}, {"parent", "tree"}, {"roots", "tree"}, {"roots", "from"}} {
		if !c.exclusive(cmd, p[0], p[1]) {
			return false
		}
	}
	var flags virt.DomainCheckpointListFlags
	for _, f := range []struct {
		opt  string
		flag virt.DomainCheckpointListFlags
	}{{"leaves", virt.DomainCheckpointListLeaves}, {"no-leaves", virt.DomainCheckpointListNoLeaves}} {
		if cmd.bool(f.opt) {
			if tree {
				c.errorf("--%s and --tree are mutually exclusive", f.opt)
				return false
			}
			flags |= f.flag
		}
	}
	if roots {
		flags |= virt.DomainCheckpointListRoots
	}
	if cmd.bool("topological") {
		flags |= virt.DomainCheckpointListTopological
	}
	if cmd.bool("descendants") {
		if !from {
			c.errorf("--descendants requires --from")
			return false
		}
		flags |= virt.DomainCheckpointListDescendants
	}
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	var start *virt.DomainCheckpoint
	if from {
		s, _, ok := c.lookupCheckpoint(cmd, "from", dom)
		if !ok {
			return false
		}
		start = s
	}
	var chks []*virt.DomainCheckpoint
	var err error
	if start != nil {
		chks, err = start.ListAllChildren(c.ctx, flags)
	} else {
		chks, err = dom.ListAllCheckpoints(c.ctx, flags)
	}
	if err != nil {
		return c.fail(err)
	}
	items := make([]treeItem, len(chks))
	for i, ck := range chks {
		items[i].name = ck.Name()
		if tree {
			p, has, ok := c.checkpointParent(ck)
			if !ok {
				return false
			}
			items[i].parent, items[i].hasParent = p, has
		}
	}
	if tree && start != nil {
		chks = append(chks, start)
		items = append(items, treeItem{name: start.Name()})
	}
	if flags&virt.DomainCheckpointListTopological == 0 {
		chks, items = sortTreeItems(chks, items)
	}
	if tree {
		c.vshForestPrint(items)
		return true
	}
	var t *table
	if !name {
		if parent {
			t = newTable("Name", "Creation Time", "Parent")
		} else {
			t = newTable("Name", "Creation Time")
		}
	}
	for _, ck := range chks {
		if name {
			c.print("%s\n", ck.Name())
			continue
		}
		doc, err := ck.XMLDesc(c.ctx, virt.DomainCheckpointXMLNoDomain)
		if err != nil {
			return c.fail(err)
		}
		x, err := parseXMLTree(doc)
		if err != nil {
			return false
		}
		ts, ok := listTimestamp(x.child("creationTime").textContent())
		if !ok {
			c.errorf("unexpected problem querying checkpoints")
			return false
		}
		if parent {
			t.add(ck.Name(), ts, x.path("parent/name").textContent())
		} else {
			t.add(ck.Name(), ts)
		}
	}
	if t != nil {
		c.print("%s", t.render(!c.quiet))
	}
	return true
}

func cmdCheckpointDumpxml(c *ctl, cmd *parsedCmd) bool {
	var flags virt.DomainCheckpointXMLFlags
	if cmd.bool("security-info") {
		flags |= virt.DomainCheckpointXMLSecure
	}
	if cmd.bool("no-domain") {
		flags |= virt.DomainCheckpointXMLNoDomain
	}
	if cmd.bool("size") {
		flags |= virt.DomainCheckpointXMLSize
	}
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	chk, _, ok := c.lookupCheckpoint(cmd, "checkpointname", dom)
	if !ok {
		return false
	}
	xml, err := chk.XMLDesc(c.ctx, flags)
	if err != nil {
		return c.fail(err)
	}
	return c.printXPath(cmd, xml)
}

func cmdCheckpointParent(c *ctl, cmd *parsedCmd) bool {
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	chk, name, ok := c.lookupCheckpoint(cmd, "checkpointname", dom)
	if !ok {
		return false
	}
	parent, has, ok := c.checkpointParent(chk)
	if !ok {
		return false
	}
	if !has {
		c.errorf("checkpoint '%s' has no parent", name)
		return false
	}
	c.print("%s", parent)
	return true
}

func cmdCheckpointDelete(c *ctl, cmd *parsedCmd) bool {
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	chk, name, ok := c.lookupCheckpoint(cmd, "checkpointname", dom)
	if !ok {
		return false
	}
	var flags virt.DomainCheckpointDeleteFlags
	if cmd.bool("children") {
		flags |= virt.DomainCheckpointDeleteChildren
	}
	if cmd.bool("children-only") {
		flags |= virt.DomainCheckpointDeleteChildrenOnly
	}
	if cmd.bool("metadata") {
		flags |= virt.DomainCheckpointDeleteMetadataOnly
	}
	if err := chk.Delete(c.ctx, flags); err != nil {
		c.errorf("Failed to delete checkpoint %s", name)
		return c.fail(err)
	}
	if flags&virt.DomainCheckpointDeleteChildrenOnly != 0 {
		c.printExtra("Domain checkpoint %s children deleted\n", name)
	} else {
		c.printExtra("Domain checkpoint %s deleted\n", name)
	}
	return true
}
