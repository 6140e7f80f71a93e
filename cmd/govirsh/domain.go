package main

import (
	"errors"
	"os"
	"syscall"

	"github.com/govirt/govirt/virt"
)

func init() {
	register(
		&cmdDef{name: "attach-device", needsConn: true, run: cmdAttachDevice},
		&cmdDef{name: "attach-disk", needsConn: true, run: cmdAttachDisk},
		&cmdDef{name: "attach-interface", needsConn: true, run: cmdAttachInterface},
		&cmdDef{name: "autostart", needsConn: true, run: cmdAutostart},
		&cmdDef{name: "blkdeviotune", needsConn: true, run: cmdBlkdeviotune},
		&cmdDef{name: "blkiotune", needsConn: true, run: cmdBlkiotune},
		&cmdDef{name: "blockcommit", needsConn: true, run: cmdBlockcommit},
		&cmdDef{name: "blockcopy", needsConn: true, run: cmdBlockcopy},
		&cmdDef{name: "blockjob", needsConn: true, run: cmdBlockjob},
		&cmdDef{name: "blockpull", needsConn: true, run: cmdBlockpull},
		&cmdDef{name: "blockresize", needsConn: true, run: cmdBlockresize},
		&cmdDef{name: "change-media", needsConn: true, run: cmdChangeMedia},
		&cmdDef{name: "console", needsConn: true, run: cmdConsole},
		&cmdDef{name: "cpu-stats", needsConn: true, run: cmdCpuStats},
		&cmdDef{name: "create", needsConn: true, run: cmdCreate},
		&cmdDef{name: "define", needsConn: true, run: cmdDefine},
		&cmdDef{name: "desc", needsConn: true, run: cmdDesc},
		&cmdDef{name: "destroy", needsConn: true, run: cmdDestroy},
		&cmdDef{name: "detach-device", needsConn: true, run: cmdDetachDevice},
		&cmdDef{name: "detach-device-alias", needsConn: true, run: cmdDetachDeviceAlias},
		&cmdDef{name: "detach-disk", needsConn: true, run: cmdDetachDisk},
		&cmdDef{name: "detach-interface", needsConn: true, run: cmdDetachInterface},
		&cmdDef{name: "domdisplay", needsConn: true, run: cmdDomdisplay},
		&cmdDef{name: "domfsfreeze", needsConn: true, run: cmdDomfsfreeze},
		&cmdDef{name: "domfsthaw", needsConn: true, run: cmdDomfsthaw},
		&cmdDef{name: "domfsinfo", needsConn: true, run: cmdDomfsinfo},
		&cmdDef{name: "domfstrim", needsConn: true, run: cmdDomfstrim},
		&cmdDef{name: "domhostname", needsConn: true, run: cmdDomhostname},
		&cmdDef{name: "domid", needsConn: true, run: cmdDomid},
		&cmdDef{name: "domif-setlink", needsConn: true, run: cmdDomifSetlink},
		&cmdDef{name: "domiftune", needsConn: true, run: cmdDomiftune},
		&cmdDef{name: "domjobabort", needsConn: true, run: cmdDomjobabort},
		&cmdDef{name: "domjobinfo", needsConn: true, run: cmdDomjobinfo},
		&cmdDef{name: "domlaunchsecinfo", needsConn: true, run: cmdDomlaunchsecinfo},
		&cmdDef{name: "domsetlaunchsecstate", needsConn: true, run: cmdDomsetlaunchsecstate},
		&cmdDef{name: "domname", needsConn: true, run: cmdDomname},
		&cmdDef{name: "domrename", needsConn: true, run: cmdDomrename},
		&cmdDef{name: "dompmsuspend", needsConn: true, run: cmdDompmsuspend},
		&cmdDef{name: "dompmwakeup", needsConn: true, run: cmdDompmwakeup},
		&cmdDef{name: "domuuid", needsConn: true, run: cmdDomuuid},
		&cmdDef{name: "domxml-from-native", needsConn: true, run: cmdDomxmlFromNative},
		&cmdDef{name: "domxml-to-native", needsConn: true, run: cmdDomxmlToNative},
		&cmdDef{name: "dump", needsConn: true, run: cmdDump},
		&cmdDef{name: "dumpxml", needsConn: true, run: cmdDumpxml},
		&cmdDef{name: "edit", needsConn: true, run: cmdEdit},
		&cmdDef{name: "get-user-sshkeys", needsConn: true, run: cmdGetUserSshkeys},
		&cmdDef{name: "inject-nmi", needsConn: true, run: cmdInjectNmi},
		&cmdDef{name: "iothreadinfo", needsConn: true, run: cmdIothreadinfo},
		&cmdDef{name: "iothreadpin", needsConn: true, run: cmdIothreadpin},
		&cmdDef{name: "iothreadadd", needsConn: true, run: cmdIothreadadd},
		&cmdDef{name: "iothreadset", needsConn: true, run: cmdIothreadset},
		&cmdDef{name: "iothreaddel", needsConn: true, run: cmdIothreaddel},
		&cmdDef{name: "send-key", needsConn: true, run: cmdSendKey},
		&cmdDef{name: "send-process-signal", needsConn: true, run: cmdSendProcessSignal},
		&cmdDef{name: "lxc-enter-namespace", needsConn: true, run: cmdLxcEnterNamespace},
		&cmdDef{name: "managedsave", needsConn: true, run: cmdManagedsave},
		&cmdDef{name: "managedsave-remove", needsConn: true, run: cmdManagedsaveRemove},
		&cmdDef{name: "managedsave-edit", needsConn: true, run: cmdManagedsaveEdit},
		&cmdDef{name: "managedsave-dumpxml", needsConn: true, run: cmdManagedsaveDumpxml},
		&cmdDef{name: "managedsave-define", needsConn: true, run: cmdManagedsaveDefine},
		&cmdDef{name: "memtune", needsConn: true, run: cmdMemtune},
		&cmdDef{name: "perf", needsConn: true, run: cmdPerf},
		&cmdDef{name: "metadata", needsConn: true, run: cmdMetadata},
		&cmdDef{name: "migrate", needsConn: true, run: cmdMigrate},
		&cmdDef{name: "migrate-setmaxdowntime", needsConn: true, run: cmdMigrateSetmaxdowntime},
		&cmdDef{name: "migrate-getmaxdowntime", needsConn: true, run: cmdMigrateGetmaxdowntime},
		&cmdDef{name: "migrate-compcache", needsConn: true, run: cmdMigrateCompcache},
		&cmdDef{name: "migrate-setspeed", needsConn: true, run: cmdMigrateSetspeed},
		&cmdDef{name: "migrate-getspeed", needsConn: true, run: cmdMigrateGetspeed},
		&cmdDef{name: "migrate-postcopy", needsConn: true, run: cmdMigratePostcopy},
		&cmdDef{name: "numatune", needsConn: true, run: cmdNumatune},
		&cmdDef{name: "qemu-attach", needsConn: true, run: cmdQemuAttach},
		&cmdDef{name: "qemu-monitor-command", needsConn: true, run: cmdQemuMonitorCommand},
		&cmdDef{name: "qemu-monitor-event", needsConn: true, run: cmdQemuMonitorEvent},
		&cmdDef{name: "qemu-agent-command", needsConn: true, run: cmdQemuAgentCommand},
		&cmdDef{name: "guest-agent-timeout", needsConn: true, run: cmdGuestAgentTimeout},
		&cmdDef{name: "reboot", needsConn: true, run: cmdReboot},
		&cmdDef{name: "reset", needsConn: true, run: cmdReset},
		&cmdDef{name: "restore", needsConn: true, run: cmdRestore},
		&cmdDef{name: "resume", needsConn: true, run: cmdResume},
		&cmdDef{name: "save", needsConn: true, run: cmdSave},
		&cmdDef{name: "save-image-define", needsConn: true, run: cmdSaveImageDefine},
		&cmdDef{name: "save-image-dumpxml", needsConn: true, run: cmdSaveImageDumpxml},
		&cmdDef{name: "save-image-edit", needsConn: true, run: cmdSaveImageEdit},
		&cmdDef{name: "schedinfo", needsConn: true, run: cmdSchedinfo},
		&cmdDef{name: "screenshot", needsConn: true, run: cmdScreenshot},
		&cmdDef{name: "set-lifecycle-action", needsConn: true, run: cmdSetLifecycleAction},
		&cmdDef{name: "set-user-sshkeys", needsConn: true, run: cmdSetUserSshkeys},
		&cmdDef{name: "set-user-password", needsConn: true, run: cmdSetUserPassword},
		&cmdDef{name: "setmaxmem", needsConn: true, run: cmdSetmaxmem},
		&cmdDef{name: "setmem", needsConn: true, run: cmdSetmem},
		&cmdDef{name: "setvcpus", needsConn: true, run: cmdSetvcpus},
		&cmdDef{name: "shutdown", needsConn: true, run: cmdShutdown},
		&cmdDef{name: "start", needsConn: true, run: cmdStart},
		&cmdDef{name: "suspend", needsConn: true, run: cmdSuspend},
		&cmdDef{name: "ttyconsole", needsConn: true, run: cmdTtyconsole},
		&cmdDef{name: "undefine", needsConn: true, run: cmdUndefine},
		&cmdDef{name: "update-device", needsConn: true, run: cmdUpdateDevice},
		&cmdDef{name: "update-memory-device", needsConn: true, run: cmdUpdateMemoryDevice},
		&cmdDef{name: "vcpucount", needsConn: true, run: cmdVcpucount},
		&cmdDef{name: "vcpuinfo", needsConn: true, run: cmdVcpuinfo},
		&cmdDef{name: "vcpupin", needsConn: true, run: cmdVcpupin},
		&cmdDef{name: "emulatorpin", needsConn: true, run: cmdEmulatorpin},
		&cmdDef{name: "vncdisplay", needsConn: true, run: cmdVncdisplay},
		&cmdDef{name: "guestvcpus", needsConn: true, run: cmdGuestvcpus},
		&cmdDef{name: "setvcpu", needsConn: true, run: cmdSetvcpu},
		&cmdDef{name: "domblkthreshold", needsConn: true, run: cmdDomblkthreshold},
		&cmdDef{name: "guestinfo", needsConn: true, run: cmdGuestinfo},
		&cmdDef{name: "domdirtyrate-calc", needsConn: true, run: cmdDomdirtyrateCalc},
		&cmdDef{name: "dom-fd-associate", needsConn: true, run: cmdDomFdAssociate},
	)
}

func isNoSupport(err error) bool { return errors.Is(err, virt.ErrNoSupport) }

// readFile reads a file as virFileReadAll does, with its error wording.
func readFile(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		var errno syscall.Errno
		msg := err.Error()
		if errors.As(err, &errno) {
			msg = errnoString(errno)
		}
		return nil, errors.New("Failed to open file '" + path + "': " + msg)
	}
	return data, nil
}

// errnoString is strerror's wording (Go's is lower-case).
func errnoString(e syscall.Errno) string {
	s := e.Error()
	if s == "" {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

func cmdDefine(c *ctl, cmd *parsedCmd) bool {
	file, _ := cmd.str("file")
	data, err := readFile(file)
	if err != nil {
		return c.fail(err)
	}
	var flags virt.DomainDefineFlags
	if cmd.bool("validate") {
		flags |= virt.DomainDefineValidate
	}
	dom, err := c.conn.DefineDomainXML(c.ctx, string(data), flags)
	if err != nil {
		c.errorf("Failed to define domain from %s", file)
		return c.fail(err)
	}
	c.printExtra("Domain '%s' defined from %s\n", dom.Name(), file)
	return true
}

func cmdDestroy(c *ctl, cmd *parsedCmd) bool {
	dom, name := c.domainArg(cmd, "domain", byID|byUUID|byName)
	if dom == nil {
		return false
	}
	var flags virt.DomainDestroyFlags
	if cmd.bool("graceful") {
		flags |= virt.DomainDestroyGraceful
	}
	if err := dom.Destroy(c.ctx, flags); err != nil {
		c.errorf("Failed to destroy domain '%s'", name)
		return c.fail(err)
	}
	c.printExtra("Domain '%s' destroyed\n", name)
	return true
}

func cmdDumpxml(c *ctl, cmd *parsedCmd) bool {
	dom, _ := c.domainArg(cmd, "domain", byID|byUUID|byName)
	if dom == nil {
		return false
	}
	var flags virt.DomainXMLFlags
	if cmd.bool("inactive") {
		flags |= virt.DomainXMLInactive
	}
	if cmd.bool("security-info") {
		flags |= virt.DomainXMLSecure
	}
	if cmd.bool("update-cpu") {
		flags |= virt.DomainXMLUpdateCPU
	}
	if cmd.bool("migratable") {
		flags |= virt.DomainXMLMigratable
	}
	xml, err := dom.XMLDesc(c.ctx, flags)
	if err != nil {
		return c.fail(err)
	}
	return c.printXPath(cmd, xml)
}

func cmdStart(c *ctl, cmd *parsedCmd) bool {
	dom, _ := c.domainArg(cmd, "domain", byUUID|byName)
	if dom == nil {
		return false
	}
	if dom.ID() >= 0 {
		c.errorf("Domain is already active")
		return false
	}
	var flags virt.DomainCreateFlags
	for _, f := range []struct {
		opt  string
		flag virt.DomainCreateFlags
	}{
		{"paused", virt.DomainStartPaused}, {"autodestroy", virt.DomainStartAutodestroy},
		{"bypass-cache", virt.DomainStartBypassCache}, {"force-boot", virt.DomainStartForceBoot},
		{"reset-nvram", virt.DomainStartResetNVRAM},
	} {
		if cmd.bool(f.opt) {
			flags |= f.flag
		}
	}
	if err := dom.Create(c.ctx, flags); err != nil {
		c.errorf("Failed to start domain '%s'", dom.Name())
		return c.fail(err)
	}
	c.printExtra("Domain '%s' started\n", dom.Name())
	return true
}

func cmdUndefine(c *ctl, cmd *parsedCmd) bool {
	dom, name := c.domainArg(cmd, "domain", byID|byUUID|byName)
	if dom == nil {
		return false
	}
	var flags virt.DomainUndefineFlags
	for _, f := range []struct {
		opt  string
		flag virt.DomainUndefineFlags
	}{
		{"managed-save", virt.DomainUndefineManagedSave}, {"snapshots-metadata", virt.DomainUndefineSnapshotsMetadata},
		{"checkpoints-metadata", virt.DomainUndefineCheckpointsMetadata}, {"nvram", virt.DomainUndefineNVRAM},
		{"keep-nvram", virt.DomainUndefineKeepNVRAM}, {"tpm", virt.DomainUndefineTPM}, {"keep-tpm", virt.DomainUndefineKeepTPM},
	} {
		if cmd.bool(f.opt) {
			flags |= f.flag
		}
	}
	// cmdUndefine drops the managed-save and snapshot flags when the
	// domain has nothing of that kind.
	if flags&virt.DomainUndefineManagedSave != 0 {
		if has, err := dom.HasManagedSaveImage(c.ctx); err == nil && !has || isNoSupport(err) {
			flags &^= virt.DomainUndefineManagedSave
		}
	}
	if flags&virt.DomainUndefineSnapshotsMetadata != 0 {
		if n, err := dom.SnapshotNum(c.ctx, 0); err == nil && n == 0 || isNoSupport(err) {
			flags &^= virt.DomainUndefineSnapshotsMetadata
		}
	}
	// The checkpoint flag stays, but a driver refusing it may undefine a
	// domain without checkpoints the plain way.
	checkpointsSafe := false
	if flags&virt.DomainUndefineCheckpointsMetadata != 0 {
		list, err := dom.ListAllCheckpoints(c.ctx, 0)
		checkpointsSafe = err == nil && len(list) == 0 || isNoSupport(err)
	}
	err := dom.UndefineFlags(c.ctx, flags)
	if err != nil && checkpointsSafe && flags == virt.DomainUndefineCheckpointsMetadata &&
		(isNoSupport(err) || isErrorCode(err, virt.ErrInvalidArg)) {
		err = dom.Undefine(c.ctx, 0)
	}
	if err != nil {
		c.errorf("Failed to undefine domain '%s'", name)
		return c.fail(err)
	}
	c.printExtra("Domain '%s' has been undefined\n", name)
	return true
}
