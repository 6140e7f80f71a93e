package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/govirt/govirt/virt"
)

// Device hotplug commands: attach-*, detach-*, update-device,
// domif-setlink, change-media.

// deviceFlags reads --persistent/--config/--live/--current as the
// device commands do; plain is true when none was given (the old
// flag-less APIs are used then).
func (c *ctl) deviceFlags(cmd *parsedCmd) (flags virt.DomainDeviceModifyFlags, plain, ok bool) {
	persistent, current := cmd.bool("persistent"), cmd.bool("current")
	if !c.exclusive(cmd, "persistent", "current") || !c.exclusive(cmd, "current", "live") || !c.exclusive(cmd, "current", "config") {
		return 0, false, false
	}
	if cmd.bool("config") || persistent {
		flags |= virt.DomainDeviceModifyConfig
	}
	if cmd.bool("live") {
		flags |= virt.DomainDeviceModifyLive
	}
	return flags, flags == 0 && !current, true
}

func (c *ctl) persistentLive(cmd *parsedCmd, dom *virt.Domain, flags virt.DomainDeviceModifyFlags) virt.DomainDeviceModifyFlags {
	if cmd.bool("persistent") {
		if a, err := dom.IsActive(c.ctx); err == nil && a {
			flags |= virt.DomainDeviceModifyLive
		}
	}
	return flags
}

func (c *ctl) attach(dom *virt.Domain, xml string, flags virt.DomainDeviceModifyFlags, plain bool) error {
	if plain {
		return dom.AttachDevice(c.ctx, xml)
	}
	return dom.AttachDeviceFlags(c.ctx, xml, flags)
}

func (c *ctl) detach(dom *virt.Domain, xml string, flags virt.DomainDeviceModifyFlags, plain bool) error {
	if plain {
		return dom.DetachDevice(c.ctx, xml)
	}
	return dom.DetachDeviceFlags(c.ctx, xml, flags)
}

func cmdAttachDevice(c *ctl, cmd *parsedCmd) bool {
	flags, plain, ok := c.deviceFlags(cmd)
	if !ok {
		return false
	}
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	from, _ := cmd.str("file")
	flags = c.persistentLive(cmd, dom, flags)
	plain = plain && flags == 0
	data, err := readFile(from)
	if err != nil {
		c.lastErr = err
		c.reportError()
		return false
	}
	if err := c.attach(dom, string(data), flags, plain); err != nil {
		c.errorf("Failed to attach device from %s", from)
		return c.fail(err)
	}
	c.printExtra("Device attached successfully\n")
	return true
}

func cmdDetachDevice(c *ctl, cmd *parsedCmd) bool {
	flags, plain, ok := c.deviceFlags(cmd)
	if !ok {
		return false
	}
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	from, _ := cmd.str("file")
	flags = c.persistentLive(cmd, dom, flags)
	plain = plain && flags == 0
	data, err := readFile(from)
	if err != nil {
		c.lastErr = err
		c.reportError()
		return false
	}
	if err := c.detach(dom, string(data), flags, plain); err != nil {
		c.errorf("Failed to detach device from %s", from)
		return c.fail(err)
	}
	c.printExtra("Device detached successfully\n")
	return true
}

func cmdUpdateDevice(c *ctl, cmd *parsedCmd) bool {
	flags, _, ok := c.deviceFlags(cmd)
	if !ok {
		return false
	}
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	from, _ := cmd.str("file")
	flags = c.persistentLive(cmd, dom, flags)
	if cmd.bool("force") {
		flags |= virt.DomainDeviceModifyForce
	}
	data, err := readFile(from)
	if err != nil {
		c.lastErr = err
		c.reportError()
		return false
	}
	if err := dom.UpdateDeviceFlags(c.ctx, string(data), flags); err != nil {
		c.errorf("Failed to update device from %s", from)
		return c.fail(err)
	}
	c.printExtra("Device updated successfully\n")
	return true
}

func cmdDetachDeviceAlias(c *ctl, cmd *parsedCmd) bool {
	flags, _, ok := c.deviceFlags(cmd)
	if !ok {
		return false
	}
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	alias, _ := cmd.str("alias")
	if err := dom.DetachDeviceAlias(c.ctx, alias, flags); err != nil {
		c.errorf("Failed to detach device with alias %s", alias)
		return c.fail(err)
	}
	c.printExtra("Device detach request sent successfully\n")
	return true
}

func cmdAttachDisk(c *ctl, cmd *parsedCmd) bool {
	flags, plain, ok := c.deviceFlags(cmd)
	if !ok {
		return false
	}
	get := func(n string) string { v, _ := cmd.str(n); return v }
	source, target := get("source"), get("target")
	stype := get("sourcetype")
	if stype == "" {
		stype = get("source-type")
	}
	if stype == "" {
		stype = "file"
		if fi, err := os.Stat(source); err == nil && fi.Mode()&os.ModeDevice != 0 && fi.Mode()&os.ModeCharDevice == 0 {
			stype = "block"
		}
	}
	if stype != "file" && stype != "block" && stype != "network" {
		c.errorf("Unknown source type: '%s'", stype)
		return false
	}
	var b strings.Builder
	fmt.Fprintf(&b, "<disk type='%s'", stype)
	if t := get("type"); t != "" {
		fmt.Fprintf(&b, " device='%s'", t)
	}
	if cmd.bool("rawio") {
		b.WriteString(" rawio='yes'")
	}
	b.WriteString(">\n")
	if d, sd, io, cache, iot := get("driver"), get("subdriver"), get("io"), get("cache"), get("iothread"); d != "" || sd != "" || io != "" || cache != "" || iot != "" {
		b.WriteString("  <driver")
		if d != "" {
			fmt.Fprintf(&b, " name='%s'", d)
		}
		if sd != "" {
			fmt.Fprintf(&b, " type='%s'", sd)
		}
		if iot != "" {
			fmt.Fprintf(&b, " iothread='%s'", iot)
		}
		if cache != "" {
			fmt.Fprintf(&b, " cache='%s'", cache)
		}
		if io != "" {
			fmt.Fprintf(&b, " io='%s'", io)
		}
		b.WriteString("/>\n")
	}
	if source != "" {
		switch stype {
		case "file":
			fmt.Fprintf(&b, "  <source file='%s'/>\n", xmlAttrEscape(source))
		case "block":
			fmt.Fprintf(&b, "  <source dev='%s'/>\n", xmlAttrEscape(source))
		case "network":
			proto := get("source-protocol")
			fmt.Fprintf(&b, "  <source protocol='%s' name='%s'", proto, xmlAttrEscape(source))
			if h := get("source-host-name"); h != "" {
				host, port, hasPort := strings.Cut(h, ":")
				b.WriteString(">\n    <host")
				fmt.Fprintf(&b, " name='%s'", host)
				if hasPort {
					fmt.Fprintf(&b, " port='%s'", port)
				}
				if t := get("source-host-transport"); t != "" {
					fmt.Fprintf(&b, " transport='%s'", t)
				}
				b.WriteString("/>\n  </source>\n")
			} else {
				b.WriteString("/>\n")
			}
		}
	}
	fmt.Fprintf(&b, "  <target dev='%s'", target)
	if bus := get("targetbus"); bus != "" {
		fmt.Fprintf(&b, " bus='%s'", bus)
	}
	b.WriteString("/>\n")
	if m := get("mode"); m != "" {
		if m != "readonly" && m != "shareable" {
			c.errorf("No support for %s in command 'attach-disk'", m)
			return false
		}
		fmt.Fprintf(&b, "  <%s/>\n", m)
	}
	if s := get("serial"); s != "" {
		fmt.Fprintf(&b, "  <serial>%s</serial>\n", s)
	}
	if a := get("alias"); a != "" {
		fmt.Fprintf(&b, "  <alias name='%s'/>\n", a)
	}
	if w := get("wwn"); w != "" {
		fmt.Fprintf(&b, "  <wwn>%s</wwn>\n", w)
	}
	b.WriteString("</disk>\n")
	xml := b.String()
	if cmd.bool("print-xml") {
		c.print("%s", xml)
		return true
	}
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	flags = c.persistentLive(cmd, dom, flags)
	plain = plain && flags == 0
	if err := c.attach(dom, xml, flags, plain); err != nil {
		c.errorf("Failed to attach disk")
		return c.fail(err)
	}
	c.printExtra("Disk attached successfully\n")
	return true
}

func cmdAttachInterface(c *ctl, cmd *parsedCmd) bool {
	flags, plain, ok := c.deviceFlags(cmd)
	if !ok {
		return false
	}
	get := func(n string) string { v, _ := cmd.str(n); return v }
	typ, source := get("type"), get("source")
	var b strings.Builder
	fmt.Fprintf(&b, "<interface type='%s'", typ)
	if cmd.bool("managed") {
		b.WriteString(" managed='yes'")
	}
	b.WriteString(">\n")
	switch typ {
	case "network":
		fmt.Fprintf(&b, "  <source network='%s'/>\n", source)
	case "bridge":
		fmt.Fprintf(&b, "  <source bridge='%s'/>\n", source)
	case "direct":
		fmt.Fprintf(&b, "  <source dev='%s'/>\n", source)
	case "user", "vdpa", "hostdev":
		if typ == "vdpa" {
			fmt.Fprintf(&b, "  <source dev='%s'/>\n", source)
		}
	default:
		c.errorf("No support for %s in command 'attach-interface'", typ)
		return false
	}
	if t := get("target"); t != "" {
		fmt.Fprintf(&b, "  <target dev='%s'/>\n", t)
	}
	if m := get("mac"); m != "" {
		fmt.Fprintf(&b, "  <mac address='%s'/>\n", m)
	}
	if s := get("script"); s != "" {
		fmt.Fprintf(&b, "  <script path='%s'/>\n", s)
	}
	if m := get("model"); m != "" {
		fmt.Fprintf(&b, "  <model type='%s'/>\n", m)
	}
	if a := get("alias"); a != "" {
		fmt.Fprintf(&b, "  <alias name='%s'/>\n", a)
	}
	b.WriteString("</interface>\n")
	xml := b.String()
	if cmd.bool("print-xml") {
		c.print("%s", xml)
		return true
	}
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	flags = c.persistentLive(cmd, dom, flags)
	plain = plain && flags == 0
	if err := c.attach(dom, xml, flags, plain); err != nil {
		c.errorf("Failed to attach interface")
		return c.fail(err)
	}
	c.printExtra("Interface attached successfully\n")
	return true
}

// deviceXMLFlags picks the XML detach-disk/-interface search.
func deviceXMLFlags(flags virt.DomainDeviceModifyFlags) virt.DomainXMLFlags {
	if flags&virt.DomainDeviceModifyConfig != 0 && flags&virt.DomainDeviceModifyLive == 0 {
		return virt.DomainXMLInactive
	}
	return 0
}

func cmdDetachDisk(c *ctl, cmd *parsedCmd) bool {
	flags, plain, ok := c.deviceFlags(cmd)
	if !ok {
		return false
	}
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	target, _ := cmd.str("target")
	flags = c.persistentLive(cmd, dom, flags)
	plain = plain && flags == 0
	doc, ok := c.domainXMLOf(dom, deviceXMLFlags(flags))
	if !ok {
		return false
	}
	var found *xnode
	for _, d := range doc.path("devices").all("disk") {
		src, _ := d.child("source").firstAttr("file", "dev", "dir", "name", "volume", "path")
		if d.child("target").attrStr("dev") == target || src == target && src != "" {
			found = d
			break
		}
	}
	if found == nil {
		c.errorf("No disk found whose source path or target is %s", target)
		return false
	}
	if err := c.detach(dom, found.serialize(0), flags, plain); err != nil {
		c.errorf("Failed to detach disk")
		return c.fail(err)
	}
	c.printExtra("Disk detached successfully\n")
	return true
}

func cmdDetachInterface(c *ctl, cmd *parsedCmd) bool {
	flags, plain, ok := c.deviceFlags(cmd)
	if !ok {
		return false
	}
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	typ, _ := cmd.str("type")
	mac, hasMAC := cmd.str("mac")
	flags = c.persistentLive(cmd, dom, flags)
	plain = plain && flags == 0
	doc, ok := c.domainXMLOf(dom, deviceXMLFlags(flags))
	if !ok {
		return false
	}
	// virshDomainDetachInterface: the type selects first, then the MAC;
	// whatever fails is followed by cmdDetachInterface's own line.
	var ofType []*xnode
	for _, i := range doc.path("devices").all("interface") {
		if i.attrStr("type") == typ {
			ofType = append(ofType, i)
		}
	}
	failed := func(format string, args ...any) bool {
		c.errorf(format, args...)
		c.errorf("Failed to detach interface")
		return false
	}
	if len(ofType) == 0 {
		return failed("No interface found whose type is %s", typ)
	}
	if !hasMAC && len(ofType) > 1 {
		return failed("Domain has %d interfaces. Please specify which one to detach using --mac", len(ofType))
	}
	matches := ofType
	if hasMAC {
		matches = nil
		for _, i := range ofType {
			if strings.EqualFold(i.child("mac").attrStr("address"), mac) {
				if len(matches) > 0 {
					return failed("Domain has multiple interfaces matching MAC address %s. You must use detach-device and specify the device pci address to remove it.", mac)
				}
				matches = append(matches, i)
			}
		}
		if len(matches) == 0 {
			return failed("No interface with MAC address %s was found", mac)
		}
	}
	if err := c.detach(dom, matches[0].serialize(0), flags, plain); err != nil {
		c.errorf("Failed to detach interface")
		return c.fail(err)
	}
	c.printExtra("Interface detached successfully\n")
	return true
}

func cmdDomifSetlink(c *ctl, cmd *parsedCmd) bool {
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	iface, _ := cmd.str("interface")
	state, _ := cmd.str("state")
	config := cmd.bool("config") || cmd.bool("persistent")
	if state != "up" && state != "down" {
		c.errorf("invalid link state '%s'", state)
		return false
	}
	var xflags virt.DomainXMLFlags
	var flags virt.DomainDeviceModifyFlags
	if config {
		xflags, flags = virt.DomainXMLInactive, virt.DomainDeviceModifyConfig
	} else {
		flags = virt.DomainDeviceModifyLive
	}
	if active, _ := dom.IsActive(c.ctx); !active && !config {
		flags = virt.DomainDeviceModifyConfig
		xflags = virt.DomainXMLInactive
	}
	doc, ok := c.domainXMLOf(dom, xflags)
	if !ok {
		return false
	}
	_, found := findInterfaces(doc, iface)
	if len(found) == 0 {
		c.errorf("Failed to extract interface information or no interfaces found")
		return false
	}
	if len(found) > 1 {
		c.errorf("multiple matching interfaces found")
		return false
	}
	n := found[0]
	link := n.child("link")
	if link == nil {
		link = &xnode{name: "link", parent: n}
		n.children = append(n.children, link)
	}
	replaced := false
	for i, a := range link.attrs {
		if a.Name.Local == "state" {
			link.attrs[i].Value = state
			replaced = true
		}
	}
	if !replaced {
		link.attrs = append(link.attrs, xmlAttr("state", state))
	}
	if err := dom.UpdateDeviceFlags(c.ctx, n.serialize(0), flags); err != nil {
		c.errorf("Failed to update interface link state")
		return c.fail(err)
	}
	c.printExtra("Device updated successfully\n")
	return true
}

func cmdChangeMedia(c *ctl, cmd *parsedCmd) bool {
	eject, insert, update := cmd.bool("eject"), cmd.bool("insert"), cmd.bool("update")
	for _, p := range [][2]string{{"eject", "insert"}, {"eject", "update"}, {"insert", "update"}, {"eject", "source"}, {"block", "eject"}} {
		if !c.exclusive(cmd, p[0], p[1]) {
			return false
		}
	}
	_, hasSource := cmd.str("source")
	if !eject && !insert && !update {
		update = true
		if !hasSource {
			eject = true
		}
	}
	if insert && !hasSource {
		c.errorf("No disk source specified for inserting")
		return false
	}
	flags, _, ok := c.deviceFlags(cmd)
	if !ok {
		return false
	}
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	path, _ := cmd.str("path")
	doc, ok := c.domainXMLOf(dom, deviceXMLFlags(flags))
	if !ok {
		return false
	}
	var found *xnode
	for _, d := range doc.path("devices").all("disk") {
		// virshFindDisk(VIRSH_FIND_DISK_CHANGEABLE) looks at removable
		// disks only.
		if dev := d.attrStr("device"); dev != "cdrom" && dev != "floppy" {
			continue
		}
		src, _ := d.child("source").firstAttr("file", "dev", "dir", "name", "volume", "path")
		if d.child("target").attrStr("dev") == path || src == path && src != "" {
			found = d
			break
		}
	}
	if found == nil {
		c.errorf("No disk found whose source path or target is %s", path)
		return false
	}
	dev := found.attrStr("device")
	if dev != "cdrom" && dev != "floppy" {
		c.errorf("The disk device '%s' is not removable", path)
		return false
	}
	action := "update"
	switch {
	case eject:
		action = "eject"
	case insert:
		action = "insert"
	}
	if err := dom.UpdateDeviceFlags(c.ctx, found.serialize(0), flags|virt.DomainDeviceModifyForce); err != nil {
		c.errorf("Failed to complete action %s on media", action)
		return c.fail(err)
	}
	switch action {
	case "eject":
		c.printExtra("Successfully ejected media.")
	case "insert":
		c.printExtra("Successfully inserted media.")
	default:
		c.printExtra("Successfully updated media.")
	}
	return true
}

func cmdUpdateMemoryDevice(c *ctl, cmd *parsedCmd) bool {
	flags, _, ok := c.deviceFlags(cmd)
	if !ok {
		return false
	}
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	doc, ok := c.domainXMLOf(dom, deviceXMLFlags(flags))
	if !ok {
		return false
	}
	var mems []*xnode
	alias, hasAlias := cmd.str("alias")
	for _, m := range doc.path("devices").all("memory") {
		if hasAlias && m.child("alias").attrStr("name") != alias {
			continue
		}
		mems = append(mems, m)
	}
	if len(mems) == 0 {
		c.errorf("no memory device found")
		return false
	}
	if len(mems) > 1 {
		c.errorf("multiple memory devices found, use --alias or --node to select one")
		return false
	}
	if err := dom.UpdateDeviceFlags(c.ctx, mems[0].serialize(0), flags); err != nil {
		return c.fail(err)
	}
	return true
}
