package main

import (
	"os"
	"strconv"
	"strings"

	"github.com/govirt/govirt/virt"
)

// Lifecycle commands of the "Domain Management" group, worded as
// virsh-domain.c words them.

// passFDs checks --pass-fds as virsh does (the descriptors are this
// process's; govirt has no way to hand them over, so only the syntax is
// checked).
func (c *ctl) passFDs(cmd *parsedCmd) bool {
	s, ok := cmd.str("pass-fds")
	if !ok {
		return true
	}
	for _, f := range strings.Split(s, ",") {
		if _, err := strconv.ParseUint(f, 10, 31); err != nil {
			c.errorf("Unable to parse FD number '%s'", f)
			return false
		}
	}
	return true
}

func cmdCreate(c *ctl, cmd *parsedCmd) bool {
	file, _ := cmd.str("file")
	data, err := readFile(file)
	if err != nil {
		return c.fail(err)
	}
	if !c.passFDs(cmd) {
		return false
	}
	var flags virt.DomainCreateFlags
	for _, f := range []struct {
		opt  string
		flag virt.DomainCreateFlags
	}{
		{"paused", virt.DomainStartPaused}, {"autodestroy", virt.DomainStartAutodestroy},
		{"validate", virt.DomainStartValidate}, {"reset-nvram", virt.DomainStartResetNVRAM},
	} {
		if cmd.bool(f.opt) {
			flags |= f.flag
		}
	}
	dom, err := c.conn.CreateDomainXML(c.ctx, string(data), flags)
	if err != nil {
		c.errorf("Failed to create domain from %s", file)
		return c.fail(err)
	}
	c.printExtra("Domain '%s' created from %s\n", dom.Name(), file)
	if cmd.bool("console") {
		return c.runConsole(dom, "", false, false)
	}
	return true
}

func cmdAutostart(c *ctl, cmd *parsedCmd) bool {
	dom, name := c.domain(cmd)
	if dom == nil {
		return false
	}
	disable := cmd.bool("disable")
	if err := dom.SetAutostart(c.ctx, !disable); err != nil {
		if disable {
			c.errorf("Failed to unmark domain '%s' as autostarted", name)
		} else {
			c.errorf("Failed to mark domain '%s' as autostarted", name)
		}
		return c.fail(err)
	}
	if disable {
		c.printExtra("Domain '%s' unmarked as autostarted\n", name)
	} else {
		c.printExtra("Domain '%s' marked as autostarted\n", name)
	}
	return true
}

func cmdDomid(c *ctl, cmd *parsedCmd) bool {
	dom, _ := c.domainArg(cmd, "domain", byName|byUUID)
	if dom == nil {
		return false
	}
	if dom.ID() < 0 {
		c.print("%s\n", "-")
	} else {
		c.print("%d\n", dom.ID())
	}
	return true
}

func cmdDomname(c *ctl, cmd *parsedCmd) bool {
	dom, _ := c.domainArg(cmd, "domain", byID|byUUID)
	if dom == nil {
		return false
	}
	c.print("%s\n", dom.Name())
	return true
}

func cmdDomuuid(c *ctl, cmd *parsedCmd) bool {
	dom, _ := c.domainArg(cmd, "domain", byName|byID)
	if dom == nil {
		return false
	}
	c.print("%s\n", dom.UUIDString())
	return true
}

func cmdSuspend(c *ctl, cmd *parsedCmd) bool {
	dom, name := c.domain(cmd)
	if dom == nil {
		return false
	}
	if err := dom.Suspend(c.ctx); err != nil {
		c.errorf("Failed to suspend domain '%s'", name)
		return c.fail(err)
	}
	c.printExtra("Domain '%s' suspended\n", name)
	return true
}

func cmdResume(c *ctl, cmd *parsedCmd) bool {
	dom, name := c.domain(cmd)
	if dom == nil {
		return false
	}
	if err := dom.Resume(c.ctx); err != nil {
		c.errorf("Failed to resume domain '%s'", name)
		return c.fail(err)
	}
	c.printExtra("Domain '%s' resumed\n", name)
	return true
}

// shutdownModes reads --mode of shutdown and reboot: a comma-separated
// list whose flags share values between the two APIs.
func (c *ctl) shutdownModes(cmd *parsedCmd, reboot bool) (uint32, bool) {
	s, ok := cmd.str("mode")
	if !ok {
		return 0, true
	}
	var flags uint32
	for _, m := range strings.Split(s, ",") {
		switch m {
		case "acpi":
			flags |= uint32(virt.DomainShutdownAcpiPowerBtn)
		case "agent":
			flags |= uint32(virt.DomainShutdownGuestAgent)
		case "initctl":
			flags |= uint32(virt.DomainShutdownInitctl)
		case "signal":
			flags |= uint32(virt.DomainShutdownSignal)
		case "paravirt":
			flags |= uint32(virt.DomainShutdownParavirt)
		default:
			if reboot {
				c.errorf("Unknown mode %s value, expecting 'acpi', 'agent', 'initctl', 'signal' or 'paravirt'", m)
			} else {
				c.errorf("Unknown mode %s value, expecting 'acpi', 'agent', 'initctl', 'signal', or 'paravirt'", m)
			}
			return 0, false
		}
	}
	return flags, true
}

func cmdShutdown(c *ctl, cmd *parsedCmd) bool {
	flags, ok := c.shutdownModes(cmd, false)
	if !ok {
		return false
	}
	dom, name := c.domain(cmd)
	if dom == nil {
		return false
	}
	if err := dom.Shutdown(c.ctx, virt.DomainShutdownFlags(flags)); err != nil {
		c.errorf("Failed to shutdown domain '%s'", name)
		return c.fail(err)
	}
	c.printExtra("Domain '%s' is being shutdown\n", name)
	return true
}

func cmdReboot(c *ctl, cmd *parsedCmd) bool {
	flags, ok := c.shutdownModes(cmd, true)
	if !ok {
		return false
	}
	dom, name := c.domain(cmd)
	if dom == nil {
		return false
	}
	if err := dom.Reboot(c.ctx, virt.DomainRebootFlags(flags)); err != nil {
		c.errorf("Failed to reboot domain '%s'", name)
		return c.fail(err)
	}
	c.printExtra("Domain '%s' is being rebooted\n", name)
	return true
}

func cmdReset(c *ctl, cmd *parsedCmd) bool {
	dom, name := c.domain(cmd)
	if dom == nil {
		return false
	}
	if err := dom.Reset(c.ctx, 0); err != nil {
		c.errorf("Failed to reset domain '%s'", name)
		return c.fail(err)
	}
	c.printExtra("Domain '%s' was reset\n", name)
	return true
}

// saveFlags reads the options save, restore and managedsave share.
func saveFlags(cmd *parsedCmd) virt.DomainSaveRestoreFlags {
	var flags virt.DomainSaveRestoreFlags
	if cmd.bool("bypass-cache") {
		flags |= virt.DomainSaveBypassCache
	}
	if cmd.bool("running") {
		flags |= virt.DomainSaveRunning
	}
	if cmd.bool("paused") {
		flags |= virt.DomainSavePaused
	}
	if cmd.bool("reset-nvram") {
		flags |= virt.DomainSaveResetNVRAM
	}
	return flags
}

// xmlOption reads the file an --xml option names.
func (c *ctl) xmlOption(cmd *parsedCmd) (string, bool) {
	path, ok := cmd.str("xml")
	if !ok {
		return "", true
	}
	data, err := readFile(path)
	if err != nil {
		return "", c.fail(err)
	}
	return string(data), true
}

func cmdSave(c *ctl, cmd *parsedCmd) bool {
	dom, name := c.domain(cmd)
	if dom == nil {
		return false
	}
	to, _ := cmd.str("file")
	flags := saveFlags(cmd)
	xml, ok := c.xmlOption(cmd)
	if !ok {
		return false
	}
	if err := dom.Save(c.ctx, to, xml, flags); err != nil {
		c.errorf("Failed to save domain '%s' to %s", name, to)
		return c.fail(err)
	}
	c.printExtra("\nDomain '%s' saved to %s\n", name, to)
	return true
}

func cmdRestore(c *ctl, cmd *parsedCmd) bool {
	from, _ := cmd.str("file")
	flags := saveFlags(cmd)
	xml, ok := c.xmlOption(cmd)
	if !ok {
		return false
	}
	if err := c.conn.RestoreDomain(c.ctx, from, xml, flags); err != nil {
		c.errorf("Failed to restore domain from %s", from)
		return c.fail(err)
	}
	c.printExtra("Domain restored from %s\n", from)
	return true
}

func cmdManagedsave(c *ctl, cmd *parsedCmd) bool {
	dom, name := c.domain(cmd)
	if dom == nil {
		return false
	}
	if err := dom.ManagedSave(c.ctx, saveFlags(cmd)); err != nil {
		c.errorf("Failed to save domain '%s' state", name)
		return c.fail(err)
	}
	c.printExtra("\nDomain '%s' state saved by libvirt\n", name)
	return true
}

func cmdManagedsaveRemove(c *ctl, cmd *parsedCmd) bool {
	dom, name := c.domain(cmd)
	if dom == nil {
		return false
	}
	has, err := dom.HasManagedSaveImage(c.ctx)
	if err != nil {
		c.errorf("Failed to check for domain managed save image")
		return c.fail(err)
	}
	if !has {
		c.printExtra("Domain '%s' has no manage save image; removal skipped", name)
		return true
	}
	if err := dom.ManagedSaveRemove(c.ctx, 0); err != nil {
		c.errorf("Failed to remove managed save image for domain '%s'", name)
		return c.fail(err)
	}
	c.printExtra("Removed managedsave image for domain '%s'", name)
	return true
}

func saveImageXMLFlags(cmd *parsedCmd) virt.DomainSaveImageXMLFlags {
	if cmd.bool("security-info") {
		return virt.DomainSaveImageXMLSecure
	}
	return 0
}

func cmdManagedsaveDumpxml(c *ctl, cmd *parsedCmd) bool {
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	xml, err := dom.ManagedSaveXMLDesc(c.ctx, saveImageXMLFlags(cmd))
	if err != nil {
		return c.fail(err)
	}
	return c.printXPath(cmd, xml)
}

func cmdManagedsaveDefine(c *ctl, cmd *parsedCmd) bool {
	if !c.exclusive(cmd, "running", "paused") {
		return false
	}
	dom, name := c.domain(cmd)
	if dom == nil {
		return false
	}
	file, _ := cmd.str("xml")
	data, err := readFile(file)
	if err != nil {
		return c.fail(err)
	}
	if err := dom.ManagedSaveDefineXML(c.ctx, string(data), saveFlags(cmd)); err != nil {
		c.errorf("Failed to update %s XML configuration", name)
		return c.fail(err)
	}
	c.printExtra("Managed save state file of domain '%s' updated.\n", name)
	return true
}

func cmdManagedsaveEdit(c *ctl, cmd *parsedCmd) bool {
	if !c.exclusive(cmd, "running", "paused") {
		return false
	}
	dom, name := c.domain(cmd)
	if dom == nil {
		return false
	}
	flags := saveFlags(cmd)
	return c.editLoop(editSpec{
		get: func() (string, error) { return dom.ManagedSaveXMLDesc(c.ctx, virt.DomainSaveImageXMLSecure) },
		notChanged: func() {
			c.printExtra("Managed save image of domain '%s' XML configuration not changed.\n", name)
		},
		define: func(doc string) error { return dom.ManagedSaveDefineXML(c.ctx, doc, flags) },
		edited: func() { c.printExtra("Managed save image of Domain '%s' XML configuration edited.\n", name) },
	})
}

// absFilePath is virFileAbsPath, which libvirt's public save-image calls
// apply before the path reaches a driver (a daemon reads it elsewhere):
// a relative path is joined to the working directory, uncleaned.
func absFilePath(path string) string {
	if strings.HasPrefix(path, "/") {
		return path
	}
	wd, err := os.Getwd()
	if err != nil {
		return path
	}
	return wd + "/" + path
}

func cmdSaveImageDumpxml(c *ctl, cmd *parsedCmd) bool {
	file, _ := cmd.str("file")
	xml, err := c.conn.SaveImageXMLDesc(c.ctx, absFilePath(file), saveImageXMLFlags(cmd))
	if err != nil {
		return c.fail(err)
	}
	return c.printXPath(cmd, xml)
}

func cmdSaveImageDefine(c *ctl, cmd *parsedCmd) bool {
	if !c.exclusive(cmd, "running", "paused") {
		return false
	}
	file, _ := cmd.str("file")
	xmlFile, _ := cmd.str("xml")
	data, err := readFile(xmlFile)
	if err != nil {
		return c.fail(err)
	}
	if err := c.conn.SaveImageDefineXML(c.ctx, absFilePath(file), string(data), saveFlags(cmd)); err != nil {
		c.errorf("Failed to update %s", file)
		return c.fail(err)
	}
	c.printExtra("State file %s updated.\n", file)
	return true
}

func cmdSaveImageEdit(c *ctl, cmd *parsedCmd) bool {
	if !c.exclusive(cmd, "running", "paused") {
		return false
	}
	file, _ := cmd.str("file")
	flags := saveFlags(cmd)
	return c.editLoop(editSpec{
		get: func() (string, error) {
			return c.conn.SaveImageXMLDesc(c.ctx, absFilePath(file), virt.DomainSaveImageXMLSecure)
		},
		notChanged: func() { c.printExtra("Saved image %s XML configuration not changed.\n", file) },
		define:     func(doc string) error { return c.conn.SaveImageDefineXML(c.ctx, absFilePath(file), doc, flags) },
		edited:     func() { c.printExtra("State file %s edited.\n", file) },
	})
}

func cmdDomrename(c *ctl, cmd *parsedCmd) bool {
	dom, _ := c.domainArg(cmd, "domain", byName|byUUID)
	if dom == nil {
		return false
	}
	name, _ := cmd.str("new-name")
	if err := dom.Rename(c.ctx, name, 0); err != nil {
		return c.fail(err)
	}
	c.printExtra("Domain successfully renamed\n")
	return true
}

var dumpFormats = []string{"raw", "kdump-zlib", "kdump-lzo", "kdump-snappy", "elf", "win-dmp"}

func cmdDump(c *ctl, cmd *parsedCmd) bool {
	dom, name := c.domain(cmd)
	if dom == nil {
		return false
	}
	to, _ := cmd.str("file")
	var flags virt.DomainCoreDumpFlags
	for _, f := range []struct {
		opt  string
		flag virt.DomainCoreDumpFlags
	}{
		{"live", virt.DumpLive}, {"crash", virt.DumpCrash}, {"bypass-cache", virt.DumpBypassCache},
		{"reset", virt.DumpReset}, {"memory-only", virt.DumpMemoryOnly},
	} {
		if cmd.bool(f.opt) {
			flags |= f.flag
		}
	}
	format := virt.DomainCoreDumpFormatRaw
	if s, ok := cmd.str("format"); ok {
		if flags&virt.DumpMemoryOnly == 0 {
			c.errorf("--format only works with --memory-only")
			return false
		}
		found := false
		for i, f := range dumpFormats {
			if f == s && i > 0 {
				format, found = virt.DomainCoreDumpFormat(i), true
			}
		}
		if !found {
			c.errorf("format '%s' is not supported, expecting 'kdump-zlib', 'kdump-lzo', 'kdump-snappy', 'win-dmp' or 'elf'", s)
			return false
		}
	}
	if err := dom.CoreDump(c.ctx, to, format, flags); err != nil {
		c.errorf("Failed to core dump domain '%s' to %s", name, to)
		return c.fail(err)
	}
	c.printExtra("\nDomain '%s' dumped to %s\n", name, to)
	return true
}

func cmdScreenshot(c *ctl, cmd *parsedCmd) bool {
	dom, name := c.domain(cmd)
	if dom == nil {
		return false
	}
	screen, _, ok := c.optUInt(cmd, "screen")
	if !ok {
		return false
	}
	mime, st, err := dom.Screenshot(c.ctx, screen, 0)
	if err != nil {
		c.errorf("could not take a screenshot of %s", name)
		return c.fail(err)
	}
	file, given := cmd.str("file")
	if !given {
		ext := ""
		switch mime {
		case "image/x-portable-pixmap":
			ext = ".ppm"
		case "image/png":
			ext = ".png"
		}
		file = name + "-" + screenshotStamp() + ext
	}
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
	if err != nil && os.IsExist(err) {
		f, err = os.OpenFile(file, os.O_WRONLY|os.O_TRUNC, 0o666)
	}
	if err != nil {
		c.errorf("cannot create file %s", file)
		_ = st.Abort(c.ctx)
		return false
	}
	buf := make([]byte, 64*1024)
	for {
		n, err := st.Recv(c.ctx, buf)
		if n > 0 {
			if _, werr := f.Write(buf[:n]); werr != nil {
				f.Close()
				os.Remove(file)
				c.errorf("could not receive data from domain %s", name)
				return false
			}
		}
		if err != nil || n == 0 {
			if err != nil {
				f.Close()
				os.Remove(file)
				c.errorf("could not receive data from domain %s", name)
				return c.fail(err)
			}
			break
		}
	}
	if err := f.Close(); err != nil {
		c.errorf("cannot close file %s", file)
		return false
	}
	if err := st.Finish(c.ctx); err != nil {
		c.errorf("cannot close stream on domain %s", name)
		return c.fail(err)
	}
	c.print("Screenshot saved to %s, with type of %s", file, mime)
	return true
}

func cmdInjectNmi(c *ctl, cmd *parsedCmd) bool {
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	if err := dom.InjectNMI(c.ctx, 0); err != nil {
		return c.fail(err)
	}
	return true
}

func cmdDompmsuspend(c *ctl, cmd *parsedCmd) bool {
	dom, name := c.domain(cmd)
	if dom == nil {
		return false
	}
	duration, _, ok := c.optULongLong(cmd, "duration")
	if !ok {
		return false
	}
	target, _ := cmd.str("target")
	var t virt.NodeSuspendTarget
	switch target {
	case "mem":
		t = virt.NodeSuspendTargetMem
	case "disk":
		t = virt.NodeSuspendTargetDisk
	case "hybrid":
		t = virt.NodeSuspendTargetHybrid
	default:
		c.errorf("Invalid target")
		return false
	}
	if err := dom.PMSuspendForDuration(c.ctx, t, duration, 0); err != nil {
		c.errorf("Domain '%s' could not be suspended", name)
		return c.fail(err)
	}
	c.printExtra("Domain '%s' successfully suspended", name)
	return true
}

func cmdDompmwakeup(c *ctl, cmd *parsedCmd) bool {
	dom, name := c.domain(cmd)
	if dom == nil {
		return false
	}
	if err := dom.PMWakeup(c.ctx, 0); err != nil {
		c.errorf("Domain '%s' could not be woken up", name)
		return c.fail(err)
	}
	c.printExtra("Domain '%s' successfully woken up", name)
	return true
}

func cmdEdit(c *ctl, cmd *parsedCmd) bool {
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	defineFlags := virt.DomainDefineValidate
	if cmd.bool("skip-validate") {
		defineFlags = 0
	}
	var edited *virt.Domain
	return c.editLoop(editSpec{
		get: func() (string, error) {
			return dom.XMLDesc(c.ctx, virt.DomainXMLSecure|virt.DomainXMLInactive)
		},
		notChanged: func() { c.printExtra("Domain '%s' XML configuration not changed.\n", dom.Name()) },
		define: func(doc string) error {
			d, err := c.conn.DefineDomainXML(c.ctx, doc, defineFlags)
			if err != nil && errCode(err) == virt.ErrNoSupport && defineFlags == virt.DomainDefineValidate {
				d, err = c.conn.DefineDomainXML(c.ctx, doc, 0)
			}
			edited = d
			return err
		},
		edited: func() {
			name, ok := "", edited != nil
			if ok {
				name = edited.Name()
			}
			c.printExtra("Domain '%s' XML configuration edited.\n", nullName(name, ok))
		},
	})
}

func cmdSetLifecycleAction(c *ctl, cmd *parsedCmd) bool {
	flags, ok := c.affectFlags(cmd)
	if !ok {
		return false
	}
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	typ, _ := cmd.str("type")
	act, _ := cmd.str("action")
	types := []string{"poweroff", "reboot", "crash"}
	actions := []string{"destroy", "restart", "rename-restart", "preserve", "coredump-destroy", "coredump-restart"}
	ti, ai := domIndexOf(types, typ), domIndexOf(actions, act)
	if ti < 0 {
		c.errorf("Invalid lifecycle type '%s'.", typ)
		return false
	}
	if ai < 0 {
		c.errorf("Invalid lifecycle action '%s'.", act)
		return false
	}
	if err := dom.SetLifecycleAction(c.ctx, virt.DomainLifecycle(ti), virt.DomainLifecycleAction(ai), flags); err != nil {
		c.errorf("Unable to change lifecycle action.")
		return c.fail(err)
	}
	return true
}

func domIndexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}
