package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/govirt/govirt/virt"
)

// Memory, vCPU, IOThread and tuning commands.

// memoryLimit is the largest size, in bytes, the KiB memory APIs take
// (1024 * ULONG_MAX would overflow; virsh caps at ULLONG_MAX).
const memoryLimit = math.MaxUint64

func cmdSetmem(c *ctl, cmd *parsedCmd) bool {
	flags, ok := c.affectFlags(cmd)
	if !ok {
		return false
	}
	plain := !cmd.bool("current") && !cmd.bool("live") && !cmd.bool("config")
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	bytes, _, ok := c.optScaled(cmd, "size", 1024, memoryLimit)
	if !ok {
		return false
	}
	kib := (bytes + 1023) / 1024
	// With none of --current/--live/--config virsh 9.0 still calls
	// virDomainSetMemoryFlags, with VIR_DOMAIN_MEM_LIVE (a read-only
	// connection names that function; an inactive domain "is not running").
	memFlags := virt.DomainMemoryModFlags(flags)
	if plain {
		memFlags = virt.DomainMemLive
	}
	if err := dom.SetMemoryFlags(c.ctx, kib, memFlags); err != nil {
		return c.fail(err)
	}
	return true
}

func cmdSetmaxmem(c *ctl, cmd *parsedCmd) bool {
	flags, ok := c.affectFlags(cmd)
	if !ok {
		return false
	}
	plain := !cmd.bool("current") && !cmd.bool("live") && !cmd.bool("config")
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	bytes, _, ok := c.optScaled(cmd, "size", 1024, memoryLimit)
	if !ok {
		return false
	}
	kib := (bytes + 1023) / 1024
	var err error
	if plain {
		err = dom.SetMaxMemory(c.ctx, kib)
	} else {
		err = dom.SetMemory(c.ctx, kib, virt.DomainMemoryModFlags(flags)|virt.DomainMemMaximum)
	}
	if err != nil {
		c.errorf("Unable to change MaxMemorySize")
		return c.fail(err)
	}
	return true
}

func cmdSetvcpus(c *ctl, cmd *parsedCmd) bool {
	if !c.exclusive(cmd, "current", "live") || !c.exclusive(cmd, "current", "config") ||
		!c.exclusive(cmd, "guest", "config") || !c.exclusive(cmd, "hotpluggable", "guest") ||
		!c.requireOpt(cmd, "maximum", "config") {
		return false
	}
	var flags virt.DomainVcpuFlags
	for _, f := range []struct {
		opt  string
		flag virt.DomainVcpuFlags
	}{
		{"config", virt.DomainVCPUConfig}, {"live", virt.DomainVCPULive}, {"guest", virt.DomainVCPUGuest},
		{"maximum", virt.DomainVCPUMaximum}, {"hotpluggable", virt.DomainVCPUHotpluggable},
	} {
		if cmd.bool(f.opt) {
			flags |= f.flag
		}
	}
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	count, _, ok := c.optUInt(cmd, "count")
	if !ok {
		return false
	}
	if count == 0 {
		c.errorf("Can't set 0 processors for a VM")
		return false
	}
	if err := dom.SetVcpus(c.ctx, count, flags); err != nil {
		return c.fail(err)
	}
	return true
}

// cpuCount is virshCPUCountCollect: -1 when the state makes the count
// meaningless, -2 (with the error kept) when it could not be read.
func (c *ctl) cpuCount(dom *virt.Domain, flags virt.DomainVcpuFlags, checkState bool) int {
	if checkState {
		if flags&virt.DomainVCPULive != 0 {
			if a, err := dom.IsActive(c.ctx); err != nil || !a {
				return -1
			}
		}
		if flags&virt.DomainVCPUConfig != 0 {
			if p, err := dom.IsPersistent(c.ctx); err != nil || !p {
				return -1
			}
		}
	}
	n, err := dom.VcpusFlags(c.ctx, flags)
	if err != nil {
		c.lastErr = err
		return -2
	}
	return n
}

func cmdVcpucount(c *ctl, cmd *parsedCmd) bool {
	maximum, active, guest := cmd.bool("maximum"), cmd.bool("active"), cmd.bool("guest")
	live, config := cmd.bool("live"), cmd.bool("config")
	all := !maximum && !active
	if !c.exclusive(cmd, "current", "live") || !c.exclusive(cmd, "current", "config") ||
		!c.exclusive(cmd, "active", "maximum") || !c.exclusive(cmd, "guest", "config") {
		return false
	}
	var flags virt.DomainVcpuFlags
	if live {
		flags |= virt.DomainVCPULive
	}
	if config {
		flags |= virt.DomainVCPUConfig
	}
	if maximum {
		flags |= virt.DomainVCPUMaximum
	}
	if guest {
		flags |= virt.DomainVCPUGuest
	}
	if all && (guest || live || config || cmd.bool("current")) {
		all = false
	}
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	if all {
		confMax := c.cpuCount(dom, virt.DomainVCPUConfig|virt.DomainVCPUMaximum, true)
		confCur := c.cpuCount(dom, virt.DomainVCPUConfig, true)
		liveMax := c.cpuCount(dom, virt.DomainVCPULive|virt.DomainVCPUMaximum, true)
		liveCur := c.cpuCount(dom, virt.DomainVCPULive, true)
		if confMax == -2 || confCur == -2 || liveMax == -2 || liveCur == -2 {
			return false
		}
		c.lastErr = nil
		for _, r := range []struct {
			v           int
			which, what string
		}{{confMax, "maximum", "config"}, {liveMax, "maximum", "live"}, {confCur, "current", "config"}, {liveCur, "current", "live"}} {
			if r.v > 0 {
				c.print("%-12s %-12s %3d\n", r.which, r.what, r.v)
			}
		}
		return true
	}
	n := c.cpuCount(dom, flags, false)
	if n < 0 {
		switch {
		case guest:
			c.errorf("Failed to retrieve vCPU count from the guest")
		case maximum:
			c.errorf("Failed to retrieve maximum vcpu count")
		default:
			c.errorf("Failed to retrieve current vcpu count")
		}
		return false
	}
	c.print("%d\n", n)
	return true
}

// hostCPUCount is virshNodeGetCPUCount.
func (c *ctl) hostCPUCount() (int, bool) {
	if m, err := c.conn.NodeCPUMap(c.ctx, 0); err == nil {
		return m.CPUs, true
	}
	info, err := c.conn.NodeInfo(c.ctx)
	if err != nil {
		return 0, c.fail(err)
	}
	return int(info.Nodes * info.Sockets * info.Cores * info.Threads), true
}

func cpuUsable(cpumap []byte, cpu int) bool {
	return cpu/8 < len(cpumap) && cpumap[cpu/8]&(1<<(cpu%8)) != 0
}

// cpuRanges formats a CPU map as virBitmapFormat does ("0-3,5").
func cpuRanges(cpumap []byte, maxcpu int) string {
	var parts []string
	for i := 0; i < maxcpu; i++ {
		if !cpuUsable(cpumap, i) {
			continue
		}
		j := i
		for j+1 < maxcpu && cpuUsable(cpumap, j+1) {
			j++
		}
		if j == i {
			parts = append(parts, strconv.Itoa(i))
		} else {
			parts = append(parts, fmt.Sprintf("%d-%d", i, j))
		}
		i = j
	}
	return strings.Join(parts, ",")
}

// parseCPUList reads a cpulist ("0-3,^2,5", "r" for all) into a map of
// maxcpu bits (virBitmapParse / virshParseCPUList).
func parseCPUList(s string, maxcpu int) ([]byte, bool) {
	m := make([]byte, (maxcpu+7)/8)
	if s == "r" {
		for i := 0; i < maxcpu; i++ {
			m[i/8] |= 1 << (i % 8)
		}
		return m, true
	}
	if s == "" {
		return nil, false
	}
	for _, part := range strings.Split(s, ",") {
		neg := strings.HasPrefix(part, "^")
		part = strings.TrimPrefix(part, "^")
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(strings.TrimSpace(lo))
		if err != nil || a < 0 {
			return nil, false
		}
		b := a
		if isRange {
			if neg {
				return nil, false
			}
			if b, err = strconv.Atoi(strings.TrimSpace(hi)); err != nil || b < a {
				return nil, false
			}
		}
		for i := a; i <= b; i++ {
			if i >= maxcpu {
				return nil, false
			}
			if neg {
				m[i/8] &^= 1 << (i % 8)
			} else {
				m[i/8] |= 1 << (i % 8)
			}
		}
	}
	return m, true
}

func (c *ctl) cpuListArg(s string, maxcpu int) ([]byte, bool) {
	m, ok := parseCPUList(s, maxcpu)
	if !ok {
		c.errorf("Invalid cpulist '%s'", s)
		c.lastErr = fmt.Errorf("invalid argument: Failed to parse bitmap '%s'", s)
		return nil, false
	}
	return m, true
}

func cmdVcpuinfo(c *ctl, cmd *parsedCmd) bool {
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	pretty := cmd.bool("pretty")
	maxcpu, ok := c.hostCPUCount()
	if !ok {
		return false
	}
	info, err := dom.Info(c.ctx)
	if err != nil {
		return c.fail(err)
	}
	affinity := func(m []byte) {
		c.print("%-15s ", "CPU Affinity:")
		if pretty {
			c.print("%s (out of %d)\n", cpuRanges(m, maxcpu), maxcpu)
			return
		}
		for i := 0; i < maxcpu; i++ {
			if cpuUsable(m, i) {
				c.print("y")
			} else {
				c.print("-")
			}
		}
		c.print("\n")
	}
	vcpus, err := dom.Vcpus(c.ctx)
	if err != nil {
		if info.State != virt.DomainShutoff {
			return c.fail(err)
		}
		pins, err := dom.VcpuPinInfo(c.ctx, virt.DomainAffectConfig)
		if err != nil {
			return c.fail(err)
		}
		if c.json {
			out := []jsonKV{}
			for n, m := range pins {
				out = append(out, c.vcpuJSON(uint(n), nil, nil, nil, m, maxcpu))
			}
			return c.jsonOut(out)
		}
		for n, m := range pins {
			c.print("%-15s %d\n", "VCPU:", n)
			c.print("%-15s %s\n", "CPU:", "N/A")
			c.print("%-15s %s\n", "State:", "N/A")
			c.print("%-15s %s\n", "CPU time", "N/A")
			affinity(m)
			if n < len(pins)-1 {
				c.print("\n")
			}
		}
		return true
	}
	states := []string{"offline", "running", "blocked"}
	if c.json {
		out := []jsonKV{}
		for _, v := range vcpus {
			st := "no state"
			if int(v.State) >= 0 && int(v.State) < len(states) {
				st = states[v.State]
			}
			out = append(out, c.vcpuJSON(v.Number, v.CPU, st, v.CPUTime.Nanoseconds(), v.CPUMap, maxcpu))
		}
		return c.jsonOut(out)
	}
	for n, v := range vcpus {
		c.print("%-15s %d\n", "VCPU:", v.Number)
		c.print("%-15s %d\n", "CPU:", v.CPU)
		st := "no state"
		if int(v.State) >= 0 && int(v.State) < len(states) {
			st = states[v.State]
		}
		c.print("%-15s %s\n", "State:", st)
		if v.CPUTime != 0 {
			c.print("%-15s %.1fs\n", "CPU time:", v.CPUTime.Seconds())
		}
		affinity(v.CPUMap)
		if n < len(vcpus)-1 {
			c.print("\n")
		}
	}
	return true
}

func cmdVcpupin(c *ctl, cmd *parsedCmd) bool {
	flags, ok := c.affectFlags(cmd)
	if !ok {
		return false
	}
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	vcpu, hasVcpu, ok := c.optUInt(cmd, "vcpu")
	if !ok {
		return false
	}
	cpulist, hasList := cmd.str("cpulist")
	if !hasVcpu && hasList {
		c.errorf("vcpupin: Missing vCPU number in pin mode.")
		return false
	}
	maxcpu, ok := c.hostCPUCount()
	if !ok {
		return false
	}
	if !hasList {
		pins, err := dom.VcpuPinInfo(c.ctx, flags)
		if err != nil {
			return c.fail(err)
		}
		if hasVcpu && int(vcpu) >= len(pins) {
			active, _ := dom.IsActive(c.ctx)
			if flags&virt.DomainAffectLive != 0 || flags&virt.DomainAffectConfig == 0 && active {
				c.errorf("vcpu %d is out of range of live cpu count %d", vcpu, len(pins))
			} else {
				c.errorf("vcpu %d is out of range of persistent cpu count %d", vcpu, len(pins))
			}
			return false
		}
		t := newTable("VCPU", "CPU Affinity")
		for i, m := range pins {
			if hasVcpu && uint(i) != vcpu {
				continue
			}
			t.add(strconv.Itoa(i), cpuRanges(m, maxcpu))
		}
		c.print("%s", t.render(!c.quiet))
		return true
	}
	m, ok := c.cpuListArg(cpulist, maxcpu)
	if !ok {
		return false
	}
	if err := dom.PinVcpu(c.ctx, vcpu, m, flags); err != nil {
		return c.fail(err)
	}
	return true
}

func cmdEmulatorpin(c *ctl, cmd *parsedCmd) bool {
	flags, ok := c.affectFlags(cmd)
	if !ok {
		return false
	}
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	maxcpu, ok := c.hostCPUCount()
	if !ok {
		return false
	}
	cpulist, hasList := cmd.str("cpulist")
	if !hasList {
		m, err := dom.EmulatorPinInfo(c.ctx, flags)
		if err != nil {
			return c.fail(err)
		}
		c.printExtra("%s %s\n", "emulator:", "CPU Affinity")
		c.printExtra("----------------------------------\n")
		c.print("       *: %s\n", cpuRanges(m, maxcpu))
		return true
	}
	m, ok := c.cpuListArg(cpulist, maxcpu)
	if !ok {
		return false
	}
	if err := dom.PinEmulator(c.ctx, m, flags); err != nil {
		return c.fail(err)
	}
	return true
}

func cmdIothreadinfo(c *ctl, cmd *parsedCmd) bool {
	flags, ok := c.affectFlags(cmd)
	if !ok {
		return false
	}
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	maxcpu, ok := c.hostCPUCount()
	if !ok {
		return false
	}
	infos, err := dom.IOThreadInfo(c.ctx, flags)
	if err != nil {
		c.errorf("Unable to get domain IOThreads information")
		return c.fail(err)
	}
	if len(infos) == 0 {
		c.printExtra("No IOThreads found for the domain")
		return true
	}
	t := newTable("IOThread ID", "CPU Affinity")
	for _, i := range infos {
		t.add(strconv.Itoa(int(i.ID)), cpuRanges(i.CPUMap, maxcpu))
	}
	c.print("%s", t.render(!c.quiet))
	return true
}

func cmdIothreadpin(c *ctl, cmd *parsedCmd) bool {
	flags, ok := c.affectFlags(cmd)
	if !ok {
		return false
	}
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	id, _, ok := c.optUInt(cmd, "iothread")
	if !ok {
		return false
	}
	cpulist, _ := cmd.str("cpulist")
	maxcpu, ok := c.hostCPUCount()
	if !ok {
		return false
	}
	m, ok := c.cpuListArg(cpulist, maxcpu)
	if !ok {
		return false
	}
	if err := dom.PinIOThread(c.ctx, id, m, flags); err != nil {
		return c.fail(err)
	}
	return true
}

func (c *ctl) iothreadID(cmd *parsedCmd) (uint, bool) {
	v, _, ok := c.optInt(cmd, "id")
	if !ok {
		return 0, false
	}
	if v <= 0 {
		c.errorf("Invalid IOThread id value: '%d'", v)
		return 0, false
	}
	return uint(v), true
}

func cmdIothreadadd(c *ctl, cmd *parsedCmd) bool {
	flags, ok := c.affectFlags(cmd)
	if !ok {
		return false
	}
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	id, ok := c.iothreadID(cmd)
	if !ok {
		return false
	}
	if err := dom.AddIOThread(c.ctx, id, flags); err != nil {
		return c.fail(err)
	}
	return true
}

func cmdIothreaddel(c *ctl, cmd *parsedCmd) bool {
	flags, ok := c.affectFlags(cmd)
	if !ok {
		return false
	}
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	id, ok := c.iothreadID(cmd)
	if !ok {
		return false
	}
	if err := dom.DelIOThread(c.ctx, id, flags); err != nil {
		return c.fail(err)
	}
	return true
}

func cmdIothreadset(c *ctl, cmd *parsedCmd) bool {
	flags, ok := c.affectFlags(cmd)
	if !ok {
		return false
	}
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	id, ok := c.iothreadID(cmd)
	if !ok {
		return false
	}
	var params []virt.TypedParam
	for _, p := range []struct{ opt, field string }{
		{"poll-max-ns", "poll_max_ns"}, {"poll-grow", "poll_grow"}, {"poll-shrink", "poll_shrink"},
	} {
		v, set, ok := c.optULongLong(cmd, p.opt)
		if !ok {
			return false
		}
		if set {
			params = append(params, virt.TypedParam{Field: p.field, Value: v})
		}
	}
	for _, p := range []struct{ opt, field string }{
		{"thread-pool-min", "thread_pool_min"}, {"thread-pool-max", "thread_pool_max"},
	} {
		v, set, ok := c.optInt(cmd, p.opt)
		if !ok {
			return false
		}
		if set {
			params = append(params, virt.TypedParam{Field: p.field, Value: int32(v)})
		}
	}
	if len(params) == 0 {
		c.errorf("Not enough arguments passed, nothing to set")
		return false
	}
	if err := dom.SetIOThreadParams(c.ctx, id, params, flags); err != nil {
		return c.fail(err)
	}
	return true
}

// paramFromString is virTypedParamsAddFromString: the value takes the
// type the current parameter of that name has.
func paramFromString(like virt.TypedParam, val string) (virt.TypedParam, error) {
	bad := func(kind string) error {
		return fmt.Errorf("invalid argument: Invalid value for field '%s': expected %s", like.Field, kind)
	}
	p := virt.TypedParam{Field: like.Field}
	switch like.Value.(type) {
	case int32:
		n, err := strconv.ParseInt(val, 10, 32)
		if err != nil {
			return p, bad("int")
		}
		p.Value = int32(n)
	case uint32:
		n, err := strconv.ParseUint(val, 10, 32)
		if err != nil {
			return p, bad("unsigned int")
		}
		p.Value = uint32(n)
	case int64:
		n, err := strconv.ParseInt(val, 10, 64)
		if err != nil {
			return p, bad("long long")
		}
		p.Value = n
	case uint64:
		n, err := strconv.ParseUint(val, 10, 64)
		if err != nil {
			return p, bad("unsigned long long")
		}
		p.Value = n
	case float64:
		n, err := strconv.ParseFloat(val, 64)
		if err != nil {
			return p, bad("double")
		}
		p.Value = n
	case bool:
		switch strings.ToLower(val) {
		case "1", "yes", "true":
			p.Value = true
		case "0", "no", "false":
			p.Value = false
		default:
			return p, bad("boolean")
		}
	default:
		p.Value = val
	}
	return p, nil
}

func cmdSchedinfo(c *ctl, cmd *parsedCmd) bool {
	flags, ok := c.affectFlags(cmd)
	if !ok {
		return false
	}
	current, live, config := cmd.bool("current"), cmd.bool("live"), cmd.bool("config")
	useFlags := flags != 0 || current
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	typ, nparams, err := dom.SchedulerType(c.ctx)
	if err != nil {
		c.print("%-15s: %s\n", "Scheduler", "Unknown")
		return c.fail(err)
	}
	c.print("%-15s: %s\n", "Scheduler", typ)
	if nparams == 0 {
		return true
	}
	get := func(f virt.DomainModificationImpact) ([]virt.TypedParam, error) {
		if useFlags {
			return dom.SchedulerParameters(c.ctx, f)
		}
		return dom.SchedulerParameters(c.ctx, 0)
	}
	params, err := get(flags)
	if err != nil {
		return c.fail(err)
	}
	var updates []virt.TypedParam
	set := func(name, val string) bool {
		for _, p := range params {
			if p.Field == name {
				np, err := paramFromString(p, val)
				if err != nil {
					return c.fail(err)
				}
				updates = append(updates, np)
				return true
			}
		}
		c.errorf("invalid scheduler option: %s", name)
		return false
	}
	for _, s := range cmd.args("set") {
		name, val, found := strings.Cut(s, "=")
		if !found {
			c.errorf("Invalid syntax for --set, expecting name=value")
			return false
		}
		if !set(name, val) {
			return false
		}
	}
	for _, legacy := range []string{"weight", "cap"} {
		if v, ok := cmd.str(legacy); ok {
			if !set(legacy, v) {
				return false
			}
		}
	}
	if len(updates) > 0 {
		if err := dom.SetSchedulerParameters(c.ctx, updates, flags); err != nil {
			return c.fail(err)
		}
		refresh := flags
		if live && config {
			refresh = 0
		}
		if params, err = get(refresh); err != nil {
			return c.fail(err)
		}
	}
	for _, p := range params {
		c.print("%-15s: %s\n", p.Field, typedParamValue(p))
	}
	return true
}

// memoryUnlimited is VIR_DOMAIN_MEMORY_PARAM_UNLIMITED.
const memoryUnlimited = 9007199254740991

func cmdMemtune(c *ctl, cmd *parsedCmd) bool {
	flags, ok := c.affectFlags(cmd)
	if !ok {
		return false
	}
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	var params []virt.TypedParam
	for _, p := range []struct{ opt, field string }{
		{"hard-limit", "hard_limit"}, {"soft-limit", "soft_limit"},
		{"swap-hard-limit", "swap_hard_limit"}, {"min-guarantee", "min_guarantee"},
	} {
		s, has := cmd.str(p.opt)
		if !has {
			continue
		}
		var kib uint64
		if n, err := strconv.ParseInt(s, 10, 64); err == nil && n == -1 {
			kib = memoryUnlimited
		} else {
			b, err := parseScaled(s, 1024, math.MaxUint64)
			if err != nil {
				c.errorf("Unable to parse integer parameter %s", p.opt)
				return false
			}
			kib = b / 1024
			if kib > memoryUnlimited {
				kib = memoryUnlimited
			}
		}
		params = append(params, virt.TypedParam{Field: p.field, Value: kib})
	}
	if len(params) > 0 {
		if err := dom.SetMemoryParameters(c.ctx, params, flags); err != nil {
			c.errorf("Unable to change memory parameters")
			return c.fail(err)
		}
		return true
	}
	cur, err := dom.MemoryParameters(c.ctx, flags)
	if err != nil {
		c.errorf("Unable to get memory parameters")
		return c.fail(err)
	}
	for _, p := range cur {
		if v, ok := p.Value.(uint64); ok && v == memoryUnlimited {
			c.print("%-15s: %s\n", p.Field, "unlimited")
		} else {
			c.print("%-15s: %s\n", p.Field, typedParamValue(p))
		}
	}
	return true
}

var numaModes = []string{"strict", "preferred", "interleave", "restrictive"}

func cmdNumatune(c *ctl, cmd *parsedCmd) bool {
	flags, ok := c.affectFlags(cmd)
	if !ok {
		return false
	}
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	var params []virt.TypedParam
	if s, ok := cmd.str("mode"); ok {
		m := domIndexOf(numaModes, s)
		if m < 0 {
			n, err := strconv.Atoi(s)
			if err != nil || n < 0 || n >= len(numaModes) {
				c.errorf("Invalid mode: %s", s)
				return false
			}
			m = n
		}
		params = append(params, virt.TypedParam{Field: "numa_mode", Value: int32(m)})
	}
	if s, ok := cmd.str("nodeset"); ok {
		params = append(params, virt.TypedParam{Field: "numa_nodeset", Value: s})
	}
	if len(params) > 0 {
		if err := dom.SetNumaParameters(c.ctx, params, flags); err != nil {
			c.errorf("Unable to change numa parameters")
			return c.fail(err)
		}
		return true
	}
	cur, err := dom.NumaParameters(c.ctx, flags)
	if err != nil {
		c.errorf("Unable to get numa parameters")
		return c.fail(err)
	}
	for _, p := range cur {
		if p.Field == "numa_mode" {
			if v, ok := p.Value.(int32); ok && v >= 0 && int(v) < len(numaModes) {
				c.print("%-15s: %s\n", p.Field, numaModes[v])
				continue
			}
		}
		c.print("%-15s: %s\n", p.Field, typedParamValue(p))
	}
	return true
}

func cmdBlkiotune(c *ctl, cmd *parsedCmd) bool {
	flags, ok := c.affectFlags(cmd)
	if !ok {
		return false
	}
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	var params []virt.TypedParam
	w, hasW, ok := c.optInt(cmd, "weight")
	if !ok {
		return false
	}
	if hasW {
		if w <= 0 {
			c.errorf("Invalid value of %d for I/O weight", w)
			return false
		}
		params = append(params, virt.TypedParam{Field: "weight", Value: uint32(w)})
	}
	for _, p := range []struct{ opt, field string }{
		{"device-weights", "device_weight"}, {"device-read-iops-sec", "device_read_iops_sec"},
		{"device-write-iops-sec", "device_write_iops_sec"}, {"device-read-bytes-sec", "device_read_bytes_sec"},
		{"device-write-bytes-sec", "device_write_bytes_sec"},
	} {
		if s, ok := cmd.str(p.opt); ok {
			params = append(params, virt.TypedParam{Field: p.field, Value: s})
		}
	}
	if len(params) > 0 {
		if err := dom.SetBlkioParameters(c.ctx, params, flags); err != nil {
			c.errorf("Unable to change blkio parameters")
			return c.fail(err)
		}
		return true
	}
	cur, err := dom.BlkioParameters(c.ctx, flags)
	if err != nil {
		c.errorf("Unable to get blkio parameters")
		return c.fail(err)
	}
	for _, p := range cur {
		c.print("%-15s: %s\n", p.Field, typedParamValue(p))
	}
	return true
}

func cmdPerf(c *ctl, cmd *parsedCmd) bool {
	flags, ok := c.affectFlags(cmd)
	if !ok {
		return false
	}
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	var params []virt.TypedParam
	for _, o := range []struct {
		opt string
		on  bool
	}{{"enable", true}, {"disable", false}} {
		if s, ok := cmd.str(o.opt); ok {
			for _, ev := range strings.Split(s, ",") {
				if ev == "" {
					continue
				}
				params = append(params, virt.TypedParam{Field: ev, Value: o.on})
			}
		}
	}
	if len(params) > 0 {
		if err := dom.SetPerfEvents(c.ctx, params, flags); err != nil {
			c.errorf("Unable to enable/disable perf events")
			return c.fail(err)
		}
		// virsh shows what it set.
		for _, p := range params {
			c.print("%-15s: %s\n", p.Field, enabledWord(p.Value.(bool)))
		}
		return true
	}
	cur, err := dom.PerfEvents(c.ctx, flags)
	if err != nil {
		c.errorf("Unable to get perf events")
		return c.fail(err)
	}
	for _, p := range cur {
		if b, ok := p.Value.(bool); ok {
			c.print("%-15s: %s\n", p.Field, enabledWord(b))
		} else {
			c.print("%-15s: %s\n", p.Field, typedParamValue(p))
		}
	}
	return true
}

func enabledWord(b bool) string {
	if b {
		return "enabled"
	}
	return "disabled"
}

func cmdBlkdeviotune(c *ctl, cmd *parsedCmd) bool {
	flags, ok := c.affectFlags(cmd)
	if !ok {
		return false
	}
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	disk, _ := cmd.str("device")
	var params []virt.TypedParam
	for _, name := range []string{
		"total-bytes-sec", "read-bytes-sec", "write-bytes-sec", "total-iops-sec", "read-iops-sec", "write-iops-sec",
		"total-bytes-sec-max", "read-bytes-sec-max", "write-bytes-sec-max", "total-iops-sec-max", "read-iops-sec-max",
		"write-iops-sec-max", "size-iops-sec",
	} {
		s, has := cmd.str(name)
		if !has {
			continue
		}
		var v uint64
		var err error
		if strings.Contains(name, "bytes") {
			v, err = parseScaled(s, 1, math.MaxUint64)
		} else {
			v, err = strconv.ParseUint(s, 10, 64)
		}
		if err != nil {
			if strings.Contains(name, "bytes") {
				c.errorf("Scaled numeric value '%s' for <%s> option is malformed or out of range", s, name)
			} else {
				c.errorf("Numeric value '%s' for <%s> option is malformed or out of range", s, name)
			}
			return false
		}
		params = append(params, virt.TypedParam{Field: strings.ReplaceAll(name, "-", "_"), Value: v})
	}
	if s, ok := cmd.str("group-name"); ok {
		params = append(params, virt.TypedParam{Field: "group_name", Value: s})
	}
	for _, name := range []string{
		"total-bytes-sec-max-length", "read-bytes-sec-max-length", "write-bytes-sec-max-length",
		"total-iops-sec-max-length", "read-iops-sec-max-length", "write-iops-sec-max-length",
	} {
		v, set, ok := c.optULongLong(cmd, name)
		if !ok {
			return false
		}
		if set {
			params = append(params, virt.TypedParam{Field: strings.ReplaceAll(name, "-", "_"), Value: v})
		}
	}
	if len(params) > 0 {
		if err := dom.SetBlockIoTune(c.ctx, disk, params, flags); err != nil {
			c.errorf("Unable to change block I/O throttle")
			return c.fail(err)
		}
		return true
	}
	cur, err := dom.BlockIoTune(c.ctx, disk, flags)
	if err != nil {
		c.errorf("Unable to get block I/O throttle parameters")
		return c.fail(err)
	}
	for _, p := range cur {
		c.print("%-15s: %s\n", p.Field, typedParamValue(p))
	}
	return true
}

// bandwidthArg reads "average[,peak[,burst[,floor]]]" of domiftune.
func (c *ctl) bandwidthArg(s, prefix string, withFloor bool) ([]virt.TypedParam, bool) {
	parts := strings.Split(s, ",")
	names := []string{"average", "peak", "burst"}
	if withFloor {
		names = append(names, "floor")
	}
	if len(parts) > len(names) || parts[0] == "" {
		c.errorf("inbound format is incorrect")
		return nil, false
	}
	var out []virt.TypedParam
	for i, p := range parts {
		if p == "" {
			continue
		}
		v, err := strconv.ParseUint(p, 10, 32)
		if err != nil {
			c.errorf("%s %s is incorrect", strings.TrimSuffix(prefix, "."), names[i])
			return nil, false
		}
		out = append(out, virt.TypedParam{Field: prefix + names[i], Value: uint32(v)})
	}
	return out, true
}

func cmdDomiftune(c *ctl, cmd *parsedCmd) bool {
	flags, ok := c.affectFlags(cmd)
	if !ok {
		return false
	}
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	device, _ := cmd.str("interface")
	var params []virt.TypedParam
	if s, ok := cmd.str("inbound"); ok {
		p, ok := c.bandwidthArg(s, "inbound.", true)
		if !ok {
			return false
		}
		params = append(params, p...)
	}
	if s, ok := cmd.str("outbound"); ok {
		p, ok := c.bandwidthArg(s, "outbound.", false)
		if !ok {
			return false
		}
		params = append(params, p...)
	}
	if len(params) > 0 {
		if err := dom.SetInterfaceParameters(c.ctx, device, params, flags); err != nil {
			c.errorf("Unable to set interface parameters")
			return c.fail(err)
		}
		return true
	}
	cur, err := dom.InterfaceParameters(c.ctx, device, flags)
	if err != nil {
		c.errorf("Unable to get interface parameters")
		return c.fail(err)
	}
	for _, p := range cur {
		c.print("%-15s: %s\n", p.Field, typedParamValue(p))
	}
	return true
}

func cmdCpuStats(c *ctl, cmd *parsedCmd) bool {
	dom, name := c.domain(cmd)
	if dom == nil {
		return false
	}
	showTotal := cmd.bool("total")
	start, hasStart, ok := c.optInt(cmd, "start")
	if !ok {
		return false
	}
	if hasStart && start < 0 {
		c.errorf("Invalid value for start CPU")
		return false
	}
	count, hasCount, ok := c.optInt(cmd, "count")
	if !ok {
		return false
	}
	if hasCount && count < 0 {
		c.errorf("Invalid value for number of CPUs to show")
		return false
	}
	showPerCPU := hasStart || hasCount || !showTotal
	if !showTotal && !hasStart && !hasCount {
		showTotal = true
	}
	failed := func(err error) bool {
		c.errorf("Failed to retrieve CPU statistics for domain '%s'", name)
		return c.fail(err)
	}
	if showPerCPU {
		max, err := dom.NumOfHostCPUsForStats(c.ctx)
		if err != nil {
			return failed(err)
		}
		if start >= max {
			c.errorf("Start CPU %d is out of range (min: 0, max: %d)", start, max-1)
			return false
		}
		if !hasCount || start+count > max {
			count = max - start
		}
		for ; count > 0; start, count = start+128, count-128 {
			n := count
			if n > 128 {
				n = 128
			}
			stats, err := dom.CPUStats(c.ctx, start, uint(n), 0)
			if err != nil {
				return failed(err)
			}
			for i, cpu := range stats {
				c.print("CPU%d:\n", start+i)
				for _, p := range cpu {
					if v, ok := p.Value.(uint64); ok && p.Field == "cpu_time" || ok && p.Field == "vcpu_time" {
						c.print("\t%-12s %9d.%09d seconds\n", p.Field, v/1000000000, v%1000000000)
					} else {
						c.print("\t%-12s %s\n", p.Field, typedParamValue(p))
					}
				}
			}
		}
	}
	if !showTotal {
		return true
	}
	stats, err := dom.CPUStats(c.ctx, -1, 1, 0)
	if err != nil {
		return failed(err)
	}
	c.print("%s\n", "Total:")
	if len(stats) > 0 {
		for _, p := range stats[0] {
			if v, ok := p.Value.(uint64); ok && strings.HasSuffix(p.Field, "_time") {
				c.print("\t%-12s %9d.%09d seconds\n", p.Field, v/1000000000, v%1000000000)
			} else {
				c.print("\t%-12s %s\n", p.Field, typedParamValue(p))
			}
		}
	}
	return true
}
