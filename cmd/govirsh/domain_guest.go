package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/govirt/govirt/virt"
)

// Guest agent, job, block job, migration-tuning and hypervisor-specific
// commands.

func cmdDomfsinfo(c *ctl, cmd *parsedCmd) bool {
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	infos, err := dom.FSInfo(c.ctx, 0)
	if err != nil {
		c.errorf("Unable to get filesystem information")
		return c.fail(err)
	}
	if len(infos) == 0 {
		return true
	}
	t := newTable("Mountpoint", "Name", "Type", "Target")
	for _, fs := range infos {
		t.add(fs.Mountpoint, fs.Name, fs.FSType, strings.Join(fs.DevAlias, ","))
	}
	c.print("%s", t.render(!c.quiet))
	return true
}

func cmdDomfsfreeze(c *ctl, cmd *parsedCmd) bool {
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	n, err := dom.FSFreeze(c.ctx, cmd.args("mountpoint"), 0)
	if err != nil {
		c.errorf("Unable to freeze filesystems")
		return c.fail(err)
	}
	c.print("Froze %d filesystem(s)\n", n)
	return true
}

func cmdDomfsthaw(c *ctl, cmd *parsedCmd) bool {
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	n, err := dom.FSThaw(c.ctx, cmd.args("mountpoint"), 0)
	if err != nil {
		c.errorf("Unable to thaw filesystems")
		return c.fail(err)
	}
	c.print("Thawed %d filesystem(s)\n", n)
	return true
}

func cmdDomfstrim(c *ctl, cmd *parsedCmd) bool {
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	min, _, ok := c.optULongLong(cmd, "minimum")
	if !ok {
		return false
	}
	mp, _ := cmd.str("mountpoint")
	if err := dom.FSTrim(c.ctx, mp, min, 0); err != nil {
		c.errorf("Unable to invoke fstrim")
		return c.fail(err)
	}
	return true
}

var keycodeSets = []string{"linux", "xt", "atset1", "atset2", "atset3", "os_x", "xt_kbd", "usb", "win32", "qnum"}

func cmdSendKey(c *ctl, cmd *parsedCmd) bool {
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	codeset := 0
	if s, ok := cmd.str("codeset"); ok {
		if codeset = domIndexOf(keycodeSets, s); codeset < 0 {
			c.errorf("unknown codeset: '%s'", s)
			return false
		}
	}
	hold, _, ok := c.optInt(cmd, "holdtime")
	if !ok {
		return false
	}
	if hold < 0 {
		c.errorf("Numeric value '%d' for <holdtime> option is malformed or out of range", hold)
		return false
	}
	var codes []uint
	for _, k := range cmd.args("keycode") {
		if n, err := strconv.ParseUint(k, 0, 16); err == nil {
			codes = append(codes, uint(n))
			continue
		}
		if v, ok := linuxKeycodes[k]; ok && codeset == 0 {
			codes = append(codes, v)
			continue
		}
		c.errorf("invalid keycode: '%s'", k)
		return false
	}
	if err := dom.SendKey(c.ctx, virt.KeycodeSet(codeset), uint(hold), codes, 0); err != nil {
		return c.fail(err)
	}
	return true
}

// signalNames are virDomainProcessSignal's names (without "sig").
var signalNames = []string{"nop", "hup", "int", "quit", "ill", "trap", "abrt", "bus", "fpe", "kill",
	"usr1", "segv", "usr2", "pipe", "alrm", "term", "stkflt", "chld", "cont", "stop", "tstp", "ttin",
	"ttou", "urg", "xcpu", "xfsz", "vtalrm", "prof", "winch", "poll", "pwr", "sys"}

func cmdSendProcessSignal(c *ctl, cmd *parsedCmd) bool {
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	pid, _, ok := c.optLongLong(cmd, "pid")
	if !ok {
		return false
	}
	s, _ := cmd.str("signame")
	sig := -1
	if n, err := strconv.Atoi(s); err == nil && n >= 0 {
		sig = n
	} else {
		name := strings.ToLower(s)
		name = strings.TrimPrefix(name, "sig_")
		name = strings.TrimPrefix(name, "sig")
		sig = domIndexOf(signalNames, name)
	}
	if sig < 0 || sig >= 65 {
		c.errorf("malformed signal name: %s", s)
		return false
	}
	if err := dom.SendProcessSignal(c.ctx, pid, virt.DomainProcessSignal(sig), 0); err != nil {
		return c.fail(err)
	}
	return true
}

func cmdSetUserPassword(c *ctl, cmd *parsedCmd) bool {
	dom, name := c.domain(cmd)
	if dom == nil {
		return false
	}
	user, _ := cmd.str("user")
	pw, _ := cmd.str("password")
	var flags virt.DomainSetUserPasswordFlags
	if cmd.bool("encrypted") {
		flags |= virt.DomainPasswordEncrypted
	}
	if err := dom.SetUserPassword(c.ctx, user, pw, flags); err != nil {
		return c.fail(err)
	}
	c.printExtra("Password set successfully for %s in %s", user, name)
	return true
}

func cmdGuestvcpus(c *ctl, cmd *parsedCmd) bool {
	if !c.exclusive(cmd, "enable", "disable") || !c.requireOpt(cmd, "enable", "cpulist") || !c.requireOpt(cmd, "disable", "cpulist") {
		return false
	}
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	list, has := cmd.str("cpulist")
	if has && !cmd.bool("enable") && !cmd.bool("disable") {
		c.errorf("One of options --enable or --disable is required by option --cpulist")
		return false
	}
	if has {
		if err := dom.SetGuestVcpus(c.ctx, list, cmd.bool("enable"), 0); err != nil {
			return c.fail(err)
		}
		return true
	}
	params, err := dom.GuestVcpus(c.ctx, 0)
	if err != nil {
		return c.fail(err)
	}
	for _, p := range params {
		c.print("%-15s: %s\n", p.Field, typedParamValue(p))
	}
	return true
}

func cmdSetvcpu(c *ctl, cmd *parsedCmd) bool {
	flags, ok := c.affectFlags(cmd)
	if !ok {
		return false
	}
	if !c.exclusive(cmd, "enable", "disable") {
		return false
	}
	enable, disable := cmd.bool("enable"), cmd.bool("disable")
	if !enable && !disable {
		c.errorf("one of --enable, --disable is required")
		return false
	}
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	list, _ := cmd.str("vcpulist")
	if err := dom.SetVcpu(c.ctx, list, enable, flags); err != nil {
		return c.fail(err)
	}
	return true
}

func cmdGuestinfo(c *ctl, cmd *parsedCmd) bool {
	var types virt.DomainGuestInfoTypes
	for _, t := range []struct {
		opt  string
		flag virt.DomainGuestInfoTypes
	}{
		{"user", virt.DomainGuestInfoUsers}, {"os", virt.DomainGuestInfoOS}, {"timezone", virt.DomainGuestInfoTimezone},
		{"hostname", virt.DomainGuestInfoHostname}, {"filesystem", virt.DomainGuestInfoFilesystem},
		{"disk", virt.DomainGuestInfoDisks}, {"interface", virt.DomainGuestInfoInterfaces},
	} {
		if cmd.bool(t.opt) {
			types |= t.flag
		}
	}
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	params, err := dom.GuestInfo(c.ctx, types, 0)
	if err != nil {
		return c.fail(err)
	}
	for _, p := range params {
		c.print("%-20s: %s\n", p.Field, typedParamValue(p))
	}
	return true
}

func cmdGetUserSshkeys(c *ctl, cmd *parsedCmd) bool {
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	user, _ := cmd.str("user")
	keys, err := dom.AuthorizedSSHKeys(c.ctx, user, 0)
	if err != nil {
		return c.fail(err)
	}
	for _, k := range keys {
		c.print("%s", k)
		if !strings.HasSuffix(k, "\n") {
			c.print("\n")
		}
	}
	return true
}

func cmdSetUserSshkeys(c *ctl, cmd *parsedCmd) bool {
	if !c.exclusive(cmd, "reset", "remove") {
		return false
	}
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	user, _ := cmd.str("user")
	var flags virt.DomainAuthorizedSSHKeysSetFlags
	if cmd.bool("remove") {
		flags |= virt.DomainAuthorizedSSHKeysSetRemove
	} else if !cmd.bool("reset") {
		flags |= virt.DomainAuthorizedSSHKeysSetAppend
	}
	var keys []string
	if file, ok := cmd.str("file"); ok {
		data, err := readFile(file)
		if err != nil {
			return c.fail(err)
		}
		for _, l := range strings.Split(string(data), "\n") {
			if l != "" && !strings.HasPrefix(l, "#") {
				keys = append(keys, l)
			}
		}
	} else if cmd.bool("remove") {
		c.errorf("option --file is required")
		return false
	}
	if err := dom.SetAuthorizedSSHKeys(c.ctx, user, keys, flags); err != nil {
		return c.fail(err)
	}
	return true
}

func cmdGuestAgentTimeout(c *ctl, cmd *parsedCmd) bool {
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	timeout, set, ok := c.optInt(cmd, "timeout")
	if !ok {
		return false
	}
	if !set {
		timeout = -2
	}
	if err := dom.AgentSetResponseTimeout(c.ctx, timeout, 0); err != nil {
		return c.fail(err)
	}
	return true
}

func cmdDomjobinfo(c *ctl, cmd *parsedCmd) bool {
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	var flags virt.DomainGetJobStatsFlags
	if cmd.bool("completed") {
		flags |= virt.DomainJobStatsCompleted
	}
	if cmd.bool("keep-completed") {
		flags |= virt.DomainJobStatsKeepCompleted
	}
	typ, params, err := dom.JobStats(c.ctx, flags)
	if err != nil && errCode(err) == virt.ErrNoSupport {
		if flags != 0 || cmd.bool("rawstats") {
			c.errorf("Optional flags or --rawstats are not supported by the daemon")
			return c.fail(err)
		}
		info, err2 := dom.JobInfo(c.ctx)
		if err2 != nil {
			return c.fail(err2)
		}
		typ = info.Type
		params = nil
		err = nil
	}
	if err != nil {
		return c.fail(err)
	}
	jobTypes := []string{"None", "Bounded", "Unbounded", "Completed", "Failed", "Cancelled"}
	if cmd.bool("rawstats") {
		c.print("Job type: %d\n\n", typ)
		for _, p := range params {
			c.print("%s: %s\n", p.Field, typedParamValue(p))
		}
		return true
	}
	c.print("%-17s %-12s\n", "Job type:", enumWord(jobTypes, int(typ), "unknown"))
	if typ == virt.DomainJobNone {
		return true
	}
	for _, p := range params {
		c.print("%-17s %s\n", p.Field+":", typedParamValue(p))
	}
	return true
}

func cmdDomjobabort(c *ctl, cmd *parsedCmd) bool {
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	var err error
	if cmd.bool("postcopy") {
		err = dom.AbortJobFlags(c.ctx, virt.DomainAbortJobPostcopy)
	} else {
		err = dom.AbortJob(c.ctx)
	}
	if err != nil {
		return c.fail(err)
	}
	return true
}

// bandwidthOpt reads --bandwidth in MiB/s (or bytes/s with --bytes).
func (c *ctl) bandwidthOpt(cmd *parsedCmd) (uint64, bool) {
	v, _, ok := c.optULongLongWrap(cmd, "bandwidth")
	return v, ok
}

func cmdBlockjob(c *ctl, cmd *parsedCmd) bool {
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	path, _ := cmd.str("path")
	switch {
	case cmd.bool("abort") || cmd.bool("pivot"):
		var flags virt.DomainBlockJobAbortFlags
		if cmd.bool("async") {
			flags |= virt.DomainBlockJobAbortAsync
		}
		if cmd.bool("pivot") {
			flags |= virt.DomainBlockJobAbortPivot
		}
		if err := dom.BlockJobAbort(c.ctx, path, flags); err != nil {
			return c.fail(err)
		}
		return true
	case cmd.has("bandwidth"):
		bw, ok := c.bandwidthOpt(cmd)
		if !ok {
			return false
		}
		if err := dom.BlockJobSetSpeed(c.ctx, path, bw, 0); err != nil {
			return c.fail(err)
		}
		return true
	}
	var flags virt.DomainBlockJobInfoFlags
	if cmd.bool("bytes") {
		flags |= virt.DomainBlockJobInfoBandwidthBytes
	}
	info, err := dom.BlockJobInfo(c.ctx, path, flags)
	if err != nil {
		return c.fail(err)
	}
	if info == nil {
		c.print("No current block job for %s\n", path)
		return true
	}
	names := []string{"Unknown job", "Block Pull", "Block Copy", "Block Commit", "Active Block Commit", "Backup"}
	if cmd.bool("raw") {
		c.print(" type=%d\n bandwidth=%d\n cur=%d\n end=%d\n", info.Type, info.Bandwidth, info.Cur, info.End)
		return true
	}
	pct := 100.0
	if info.End > 0 {
		pct = 100 * float64(info.Cur) / float64(info.End)
	}
	c.print("%s: [%3d %%]", enumWord(names, int(info.Type), "Unknown job"), int(pct))
	if info.Bandwidth != 0 {
		c.print("    Bandwidth limit: %d MiB/s", info.Bandwidth)
	}
	c.print("\n")
	return true
}

func cmdBlockpull(c *ctl, cmd *parsedCmd) bool {
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	path, _ := cmd.str("path")
	bw, ok := c.bandwidthOpt(cmd)
	if !ok {
		return false
	}
	var err error
	if base, has := cmd.str("base"); has || cmd.bool("keep-relative") {
		var flags virt.DomainBlockRebaseFlags
		if cmd.bool("keep-relative") {
			flags |= virt.DomainBlockRebaseRelative
		}
		err = dom.BlockRebase(c.ctx, path, base, bw, flags)
	} else {
		err = dom.BlockPull(c.ctx, path, bw, 0)
	}
	if err != nil {
		return c.fail(err)
	}
	c.printExtra("Block Pull started")
	return true
}

func cmdBlockresize(c *ctl, cmd *parsedCmd) bool {
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	path, _ := cmd.str("path")
	size, _, ok := c.optScaled(cmd, "size", 1024, 1<<63-1)
	if !ok {
		return false
	}
	if err := dom.BlockResize(c.ctx, path, size, virt.DomainBlockResizeBytes); err != nil {
		c.errorf("Failed to resize block device '%s'", path)
		return c.fail(err)
	}
	c.printExtra("Block device '%s' is resized", path)
	return true
}

func cmdBlockcommit(c *ctl, cmd *parsedCmd) bool {
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	path, _ := cmd.str("path")
	bw, ok := c.bandwidthOpt(cmd)
	if !ok {
		return false
	}
	base, _ := cmd.str("base")
	top, _ := cmd.str("top")
	var flags virt.DomainBlockCommitFlags
	for _, f := range []struct {
		opt  string
		flag virt.DomainBlockCommitFlags
	}{
		{"shallow", virt.DomainBlockCommitShallow}, {"delete", virt.DomainBlockCommitDelete},
		{"active", virt.DomainBlockCommitActive}, {"keep-relative", virt.DomainBlockCommitRelative},
		{"bytes", virt.DomainBlockCommitBandwidthBytes},
	} {
		if cmd.bool(f.opt) {
			flags |= f.flag
		}
	}
	if err := dom.BlockCommit(c.ctx, path, base, top, bw, flags); err != nil {
		return c.fail(err)
	}
	c.printExtra("Block Commit started")
	return true
}

func cmdBlockcopy(c *ctl, cmd *parsedCmd) bool {
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	path, _ := cmd.str("path")
	dest, _ := cmd.str("dest")
	bw, ok := c.bandwidthOpt(cmd)
	if !ok {
		return false
	}
	flags := virt.DomainBlockRebaseCopy
	if cmd.bool("shallow") {
		flags |= virt.DomainBlockRebaseShallow
	}
	if cmd.bool("reuse-external") {
		flags |= virt.DomainBlockRebaseReuseExt
	}
	if cmd.bool("raw") {
		flags |= virt.DomainBlockRebaseCopyRaw
	}
	if err := dom.BlockRebase(c.ctx, path, dest, bw, flags); err != nil {
		return c.fail(err)
	}
	c.printExtra("Block Copy started")
	return true
}

func cmdDomblkthreshold(c *ctl, cmd *parsedCmd) bool {
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	dev, _ := cmd.str("dev")
	thr, _, ok := c.optScaled(cmd, "threshold", 1, 1<<64-1)
	if !ok {
		return false
	}
	if err := dom.SetBlockThreshold(c.ctx, dev, thr, 0); err != nil {
		return c.fail(err)
	}
	return true
}

func cmdMigrate(c *ctl, cmd *parsedCmd) bool {
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	desturi, _ := cmd.str("desturi")
	if _, err := openDestination(c, desturi); err != nil {
		return c.fail(err)
	}
	c.errorf("migration is not supported by govirsh")
	return false
}

// openDestination connects to a migration destination as virsh does
// before a peer-less migration.
func openDestination(c *ctl, uri string) (*virt.Conn, error) {
	dconn, err := virt.Open(c.ctx, uri)
	if err != nil {
		return nil, err
	}
	return dconn, nil
}

func cmdMigrateSetmaxdowntime(c *ctl, cmd *parsedCmd) bool {
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	v, _, ok := c.optULongLong(cmd, "downtime")
	if !ok {
		return false
	}
	if v < 1 {
		c.errorf("migrate: Invalid downtime")
		return false
	}
	if err := dom.MigrateSetMaxDowntime(c.ctx, v, 0); err != nil {
		return c.fail(err)
	}
	return true
}

func cmdMigrateGetmaxdowntime(c *ctl, cmd *parsedCmd) bool {
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	v, err := dom.MigrateMaxDowntime(c.ctx, 0)
	if err != nil {
		return c.fail(err)
	}
	c.print("%d\n", v)
	return true
}

func cmdMigrateCompcache(c *ctl, cmd *parsedCmd) bool {
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	size, set, ok := c.optScaled(cmd, "size", 1, 1<<64-1)
	if !ok {
		return false
	}
	if set {
		if err := dom.MigrateSetCompressionCache(c.ctx, size, 0); err != nil {
			return c.fail(err)
		}
	}
	v, err := dom.MigrateCompressionCache(c.ctx, 0)
	if err != nil {
		return c.fail(err)
	}
	n, unit := prettyCapacity(v)
	c.print("Compression cache: %.3f %s\n", n, unit)
	return true
}

func cmdMigrateSetspeed(c *ctl, cmd *parsedCmd) bool {
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	bw, _, ok := c.optULongLongWrap(cmd, "bandwidth")
	if !ok {
		return false
	}
	var flags virt.DomainMigrateMaxSpeedFlags
	if cmd.bool("postcopy") {
		flags |= virt.DomainMigrateMaxSpeedPostcopy
	}
	if err := dom.MigrateSetMaxSpeed(c.ctx, bw, flags); err != nil {
		return c.fail(err)
	}
	return true
}

func cmdMigrateGetspeed(c *ctl, cmd *parsedCmd) bool {
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	var flags virt.DomainMigrateMaxSpeedFlags
	if cmd.bool("postcopy") {
		flags |= virt.DomainMigrateMaxSpeedPostcopy
	}
	v, err := dom.MigrateMaxSpeed(c.ctx, flags)
	if err != nil {
		return c.fail(err)
	}
	c.print("%d\n", v)
	return true
}

func cmdMigratePostcopy(c *ctl, cmd *parsedCmd) bool {
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	if err := dom.MigrateStartPostCopy(c.ctx, 0); err != nil {
		return c.fail(err)
	}
	return true
}

func cmdDomxmlToNative(c *ctl, cmd *parsedCmd) bool {
	if !c.exclusive(cmd, "domain", "xml") {
		return false
	}
	format, _ := cmd.str("format")
	var xml string
	if file, ok := cmd.str("xml"); ok {
		data, err := readFile(file)
		if err != nil {
			return c.fail(err)
		}
		xml = string(data)
	} else if cmd.has("domain") {
		dom, _ := c.domain(cmd)
		if dom == nil {
			return false
		}
		s, err := dom.XMLDesc(c.ctx, 0)
		if err != nil {
			return c.fail(err)
		}
		xml = s
	} else {
		c.errorf("need either domain or domain XML")
		return false
	}
	out, err := c.conn.DomainXMLToNative(c.ctx, format, xml, 0)
	if err != nil {
		return c.fail(err)
	}
	c.print("%s", out)
	return true
}

func cmdDomxmlFromNative(c *ctl, cmd *parsedCmd) bool {
	format, _ := cmd.str("format")
	file, _ := cmd.str("config")
	data, err := readFile(file)
	if err != nil {
		return c.fail(err)
	}
	out, err := c.conn.DomainXMLFromNative(c.ctx, format, string(data), 0)
	if err != nil {
		return c.fail(err)
	}
	c.print("%s", out)
	return true
}

func cmdQemuAttach(c *ctl, cmd *parsedCmd) bool {
	pid, _, ok := c.optUInt(cmd, "pid")
	if !ok {
		return false
	}
	dom, err := c.conn.QemuAttach(c.ctx, pid, 0)
	if err != nil {
		c.errorf("Failed to attach to pid %d", pid)
		return c.fail(err)
	}
	c.printExtra("Domain '%s' attached to pid %d\n", dom.Name(), pid)
	return true
}

func cmdLxcEnterNamespace(c *ctl, cmd *parsedCmd) bool {
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	if _, err := dom.LxcOpenNamespace(c.ctx, 0); err != nil {
		return c.fail(err)
	}
	return false
}

func cmdDomlaunchsecinfo(c *ctl, cmd *parsedCmd) bool {
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	params, err := dom.LaunchSecurityInfo(c.ctx, 0)
	if err != nil {
		c.errorf("Unable to get launch security parameters")
		return c.fail(err)
	}
	for _, p := range params {
		c.print("%-15s: %s\n", p.Field, typedParamValue(p))
	}
	return true
}

func cmdDomsetlaunchsecstate(c *ctl, cmd *parsedCmd) bool {
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	var params []virt.TypedParam
	for _, f := range []struct{ opt, field string }{
		{"secrethdr", "sev-secret-header"}, {"secret", "sev-secret"},
	} {
		file, _ := cmd.str(f.opt)
		data, err := readFile(file)
		if err != nil {
			return c.fail(err)
		}
		params = append(params, virt.TypedParam{Field: f.field, Value: strings.TrimSpace(string(data))})
	}
	if v, set, ok := c.optULongLong(cmd, "set-address"); !ok {
		return false
	} else if set {
		params = append(params, virt.TypedParam{Field: "sev-secret-set-address", Value: v})
	}
	if err := dom.SetLaunchSecurityState(c.ctx, params, 0); err != nil {
		c.errorf("Unable to set launch security state")
		return c.fail(err)
	}
	return true
}

func cmdDomdirtyrateCalc(c *ctl, cmd *parsedCmd) bool {
	dom, name := c.domain(cmd)
	if dom == nil {
		return false
	}
	secs, set, ok := c.optInt(cmd, "seconds")
	if !ok {
		return false
	}
	if !set {
		secs = 1
	}
	var flags virt.DomainDirtyRateCalcFlags
	if m, ok := cmd.str("mode"); ok {
		switch m {
		case "page-sampling":
			flags |= virt.DomainDirtyrateModePageSampling
		case "dirty-bitmap":
			flags |= virt.DomainDirtyrateModeDirtyBitmap
		case "dirty-ring":
			flags |= virt.DomainDirtyrateModeDirtyRing
		default:
			c.errorf("Invalid mode: %s", m)
			return false
		}
	}
	if err := dom.StartDirtyRateCalc(c.ctx, secs, flags); err != nil {
		return c.fail(err)
	}
	c.printExtra("Start to calculate domain's memory dirty rate successfully.\n")
	_ = name
	return true
}

func cmdDomFdAssociate(c *ctl, cmd *parsedCmd) bool {
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	name, _ := cmd.str("name")
	if !c.passFDs(cmd) {
		return false
	}
	var flags virt.DomainFDAssociateFlags
	if cmd.bool("seclabel-restore") {
		flags |= virt.DomainFDAssociateSeclabelRestore
	}
	if cmd.bool("seclabel-writable") {
		flags |= virt.DomainFDAssociateSeclabelWritable
	}
	if err := dom.FDAssociate(c.ctx, name, flags); err != nil {
		return c.fail(err)
	}
	return true
}

var _ = fmt.Sprint
