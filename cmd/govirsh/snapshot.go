package main

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/govirt/govirt/virt"
)

// The "Snapshot" group, as virsh-snapshot.c runs it.

func init() {
	register(
		&cmdDef{name: "snapshot-create", needsConn: true, run: cmdSnapshotCreate},
		&cmdDef{name: "snapshot-create-as", needsConn: true, run: cmdSnapshotCreateAs},
		&cmdDef{name: "snapshot-current", needsConn: true, run: cmdSnapshotCurrent},
		&cmdDef{name: "snapshot-delete", needsConn: true, run: cmdSnapshotDelete},
		&cmdDef{name: "snapshot-dumpxml", needsConn: true, run: cmdSnapshotDumpxml},
		&cmdDef{name: "snapshot-edit", needsConn: true, run: cmdSnapshotEdit},
		&cmdDef{name: "snapshot-info", needsConn: true, run: cmdSnapshotInfo},
		&cmdDef{name: "snapshot-list", needsConn: true, run: cmdSnapshotList},
		&cmdDef{name: "snapshot-parent", needsConn: true, run: cmdSnapshotParent},
		&cmdDef{name: "snapshot-revert", needsConn: true, run: cmdSnapshotRevert},
	)
}

// snapshotCreate is virshSnapshotCreate.
func (c *ctl) snapshotCreate(dom *virt.Domain, xml string, flags virt.DomainSnapshotCreateFlags, from string) bool {
	snap, err := dom.CreateSnapshotXML(c.ctx, xml, flags)
	if err != nil {
		return c.fail(err)
	}
	if from != "" {
		c.printExtra("Domain snapshot %s created from '%s'", snap.Name(), from)
	} else {
		c.printExtra("Domain snapshot %s created", snap.Name())
	}
	return true
}

func snapshotCreateFlags(cmd *parsedCmd) virt.DomainSnapshotCreateFlags {
	var flags virt.DomainSnapshotCreateFlags
	for _, f := range []struct {
		opt  string
		flag virt.DomainSnapshotCreateFlags
	}{
		{"redefine", virt.DomainSnapshotCreateRedefine}, {"current", virt.DomainSnapshotCreateCurrent},
		{"no-metadata", virt.DomainSnapshotCreateNoMetadata}, {"halt", virt.DomainSnapshotCreateHalt},
		{"disk-only", virt.DomainSnapshotCreateDiskOnly}, {"reuse-external", virt.DomainSnapshotCreateReuseExt},
		{"quiesce", virt.DomainSnapshotCreateQuiesce}, {"atomic", virt.DomainSnapshotCreateAtomic},
		{"live", virt.DomainSnapshotCreateLive}, {"validate", virt.DomainSnapshotCreateValidate},
	} {
		if cmd.bool(f.opt) {
			flags |= f.flag
		}
	}
	return flags
}

func cmdSnapshotCreate(c *ctl, cmd *parsedCmd) bool {
	flags := snapshotCreateFlags(cmd)
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	from, hasFrom, ok := c.strReq(cmd, "xmlfile")
	if !ok {
		return false
	}
	xml := "<domainsnapshot/>"
	if hasFrom {
		data, err := readFile(from)
		if err != nil {
			return c.fail(err)
		}
		xml = string(data)
	}
	return c.snapshotCreate(dom, xml, flags, from)
}

// specList splits a memspec/diskspec on commas, ",," standing for a
// literal comma (vshStringToArray).
func specList(s string) []string {
	var out []string
	var cur strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == ',' {
			if i+1 < len(s) && s[i+1] == ',' {
				cur.WriteByte(',')
				i++
				continue
			}
			out = append(out, cur.String())
			cur.Reset()
			continue
		}
		cur.WriteByte(s[i])
	}
	return append(out, cur.String())
}

// xmlAttrEscape is virBufferEscapeString's escaping.
func xmlAttrEscape(s string) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "'", "&apos;", "\"", "&quot;")
	return r.Replace(s)
}

func (c *ctl) memspec(b *strings.Builder, indent, s string) bool {
	var snapshot, file string
	var hasSnap, hasFile bool
	for _, p := range specList(s) {
		switch {
		case !hasSnap && strings.HasPrefix(p, "snapshot="):
			snapshot, hasSnap = p[len("snapshot="):], true
		case !hasFile && strings.HasPrefix(p, "file="):
			file, hasFile = p[len("file="):], true
		case !hasFile && strings.HasPrefix(p, "/"):
			file, hasFile = p, true
		default:
			c.errorf("unable to parse memspec: %s", s)
			return false
		}
	}
	b.WriteString(indent + "<memory")
	if hasSnap {
		fmt.Fprintf(b, " snapshot='%s'", xmlAttrEscape(snapshot))
	}
	if hasFile {
		fmt.Fprintf(b, " file='%s'", xmlAttrEscape(file))
	}
	b.WriteString("/>\n")
	return true
}

func (c *ctl) diskspec(b *strings.Builder, indent, s string, checkpoint bool) bool {
	parts := specList(s)
	kind := "diskspec"
	if len(parts) == 0 || parts[0] == "" {
		c.errorf("unable to parse %s: %s", kind, s)
		return false
	}
	name := parts[0]
	var snapshot, driver, file string
	var hasSnap, hasDriver, hasFile bool
	for _, p := range parts[1:] {
		switch {
		case checkpoint && !hasSnap && strings.HasPrefix(p, "checkpoint="):
			snapshot, hasSnap = p[len("checkpoint="):], true
		case checkpoint && !hasDriver && strings.HasPrefix(p, "bitmap="):
			driver, hasDriver = p[len("bitmap="):], true
		case !checkpoint && !hasSnap && strings.HasPrefix(p, "snapshot="):
			snapshot, hasSnap = p[len("snapshot="):], true
		case !checkpoint && !hasDriver && strings.HasPrefix(p, "driver="):
			driver, hasDriver = p[len("driver="):], true
		case !checkpoint && !hasFile && strings.HasPrefix(p, "file="):
			file, hasFile = p[len("file="):], true
		default:
			c.errorf("unable to parse %s: %s", kind, s)
			return false
		}
	}
	fmt.Fprintf(b, "%s<disk name='%s'", indent, xmlAttrEscape(name))
	if checkpoint {
		if hasSnap {
			fmt.Fprintf(b, " checkpoint='%s'", snapshot)
		}
		if hasDriver {
			fmt.Fprintf(b, " bitmap='%s'", driver)
		}
		b.WriteString("/>\n")
		return true
	}
	if hasSnap {
		fmt.Fprintf(b, " snapshot='%s'", snapshot)
	}
	if hasDriver || hasFile {
		b.WriteString(">\n")
		if hasDriver {
			fmt.Fprintf(b, "%s  <driver type='%s'/>\n", indent, driver)
		}
		if hasFile {
			fmt.Fprintf(b, "%s  <source file='%s'/>\n", indent, xmlAttrEscape(file))
		}
		b.WriteString(indent + "</disk>\n")
	} else {
		b.WriteString("/>\n")
	}
	return true
}

func cmdSnapshotCreateAs(c *ctl, cmd *parsedCmd) bool {
	flags := snapshotCreateFlags(cmd)
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
	b.WriteString("<domainsnapshot>\n")
	if hasName {
		fmt.Fprintf(&b, "  <name>%s</name>\n", xmlAttrEscape(name))
	}
	if hasDesc {
		fmt.Fprintf(&b, "  <description>%s</description>\n", xmlAttrEscape(desc))
	}
	mem, hasMem, ok := c.strReq(cmd, "memspec")
	if !ok {
		return false
	}
	if hasMem && !c.memspec(&b, "  ", mem) {
		return false
	}
	if specs := cmd.args("diskspec"); len(specs) > 0 {
		b.WriteString("  <disks>\n")
		for _, s := range specs {
			if !c.diskspec(&b, "    ", s, false) {
				return false
			}
		}
		b.WriteString("  </disks>\n")
	}
	b.WriteString("</domainsnapshot>\n")
	if cmd.bool("print-xml") {
		c.print("%s\n", b.String())
		return true
	}
	return c.snapshotCreate(dom, b.String(), flags, "")
}

// lookupSnapshot is virshLookupSnapshot: the snapshot an option names,
// or the current one with --current.
func (c *ctl) lookupSnapshot(cmd *parsedCmd, arg string, exclusive bool, dom *virt.Domain) (*virt.DomainSnapshot, string, bool) {
	current := cmd.bool("current")
	name, has, ok := c.strReq(cmd, arg)
	if !ok {
		return nil, "", false
	}
	if exclusive && current && has {
		c.errorf("--%s and --current are mutually exclusive", arg)
		return nil, "", false
	}
	var snap *virt.DomainSnapshot
	var err error
	switch {
	case has:
		snap, err = dom.SnapshotLookupByName(c.ctx, name)
	case current:
		snap, err = dom.SnapshotCurrent(c.ctx, 0)
	default:
		c.errorf("--%s or --current is required", arg)
		return nil, "", false
	}
	if err != nil {
		return nil, "", c.fail(err)
	}
	return snap, snap.Name(), true
}

func cmdSnapshotEdit(c *ctl, cmd *parsedCmd) bool {
	if !c.exclusive(cmd, "rename", "clone") {
		return false
	}
	renameOK, cloneOK := cmd.bool("rename"), cmd.bool("clone")
	defineFlags := virt.DomainSnapshotCreateRedefine
	if cmd.bool("current") && cmd.has("snapshotname") {
		defineFlags |= virt.DomainSnapshotCreateCurrent
	}
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	snap, name, ok := c.lookupSnapshot(cmd, "snapshotname", false, dom)
	if !ok {
		return false
	}
	var edited *virt.DomainSnapshot
	notChanged := false
	ok = c.editLoop(editSpec{
		get: func() (string, error) { return snap.XMLDesc(c.ctx, virt.DomainSnapshotXMLSecure) },
		notChanged: func() {
			notChanged = true
			c.printExtra("Snapshot %s XML configuration not changed.\n", name)
		},
		define: func(doc string) error {
			f := defineFlags
			if strings.Contains(doc, "<state>disk-snapshot</state>") {
				f |= virt.DomainSnapshotCreateDiskOnly
			}
			s, err := dom.CreateSnapshotXML(c.ctx, doc, f)
			edited = s
			return err
		},
		edited: func() {},
	})
	if !ok || notChanged {
		if !ok {
			c.errorf("Failed to update %s", name)
		}
		return ok
	}
	if edited == nil {
		c.errorf("Failed to update %s", name)
		return false
	}
	switch {
	case edited.Name() == name:
		c.printExtra("Snapshot %s edited.\n", name)
	case cloneOK:
		c.printExtra("Snapshot %s cloned to %s.\n", name, edited.Name())
	default:
		victim, victimName := edited, edited.Name()
		if renameOK {
			victim, victimName = snap, name
		}
		if err := victim.Delete(c.ctx, virt.DomainSnapshotDeleteMetadataOnly); err != nil {
			c.lastErr = err
			c.reportError()
			c.errorf("Failed to clean up %s", victimName)
			c.errorf("Failed to update %s", name)
			return false
		}
		if !renameOK {
			c.errorf("Must use --rename or --clone to change %s to %s", name, edited.Name())
			c.errorf("Failed to update %s", name)
			return false
		}
	}
	return true
}

func cmdSnapshotCurrent(c *ctl, cmd *parsedCmd) bool {
	var xmlFlags virt.DomainSnapshotXMLFlags
	if cmd.bool("security-info") {
		xmlFlags |= virt.DomainSnapshotXMLSecure
	}
	if !c.exclusive(cmd, "name", "snapshotname") {
		return false
	}
	dom, domName := c.domain(cmd)
	if dom == nil {
		return false
	}
	snapName, has, ok := c.strReq(cmd, "snapshotname")
	if !ok {
		return false
	}
	if has {
		snap, err := dom.SnapshotLookupByName(c.ctx, snapName)
		if err != nil {
			return c.fail(err)
		}
		xml, err := snap.XMLDesc(c.ctx, virt.DomainSnapshotXMLSecure)
		if err != nil {
			return c.fail(err)
		}
		flags := virt.DomainSnapshotCreateRedefine | virt.DomainSnapshotCreateCurrent
		if strings.Contains(xml, "<state>disk-snapshot</state>") {
			flags |= virt.DomainSnapshotCreateDiskOnly
		}
		if _, err := dom.CreateSnapshotXML(c.ctx, xml, flags); err != nil {
			return c.fail(err)
		}
		c.printExtra("Snapshot %s set as current", snapName)
		return true
	}
	cur, err := dom.HasCurrentSnapshot(c.ctx, 0)
	if err != nil {
		return c.fail(err)
	}
	if !cur {
		c.errorf("domain '%s' has no current snapshot", domName)
		return false
	}
	snap, err := dom.SnapshotCurrent(c.ctx, 0)
	if err != nil {
		return c.fail(err)
	}
	if cmd.bool("name") {
		c.print("%s", snap.Name())
		return true
	}
	xml, err := snap.XMLDesc(c.ctx, xmlFlags)
	if err != nil {
		return c.fail(err)
	}
	c.print("%s", xml)
	return true
}

// snapshotParent is virshGetSnapshotParent: "" with ok for a root.
func (c *ctl) snapshotParent(snap *virt.DomainSnapshot) (string, bool, bool) {
	p, err := snap.Parent(c.ctx, 0)
	if err == nil {
		return p.Name(), true, true
	}
	if errCode(err) == virt.ErrNoDomainSnapshot {
		return "", false, true
	}
	c.lastErr = err
	c.reportError()
	c.errorf("unable to determine if snapshot has parent")
	return "", false, false
}

func cmdSnapshotInfo(c *ctl, cmd *parsedCmd) bool {
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	snap, name, ok := c.lookupSnapshot(cmd, "snapshotname", true, dom)
	if !ok {
		return false
	}
	c.print("%-15s %s\n", "Name:", name)
	c.print("%-15s %s\n", "Domain:", dom.Name())
	current, err := snap.IsCurrent(c.ctx, 0)
	if err != nil {
		current = false
		if other, err := dom.SnapshotCurrent(c.ctx, 0); err == nil && other.Name() == name {
			current = true
		}
	}
	c.print("%-15s %s\n", "Current:", yesNo(current))
	doc, err := snap.XMLDesc(c.ctx, 0)
	if err != nil {
		return c.fail(err)
	}
	tree, err := parseXMLTree(doc)
	if err != nil {
		c.errorf("unexpected problem reading snapshot xml")
		return false
	}
	stateNode := tree.child("state")
	if stateNode == nil {
		c.errorf("unexpected problem reading snapshot xml")
		return false
	}
	state := stateNode.textContent()
	c.print("%-15s %s\n", "State:", state)
	external := false
	if mem := tree.child("memory"); mem != nil {
		external = mem.attrStr("snapshot") == "external"
		for _, d := range tree.child("disks").all("disk") {
			if d.attrStr("snapshot") == "external" {
				external = true
			}
		}
	} else {
		external = state == "disk-snapshot"
	}
	loc := "internal"
	if external {
		loc = "external"
	}
	c.print("%-15s %s\n", "Location:", loc)
	parent := "-"
	if p := tree.path("parent/name"); p != nil {
		parent = p.textContent()
	}
	c.print("%-15s %s\n", "Parent:", parent)
	n, err := snap.NumChildren(c.ctx, 0)
	if err != nil {
		if errCode(err) == virt.ErrNoSupport {
			return true
		}
		return c.fail(err)
	}
	c.print("%-15s %d\n", "Children:", n)
	n, err = snap.NumChildren(c.ctx, virt.DomainSnapshotListDescendants)
	if err != nil {
		return c.fail(err)
	}
	c.print("%-15s %d\n", "Descendants:", n)
	meta, err := snap.HasMetadata(c.ctx, 0)
	if err != nil {
		n, err := dom.SnapshotNum(c.ctx, virt.DomainSnapshotListMetadata)
		if err != nil {
			return true
		}
		meta = n > 0
	}
	c.print("%-15s %s\n", "Metadata:", yesNo(meta))
	return true
}

// treeItem is one entry of a --tree listing.
type treeItem struct {
	name, parent string
	hasParent    bool
}

// sortTreeItems orders objects and their tree items by name, case-folded,
// as virsh sorts snapshot and checkpoint listings that are not topological.
func sortTreeItems[T any](objs []T, items []treeItem) ([]T, []treeItem) {
	idx := make([]int, len(objs))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		return strings.ToLower(items[idx[a]].name) < strings.ToLower(items[idx[b]].name)
	})
	no, ni := make([]T, len(idx)), make([]treeItem, len(idx))
	for i, j := range idx {
		no[i], ni[i] = objs[j], items[j]
	}
	return no, ni
}

// vshForestPrint prints every tree whose root has no parent.
func (c *ctl) vshForestPrint(items []treeItem) {
	for i := range items {
		if !items[i].hasParent {
			c.vshTreePrint(items, i)
		}
	}
}

// vshTreePrint prints the tree under root as virsh's vshTreePrint does.
func (c *ctl) vshTreePrint(items []treeItem, root int) {
	var indent strings.Builder
	var rec func(dev, last int, isRoot bool)
	rec = func(dev, last int, isRoot bool) {
		name := items[dev].name
		prefix := ""
		if !isRoot {
			prefix = "+- "
		}
		c.print("%s%s%s\n", indent.String(), prefix, name)
		if !isRoot {
			if dev == last {
				indent.WriteString("  ")
			} else {
				indent.WriteString("| ")
			}
		}
		nextLast := -1
		for i, it := range items {
			if it.hasParent && it.parent == name {
				nextLast = i
			}
		}
		if nextLast != -1 {
			c.print("%s  |\n", indent.String())
		}
		indent.WriteString("  ")
		for i, it := range items {
			if it.hasParent && it.parent == name {
				rec(i, nextLast, false)
			}
		}
		s := indent.String()
		indent.Reset()
		indent.WriteString(s[:len(s)-2])
		if nextLast == -1 && dev == last {
			c.print("%s\n", indent.String())
		}
		if !isRoot {
			s := indent.String()
			indent.Reset()
			indent.WriteString(s[:len(s)-2])
		}
	}
	rec(root, root, true)
}

// listTimestamp formats a creationTime as virsh does (local time).
func listTimestamp(epoch string) (string, bool) {
	n, err := strconv.ParseInt(strings.TrimSpace(epoch), 10, 64)
	if err != nil {
		return "", false
	}
	return time.Unix(n, 0).Format("2006-01-02 15:04:05 -0700"), true
}

func cmdSnapshotList(c *ctl, cmd *parsedCmd) bool {
	tree, name, from, parent := cmd.bool("tree"), cmd.bool("name"), cmd.has("from"), cmd.bool("parent")
	roots, current := cmd.bool("roots"), cmd.bool("current")
	for _, p := range [][2]string{{"tree", "name"}, {"parent", "roots"}, {"parent", "tree"}, {"roots", "tree"}, {"roots", "from"}, {"roots", "current"}} {
		if !c.exclusive(cmd, p[0], p[1]) {
			return false
		}
	}
	var flags virt.DomainSnapshotListFlags
	for _, f := range []struct {
		opt  string
		flag virt.DomainSnapshotListFlags
	}{
		{"leaves", virt.DomainSnapshotListLeaves}, {"no-leaves", virt.DomainSnapshotListNoLeaves},
		{"inactive", virt.DomainSnapshotListInactive}, {"active", virt.DomainSnapshotListActive},
		{"disk-only", virt.DomainSnapshotListDiskOnly}, {"internal", virt.DomainSnapshotListInternal},
		{"external", virt.DomainSnapshotListExternal},
	} {
		if cmd.bool(f.opt) {
			if tree {
				c.errorf("--%s and --tree are mutually exclusive", f.opt)
				return false
			}
			flags |= f.flag
		}
	}
	if roots {
		flags |= virt.DomainSnapshotListRoots
	}
	if cmd.bool("topological") {
		flags |= virt.DomainSnapshotListTopological
	}
	if cmd.bool("metadata") {
		flags |= virt.DomainSnapshotListMetadata
	}
	if cmd.bool("no-metadata") {
		flags |= virt.DomainSnapshotListNoMetadata
	}
	if cmd.bool("descendants") {
		if !from && !current {
			c.errorf("--descendants requires either --from or --current")
			return false
		}
		flags |= virt.DomainSnapshotListDescendants
	}
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	var start *virt.DomainSnapshot
	if from || current {
		s, _, ok := c.lookupSnapshot(cmd, "from", true, dom)
		if !ok {
			return false
		}
		start = s
	}
	var snaps []*virt.DomainSnapshot
	var err error
	if start != nil {
		snaps, err = start.ListAllChildren(c.ctx, flags)
	} else {
		snaps, err = dom.ListAllSnapshots(c.ctx, flags)
	}
	if err != nil {
		return c.fail(err)
	}
	items := make([]treeItem, len(snaps))
	for i, s := range snaps {
		items[i].name = s.Name()
		if tree {
			p, has, ok := c.snapshotParent(s)
			if !ok {
				return false
			}
			items[i].parent, items[i].hasParent = p, has
		}
	}
	if tree && start != nil {
		snaps = append(snaps, start)
		items = append(items, treeItem{name: start.Name()})
	}
	if flags&virt.DomainSnapshotListTopological == 0 {
		snaps, items = sortTreeItems(snaps, items)
	}
	if tree {
		c.vshForestPrint(items)
		return true
	}
	var t *table
	if !name {
		if parent {
			t = newTable("Name", "Creation Time", "State", "Parent")
		} else {
			t = newTable("Name", "Creation Time", "State")
		}
	}
	for _, s := range snaps {
		if name {
			c.print("%s\n", s.Name())
			continue
		}
		doc, err := s.XMLDesc(c.ctx, 0)
		if err != nil {
			continue
		}
		x, err := parseXMLTree(doc)
		if err != nil {
			continue
		}
		st := x.child("state")
		if st == nil {
			continue
		}
		ts, ok := listTimestamp(x.child("creationTime").textContent())
		if !ok {
			continue
		}
		if parent {
			t.add(s.Name(), ts, st.textContent(), x.path("parent/name").textContent())
		} else {
			t.add(s.Name(), ts, st.textContent())
		}
	}
	if t != nil {
		c.print("%s", t.render(!c.quiet))
	}
	return true
}

func cmdSnapshotDumpxml(c *ctl, cmd *parsedCmd) bool {
	var flags virt.DomainSnapshotXMLFlags
	if cmd.bool("security-info") {
		flags |= virt.DomainSnapshotXMLSecure
	}
	name, _, ok := c.strReq(cmd, "snapshotname")
	if !ok {
		return false
	}
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	snap, err := dom.SnapshotLookupByName(c.ctx, name)
	if err != nil {
		return c.fail(err)
	}
	xml, err := snap.XMLDesc(c.ctx, flags)
	if err != nil {
		return c.fail(err)
	}
	return c.printXPath(cmd, xml)
}

func cmdSnapshotParent(c *ctl, cmd *parsedCmd) bool {
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	snap, name, ok := c.lookupSnapshot(cmd, "snapshotname", true, dom)
	if !ok {
		return false
	}
	parent, has, ok := c.snapshotParent(snap)
	if !ok {
		return false
	}
	if !has {
		c.errorf("snapshot '%s' has no parent", name)
		return false
	}
	c.print("%s", parent)
	return true
}

func cmdSnapshotRevert(c *ctl, cmd *parsedCmd) bool {
	var flags virt.DomainSnapshotRevertFlags
	if cmd.bool("running") {
		flags |= virt.DomainSnapshotRevertRunning
	}
	if cmd.bool("paused") {
		flags |= virt.DomainSnapshotRevertPaused
	}
	if cmd.bool("reset-nvram") {
		flags |= virt.DomainSnapshotRevertResetNVRAM
	}
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	snap, name, ok := c.lookupSnapshot(cmd, "snapshotname", true, dom)
	if !ok {
		return false
	}
	err := snap.Revert(c.ctx, flags)
	if err != nil && cmd.bool("force") && errCode(err) == virt.ErrSnapshotRevertRisky {
		err = snap.Revert(c.ctx, flags|virt.DomainSnapshotRevertForce)
	}
	if err != nil {
		return c.fail(err)
	}
	c.printExtra("Domain snapshot %s reverted\n", name)
	return true
}

func cmdSnapshotDelete(c *ctl, cmd *parsedCmd) bool {
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	snap, name, ok := c.lookupSnapshot(cmd, "snapshotname", true, dom)
	if !ok {
		return false
	}
	var flags virt.DomainSnapshotDeleteFlags
	if cmd.bool("children") {
		flags |= virt.DomainSnapshotDeleteChildren
	}
	if cmd.bool("children-only") {
		flags |= virt.DomainSnapshotDeleteChildrenOnly
	}
	if cmd.bool("metadata") {
		flags |= virt.DomainSnapshotDeleteMetadataOnly
	}
	if err := snap.Delete(c.ctx, flags); err != nil {
		c.errorf("Failed to delete snapshot %s", name)
		return c.fail(err)
	}
	if flags&virt.DomainSnapshotDeleteChildrenOnly != 0 {
		c.printExtra("Domain snapshot %s children deleted\n", name)
	} else {
		c.printExtra("Domain snapshot %s deleted\n", name)
	}
	return true
}
