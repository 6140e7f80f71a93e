package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/govirt/govirt/virt"
)

// The "Domain Monitoring" commands besides list/dominfo/domstate, as
// virsh-domain-monitor.c writes them.

var ioErrorNames = []string{"no error", "unspecified error", "no space"}

func cmdDomblkerror(c *ctl, cmd *parsedCmd) bool {
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	errs, err := dom.DiskErrors(c.ctx, 0)
	if err != nil {
		return c.fail(err)
	}
	if len(errs) == 0 {
		c.print("No errors found\n")
		return true
	}
	for _, e := range errs {
		s := "unknown error"
		if int(e.Error) >= 0 && int(e.Error) < len(ioErrorNames) {
			s = ioErrorNames[e.Error]
		}
		c.print("%s: %s\n", e.Disk, s)
	}
	return true
}

func blkinfoCells(info *virt.BlockInfo, human bool) (string, string, string) {
	if info.Capacity == 0 && info.Allocation == 0 && info.Physical == 0 {
		return "-", "-", "-"
	}
	if !human {
		return fmt.Sprint(info.Capacity), fmt.Sprint(info.Allocation), fmt.Sprint(info.Physical)
	}
	f := func(v uint64) string {
		n, u := prettyCapacity(v)
		return fmt.Sprintf("%.3f %s", n, u)
	}
	return f(info.Capacity), f(info.Allocation), f(info.Physical)
}

func cmdDomblkinfo(c *ctl, cmd *parsedCmd) bool {
	if !c.exclusive(cmd, "all", "device") {
		return false
	}
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	all := cmd.bool("all")
	device, _ := cmd.str("device")
	if !all && device == "" {
		c.errorf("command 'domblkinfo' requires <device> option")
		return false
	}
	human := cmd.bool("human")
	if !all {
		info, err := dom.BlockInfo(c.ctx, device, 0)
		if err != nil {
			return c.fail(err)
		}
		capa, alloc, phy := blkinfoCells(info, human)
		c.print("%-15s %s\n", "Capacity:", capa)
		c.print("%-15s %s\n", "Allocation:", alloc)
		c.print("%-15s %s\n", "Physical:", phy)
		return true
	}
	active, _ := dom.IsActive(c.ctx)
	doc, ok := c.domainXMLOf(dom, 0)
	if !ok {
		return false
	}
	t := newTable("Target", "Capacity", "Allocation", "Physical")
	for _, disk := range doc.path("devices").all("disk") {
		target := disk.child("target").attrStr("dev")
		info := &virt.BlockInfo{}
		if src := disk.child("source"); src != nil {
			i, err := dom.BlockInfo(c.ctx, target, 0)
			if err != nil {
				_, hasProto := src.attr("protocol")
				if !(hasProto && !active && errCode(err) == virt.ErrInternalError) {
					return c.fail(err)
				}
			} else {
				info = i
			}
		}
		capa, alloc, phy := blkinfoCells(info, human)
		t.add(target, capa, alloc, phy)
	}
	c.print("%s", t.render(!c.quiet))
	return true
}

func cmdDomblklist(c *ctl, cmd *parsedCmd) bool {
	var flags virt.DomainXMLFlags
	if cmd.bool("inactive") {
		flags |= virt.DomainXMLInactive
	}
	details := cmd.bool("details")
	_, doc, ok := c.domainXML(cmd, flags)
	if !ok {
		return false
	}
	rows := []jsonKV{}
	var t *table
	if details {
		t = newTable("Type", "Device", "Target", "Source")
	} else {
		t = newTable("Target", "Source")
	}
	for _, disk := range doc.path("devices").all("disk") {
		typ, hasType := disk.attr("type")
		device, hasDevice := disk.attr("device")
		if details && (!hasType || !hasDevice) {
			c.print("unable to query block list details")
			return false
		}
		tgt := disk.child("target")
		target, hasTarget := tgt.attr("dev")
		if tgt == nil || !hasTarget && false {
			c.errorf("unable to query block list")
			return false
		}
		src := disk.child("source")
		var source string
		var hasSource bool
		if typ == "nvme" {
			ns, okNS := src.attr("namespace")
			addr := src.child("address")
			if !okNS || addr == nil {
				c.errorf("Unable to query NVMe disk address")
				return false
			}
			source = fmt.Sprintf("nvme://%04x:%02x:%02x.%d/%s", parseHex(addr.attrStr("domain")),
				parseHex(addr.attrStr("bus")), parseHex(addr.attrStr("slot")), parseHex(addr.attrStr("function")), ns)
			hasSource = true
		} else {
			source, hasSource = src.firstAttr("file", "dev", "dir", "name", "volume", "path")
		}
		if !hasSource || source == "" {
			source = "-"
		}
		if details {
			t.add(typ, device, target, source)
		} else {
			t.add(target, source)
		}
		rows = append(rows, jsonKV{{"type", orNull(typ)}, {"device", orNull(device)}, {"target", orNull(target)}, {"source", orNull(source)}})
	}
	if c.json {
		return c.jsonOut(rows)
	}
	c.print("%s", t.render(!c.quiet))
	return true
}

func parseHex(s string) uint64 {
	var v uint64
	s = strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	fmt.Sscanf(s, "%x", &v)
	return v
}

func cmdDomiflist(c *ctl, cmd *parsedCmd) bool {
	var flags virt.DomainXMLFlags
	if cmd.bool("inactive") {
		flags |= virt.DomainXMLInactive
	}
	_, doc, ok := c.domainXML(cmd, flags)
	if !ok {
		return false
	}
	minus := func(s string, ok bool) string {
		if !ok || s == "" {
			return "-"
		}
		return s
	}
	rows := []jsonKV{}
	t := newTable("Interface", "Type", "Source", "Model", "MAC")
	for _, iface := range doc.path("devices").all("interface") {
		typ := iface.attrStr("type")
		source, okS := iface.child("source").firstAttr("bridge", "dev", "network", "name", "path")
		target, okT := iface.child("target").attr("dev")
		model, okM := iface.child("model").attr("type")
		mac, okMAC := iface.child("mac").attr("address")
		t.add(minus(target, okT), typ, minus(source, okS), minus(model, okM), minus(mac, okMAC))
		rows = append(rows, jsonKV{{"interface", orNull(minus(target, okT))}, {"type", orNull(typ)},
			{"source", orNull(minus(source, okS))}, {"model", orNull(minus(model, okM))}, {"mac", orNull(minus(mac, okMAC))}})
	}
	if c.json {
		return c.jsonOut(rows)
	}
	c.print("%s", t.render(!c.quiet))
	return true
}

// normalizeMAC is virMacAddrParse+virMacAddrFormat: "" when s is no MAC.
func normalizeMAC(s string) string {
	parts := strings.Split(s, ":")
	if len(parts) != 6 {
		return ""
	}
	out := make([]string, 6)
	for i, p := range parts {
		if p == "" || len(p) > 2 {
			return ""
		}
		var v uint
		for _, ch := range p {
			switch {
			case ch >= '0' && ch <= '9':
				v = v*16 + uint(ch-'0')
			case ch >= 'a' && ch <= 'f':
				v = v*16 + uint(ch-'a'+10)
			case ch >= 'A' && ch <= 'F':
				v = v*16 + uint(ch-'A'+10)
			default:
				return ""
			}
		}
		out[i] = fmt.Sprintf("%02x", v)
	}
	return strings.Join(out, ":")
}

// findInterfaces returns the domain's interfaces matching a MAC or a
// target device name.
func findInterfaces(doc *xnode, iface string) (string, []*xnode) {
	mac := normalizeMAC(iface)
	var found []*xnode
	for _, n := range doc.path("devices").all("interface") {
		if (mac != "" && n.child("mac").attrStr("address") == mac) || n.child("target").attrStr("dev") == iface {
			found = append(found, n)
		}
	}
	return mac, found
}

func cmdDomifGetlink(c *ctl, cmd *parsedCmd) bool {
	iface, _ := cmd.str("interface")
	var flags virt.DomainXMLFlags
	if cmd.bool("config") || cmd.bool("persistent") {
		flags = virt.DomainXMLInactive
	}
	_, doc, ok := c.domainXML(cmd, flags)
	if !ok {
		return false
	}
	mac, found := findInterfaces(doc, iface)
	switch {
	case len(found) < 1:
		if mac != "" {
			c.errorf("Interface (mac: %s) not found.", mac)
		} else {
			c.errorf("Interface (dev: %s) not found.", iface)
		}
		return false
	case len(found) > 1:
		c.errorf("multiple matching interfaces found")
		return false
	}
	if state, ok := found[0].child("link").attr("state"); ok {
		c.print("%s %s", iface, state)
	} else {
		c.print("%s up", iface)
	}
	return true
}

var controlStates = []string{"ok", "background job", "occupied", "error"}
var controlErrorReasons = []string{"", "unknown", "monitor failure", "internal (locking) error"}

func cmdDomcontrol(c *ctl, cmd *parsedCmd) bool {
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	info, err := dom.ControlInfo(c.ctx, 0)
	if err != nil {
		return c.fail(err)
	}
	name := func(list []string, i int) string {
		if i >= 0 && i < len(list) {
			return list[i]
		}
		return "unknown"
	}
	state := name(controlStates, int(info.State))
	switch {
	case info.State != virt.DomainControlOk && info.State != virt.DomainControlError:
		c.print("%s (%0.3fs)\n", state, float64(info.StateTime/time.Millisecond)/1000.0)
	case info.State == virt.DomainControlError && info.Details > 0:
		c.print("%s: %s\n", state, name(controlErrorReasons, info.Details))
	default:
		c.print("%s\n", state)
	}
	return true
}

var blkstatFields = []struct{ field, legacy, human string }{
	{"rd_operations", "rd_req", "number of read operations:"},
	{"rd_bytes", "rd_bytes", "number of bytes read:"},
	{"wr_operations", "wr_req", "number of write operations:"},
	{"wr_bytes", "wr_bytes", "number of bytes written:"},
	{"errs", "errs", "error count:"},
	{"flush_operations", "", "number of flush operations:"},
	{"rd_total_times", "", "total duration of reads (ns):"},
	{"wr_total_times", "", "total duration of writes (ns):"},
	{"flush_total_times", "", "total duration of flushes (ns):"},
}

func cmdDomblkstat(c *ctl, cmd *parsedCmd) bool {
	dom, name := c.domain(cmd)
	if dom == nil {
		return false
	}
	human := cmd.bool("human")
	device, _ := cmd.str("device")
	width := 0
	if human {
		width = 31
	}
	params, err := dom.BlockStatsFlags(c.ctx, device, 0)
	if err != nil {
		if errCode(err) != virt.ErrNoSupport {
			return c.fail(err)
		}
		st, err := dom.BlockStats(c.ctx, device)
		if err != nil {
			c.errorf("Failed to get block stats %s %s", name, device)
			return c.fail(err)
		}
		if human {
			c.print("Device: %s\n", device)
			device = ""
		}
		for i, v := range []int64{st.RdReq, st.RdBytes, st.WrReq, st.WrBytes, st.Errs} {
			if v >= 0 {
				label := blkstatFields[i].legacy
				if human {
					label = blkstatFields[i].human
				}
				c.print("%s %-*s %d\n", device, width, label, v)
			}
		}
		return true
	}
	if human {
		c.print("Device: %s\n", device)
		device = ""
	}
	printed := make([]bool, len(params))
	for _, f := range blkstatFields {
		for i, p := range params {
			if printed[i] || p.Field != f.field {
				continue
			}
			printed[i] = true
			label := f.legacy
			if human {
				label = f.human
			}
			if label == "" {
				label = f.field
			}
			c.print("%s %-*s %s\n", device, width, label, typedParamValue(p))
			break
		}
	}
	for i, p := range params {
		if !printed[i] && p.Field != "" {
			c.print("%s %s %s\n", device, p.Field, typedParamValue(p))
		}
	}
	return true
}

func cmdDomifstat(c *ctl, cmd *parsedCmd) bool {
	dom, name := c.domain(cmd)
	if dom == nil {
		return false
	}
	device, _ := cmd.str("interface")
	st, err := dom.InterfaceStats(c.ctx, device)
	if err != nil {
		c.errorf("Failed to get interface stats %s %s", name, device)
		return c.fail(err)
	}
	for _, f := range []struct {
		name string
		v    int64
	}{
		{"rx_bytes", st.RxBytes}, {"rx_packets", st.RxPackets}, {"rx_errs", st.RxErrs}, {"rx_drop", st.RxDrop},
		{"tx_bytes", st.TxBytes}, {"tx_packets", st.TxPackets}, {"tx_errs", st.TxErrs}, {"tx_drop", st.TxDrop},
	} {
		if f.v >= 0 {
			c.print("%s %s %d\n", device, f.name, f.v)
		}
	}
	return true
}

func cmdDommemstat(c *ctl, cmd *parsedCmd) bool {
	if !c.exclusive(cmd, "current", "live") || !c.exclusive(cmd, "current", "config") {
		return false
	}
	var flags virt.DomainMemoryModFlags
	if cmd.bool("config") {
		flags |= virt.DomainMemoryModFlags(virt.DomainAffectConfig)
	}
	if cmd.bool("live") {
		flags |= virt.DomainMemoryModFlags(virt.DomainAffectLive)
	}
	dom, name := c.domain(cmd)
	if dom == nil {
		return false
	}
	if !cmd.bool("current") && !cmd.bool("live") && !cmd.bool("config") {
		if active, err := dom.IsActive(c.ctx); err == nil && active {
			flags |= virt.DomainMemoryModFlags(virt.DomainAffectLive)
		}
	}
	period, set, ok := c.optInt(cmd, "period")
	if !ok {
		return false
	}
	if set {
		if period < 0 {
			c.errorf("Invalid collection period value '%d'", period)
			return false
		}
		if err := dom.SetMemoryStatsPeriod(c.ctx, period, flags); err != nil {
			c.errorf("Unable to change balloon collection period.")
			return c.fail(err)
		}
		return true
	}
	stats, err := dom.MemoryStats(c.ctx, uint(virt.DomainMemoryStatNr), 0)
	if err != nil {
		c.errorf("Failed to get memory statistics for domain %s", name)
		return c.fail(err)
	}
	names := map[virt.DomainMemoryStatTags]string{
		virt.DomainMemoryStatSwapIn: "swap_in", virt.DomainMemoryStatSwapOut: "swap_out",
		virt.DomainMemoryStatMajorFault: "major_fault", virt.DomainMemoryStatMinorFault: "minor_fault",
		virt.DomainMemoryStatUnused: "unused", virt.DomainMemoryStatAvailable: "available",
		virt.DomainMemoryStatUsable: "usable", virt.DomainMemoryStatActualBalloon: "actual",
		virt.DomainMemoryStatRss: "rss", virt.DomainMemoryStatLastUpdate: "last_update",
		virt.DomainMemoryStatDiskCaches: "disk_caches", virt.DomainMemoryStatHugetlbPgalloc: "hugetlb_pgalloc",
		virt.DomainMemoryStatHugetlbPgfail: "hugetlb_pgfail",
	}
	for _, s := range stats {
		if n, ok := names[s.Tag]; ok {
			c.print("%s %d\n", n, s.Val)
		}
	}
	return true
}

func cmdDomtime(c *ctl, cmd *parsedCmd) bool {
	if !c.exclusive(cmd, "time", "now") || !c.exclusive(cmd, "time", "sync") || !c.exclusive(cmd, "now", "sync") {
		return false
	}
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	seconds, doSet, ok := c.optLongLong(cmd, "time")
	if !ok {
		return false
	}
	now, sync := cmd.bool("now"), cmd.bool("sync")
	if doSet || now || sync {
		if now {
			seconds = time.Now().Unix()
		}
		var flags virt.DomainSetTimeFlags
		if sync {
			flags |= virt.DomainTimeSync
		}
		if err := dom.SetTime(c.ctx, seconds, 0, flags); err != nil {
			return c.fail(err)
		}
		return true
	}
	secs, _, err := dom.Time(c.ctx, 0)
	if err != nil {
		return c.fail(err)
	}
	if cmd.bool("pretty") {
		c.print("Time: %s", time.Unix(secs, 0).UTC().Format("2006-01-02 15:04:05"))
	} else {
		c.print("Time: %d", secs)
	}
	return true
}

func cmdDomstats(c *ctl, cmd *parsedCmd) bool {
	var stats virt.DomainStatsTypes
	for _, s := range []struct {
		opt  string
		flag virt.DomainStatsTypes
	}{
		{"state", virt.DomainStatsState}, {"cpu-total", virt.DomainStatsCPUTotal}, {"balloon", virt.DomainStatsBalloon},
		{"vcpu", virt.DomainStatsVCPU}, {"interface", virt.DomainStatsInterface}, {"block", virt.DomainStatsBlock},
		{"perf", virt.DomainStatsPerf}, {"iothread", virt.DomainStatsIOThread}, {"memory", virt.DomainStatsMemory},
		{"dirtyrate", virt.DomainStatsDirtyrate}, {"vm", virt.DomainStatsVm},
	} {
		if cmd.bool(s.opt) {
			stats |= s.flag
		}
	}
	var flags virt.ConnectGetAllDomainStatsFlags
	for _, f := range []struct {
		opt  string
		flag virt.ConnectGetAllDomainStatsFlags
	}{
		{"list-active", virt.ConnectGetAllDomainsStatsActive}, {"list-inactive", virt.ConnectGetAllDomainsStatsInactive},
		{"list-persistent", virt.ConnectGetAllDomainsStatsPersistent}, {"list-transient", virt.ConnectGetAllDomainsStatsTransient},
		{"list-running", virt.ConnectGetAllDomainsStatsRunning}, {"list-paused", virt.ConnectGetAllDomainsStatsPaused},
		{"list-shutoff", virt.ConnectGetAllDomainsStatsShutoff}, {"list-other", virt.ConnectGetAllDomainsStatsOther},
		{"enforce", virt.ConnectGetAllDomainsStatsEnforceStats}, {"backing", virt.ConnectGetAllDomainsStatsBacking},
		{"nowait", virt.ConnectGetAllDomainsStatsNowait},
	} {
		if cmd.bool(f.opt) {
			flags |= f.flag
		}
	}
	var doms []*virt.Domain
	for _, name := range cmd.args("domain") {
		d := c.lookupDomain(name)
		if d == nil {
			return false
		}
		doms = append(doms, d)
	}
	records, err := c.conn.GetAllDomainStats(c.ctx, doms, stats, flags)
	if err != nil {
		return c.fail(err)
	}
	if c.json {
		return c.domstatsJSON(records)
	}
	for i, r := range records {
		c.print("Domain: '%s'\n", r.Domain.Name())
		for _, p := range r.Params {
			c.print("  %s=%s\n", p.Field, typedParamValue(p))
		}
		if i < len(records)-1 {
			c.print("\n")
		}
	}
	return true
}

var addrSources = []string{"lease", "agent", "arp"}

func cmdDomifaddr(c *ctl, cmd *parsedCmd) bool {
	ifname, hasIface := cmd.str("interface")
	source := virt.DomainInterfaceAddressesSrcLease
	if s, ok := cmd.str("source"); ok {
		found := false
		for i, n := range addrSources {
			if n == s {
				source, found = virt.DomainInterfaceAddressesSource(i), true
			}
		}
		if !found {
			c.errorf("Unknown data source '%s'", s)
			return false
		}
	}
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	ifaces, err := dom.InterfaceAddresses(c.ctx, source, 0)
	if err != nil {
		c.errorf("Failed to query for interfaces addresses")
		return c.fail(err)
	}
	full := cmd.bool("full")
	c.printExtra(" %-10s %-20s %-8s     %s\n%s%s\n", "Name", "MAC address", "Protocol", "Address",
		"-------------------------------------------------", "------------------------------")
	for _, iface := range ifaces {
		if hasIface && ifname != iface.Name {
			continue
		}
		if len(iface.Addrs) == 0 {
			hw := iface.Hwaddr
			if hw == "" {
				hw = "N/A"
			}
			c.print(" %-10s %-17s    %-12s %s\n", iface.Name, hw, "N/A", "N/A")
			continue
		}
		for j, a := range iface.Addrs {
			typ := ""
			switch a.Type {
			case virt.IPAddrTypeIpv4:
				typ = "ipv4"
			case virt.IPAddrTypeIpv6:
				typ = "ipv6"
			}
			addr := fmt.Sprintf("%-12s %s/%d", typ, a.Addr, a.Prefix)
			if full || j == 0 {
				c.print(" %-10s %-17s    %s\n", iface.Name, iface.Hwaddr, addr)
			} else {
				c.print(" %-10s %-17s    %s\n", "-", "-", addr)
			}
		}
	}
	return true
}
