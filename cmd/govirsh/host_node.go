package main

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/govirt/govirt/virt"
	"github.com/govirt/govirt/virt/virterr"
)

// The rest of the "Host and Hypervisor" group (virsh-host.c): NUMA
// memory and pages, CPU statistics and maps, CPU models, comparison and
// baselines, memory tuning, suspend and SEV.
func init() {
	register(
		&cmdDef{name: "allocpages", needsConn: true, run: cmdAllocpages},
		&cmdDef{name: "cpu-baseline", needsConn: true, run: cmdCPUBaseline},
		&cmdDef{name: "cpu-compare", needsConn: true, run: cmdCPUCompare},
		&cmdDef{name: "cpu-models", needsConn: true, run: cmdCPUModels},
		&cmdDef{name: "freecell", needsConn: true, run: cmdFreecell},
		&cmdDef{name: "freepages", needsConn: true, run: cmdFreepages},
		&cmdDef{name: "hypervisor-cpu-baseline", needsConn: true, run: cmdHypervisorCPUBaseline},
		&cmdDef{name: "hypervisor-cpu-compare", needsConn: true, run: cmdHypervisorCPUCompare},
		&cmdDef{name: "node-memory-tune", needsConn: true, run: cmdNodeMemoryTune},
		&cmdDef{name: "nodecpumap", needsConn: true, run: cmdNodeCPUMap},
		&cmdDef{name: "nodecpustats", needsConn: true, run: cmdNodeCPUStats},
		&cmdDef{name: "nodememstats", needsConn: true, run: cmdNodeMemStats},
		&cmdDef{name: "nodesevinfo", needsConn: true, run: cmdNodeSEVInfo},
		&cmdDef{name: "nodesuspend", needsConn: true, run: cmdNodeSuspend},
	)
}

// invalidArg is libvirt's virReportInvalidArg, whose message carries no
// prefix.
func invalidArg(msg string) error {
	return &virterr.Error{Code: virterr.InvalidArg, Level: virterr.LevelError, Message: msg, Int1: -1, Int2: -1}
}

// hostCells reads the NUMA cell ids from the capabilities, as freecell,
// freepages and allocpages do with --all.
func (c *ctl) hostCapabilities() (*lxNode, bool) {
	caps, err := c.conn.Capabilities(c.ctx)
	if err != nil {
		c.lastErr = err
		c.errorf("unable to get node capabilities")
		return nil, false
	}
	doc, err := lxParse(caps)
	if err != nil {
		c.errorf("unable to get node capabilities")
		return nil, false
	}
	return doc, true
}

func capsNodes(doc *lxNode, path string) []*lxNode {
	nodes, err := xpSelect(doc, path)
	if err != nil {
		return nil
	}
	return nodes
}

func cmdFreecell(c *ctl, cmd *parsedCmd) bool {
	all, cellno := cmd.bool("all"), cmd.has("cellno")
	if !c.exclusive(cmd, "all", "cellno") {
		return false
	}
	cell := -1
	if cellno {
		v, _, ok := c.intOpt(cmd, "cellno")
		if !ok {
			return false
		}
		cell = v
	}
	if all {
		doc, ok := c.hostCapabilities()
		if !ok {
			return false
		}
		type cellFree struct {
			id   uint64
			free uint64
		}
		var cells []cellFree
		for _, n := range capsNodes(doc, "/capabilities/host/topology/cells/cell") {
			v, _ := n.attr("id")
			id, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				c.errorf("conversion from string failed")
				return false
			}
			free, err := c.conn.NodeCellsFreeMemory(c.ctx, int(id), 1)
			if err != nil || len(free) != 1 {
				c.lastErr = err
				c.errorf("failed to get free memory for NUMA node number: %d", id)
				return false
			}
			cells = append(cells, cellFree{id, free[0]})
		}
		var total uint64
		if c.json {
			out := []jsonKV{}
			for _, cf := range cells {
				out = append(out, jsonKV{{"cell", cf.id}, {"free_kib", cf.free / 1024}})
				total += cf.free
			}
			return c.jsonOut(jsonKV{{"cells", out}, {"total_kib", total / 1024}})
		}
		for _, cf := range cells {
			c.print("%5d: %10d KiB\n", cf.id, cf.free/1024)
			total += cf.free
		}
		c.printExtra("--------------------\n")
		c.printExtra("%5s: %10d KiB\n", "Total", total/1024)
		return true
	}
	if cellno {
		if cell < 0 {
			return c.fail(invalidArg("startCell in virNodeGetCellsFreeMemory must be zero or greater"))
		}
		free, err := c.conn.NodeCellsFreeMemory(c.ctx, cell, 1)
		if err != nil || len(free) != 1 {
			return c.fail(err)
		}
		if c.json {
			return c.jsonOut(jsonKV{{"cell", cell}, {"free_kib", free[0] / 1024}})
		}
		c.print("%d: %d KiB\n", cell, free[0]/1024)
		return true
	}
	free, err := c.conn.NodeFreeMemory(c.ctx)
	if err != nil || free == 0 {
		return c.fail(err)
	}
	if c.json {
		return c.jsonOut(jsonKV{{"total_kib", free / 1024}})
	}
	c.print("%s: %d KiB\n", "Total", free/1024)
	return true
}

func cmdFreepages(c *ctl, cmd *parsedCmd) bool {
	all, cellno, pagesz := cmd.bool("all"), cmd.has("cellno"), cmd.has("pagesize")
	if !c.exclusive(cmd, "all", "cellno") {
		return false
	}
	bytes, _, ok := c.scaledOpt(cmd, "pagesize", 1024, math.MaxUint32)
	if !ok {
		return false
	}
	kib := uint32((bytes + 1023) / 1024)
	if all {
		doc, ok := c.hostCapabilities()
		if !ok {
			return false
		}
		var sizes []uint32
		if !pagesz {
			nodes := capsNodes(doc, "/capabilities/host/cpu/pages")
			if len(nodes) == 0 {
				nodes = capsNodes(doc, "/capabilities/host/topology/cells/cell/pages")
				if len(nodes) == 0 {
					c.errorf("could not get information about supported page sizes")
					return false
				}
			}
			for _, n := range nodes {
				v, _ := n.attr("size")
				s, err := strconv.ParseUint(v, 10, 32)
				if err != nil {
					c.errorf("unable to parse page size: %s", v)
					return false
				}
				sizes = append(sizes, uint32(s))
			}
			sort.Slice(sizes, func(i, j int) bool { return sizes[i] < sizes[j] })
			uniq := sizes[:0]
			for i, s := range sizes {
				if i == 0 || s != sizes[i-1] {
					uniq = append(uniq, s)
				}
			}
			sizes = uniq
		} else {
			sizes = []uint32{kib}
		}
		var out []jsonKV
		for _, n := range capsNodes(doc, "/capabilities/host/topology/cells/cell") {
			v, _ := n.attr("id")
			cell, err := strconv.ParseInt(v, 10, 32)
			if err != nil {
				c.errorf("unable to parse numa node id: %s", v)
				return false
			}
			counts, err := c.conn.NodeFreePages(c.ctx, sizes, int(cell), 1, 0)
			if err != nil {
				return c.fail(err)
			}
			if c.json {
				pages := []jsonKV{}
				for j, s := range sizes {
					pages = append(pages, jsonKV{{"size_kib", s}, {"free", counts[j]}})
				}
				out = append(out, jsonKV{{"cell", cell}, {"pages", pages}})
				continue
			}
			c.print("Node %d:\n", cell)
			for j, s := range sizes {
				c.print("%dKiB: %d\n", s, int64(counts[j]))
			}
			c.print("\n")
		}
		if c.json {
			if out == nil {
				out = []jsonKV{}
			}
			return c.jsonOut(out)
		}
		return true
	}
	if !cellno {
		c.errorf("missing cellno argument")
		return false
	}
	cell, _, ok := c.intOpt(cmd, "cellno")
	if !ok {
		return false
	}
	if cell < -1 {
		c.errorf("cell number must be non-negative integer or -1")
		return false
	}
	if !pagesz {
		c.errorf("missing pagesize argument")
		return false
	}
	counts, err := c.conn.NodeFreePages(c.ctx, []uint32{kib}, cell, 1, 0)
	if err != nil {
		return c.fail(err)
	}
	if c.json {
		return c.jsonOut([]jsonKV{{{"cell", cell}, {"pages", []jsonKV{{{"size_kib", kib}, {"free", counts[0]}}}}}})
	}
	c.print("%dKiB: %d\n", kib, int64(counts[0]))
	return true
}

func cmdAllocpages(c *ctl, cmd *parsedCmd) bool {
	all, cellno := cmd.bool("all"), cmd.has("cellno")
	if !c.exclusive(cmd, "all", "cellno") {
		return false
	}
	startCell := -1
	if cellno {
		v, _, ok := c.intOpt(cmd, "cellno")
		if !ok {
			return false
		}
		startCell = v
	}
	bytes, _, ok := c.scaledOpt(cmd, "pagesize", 1024, math.MaxUint32)
	if !ok {
		return false
	}
	sizes := []uint32{uint32((bytes + 1023) / 1024)}
	count, _, ok := c.ullOpt(cmd, "pagecount")
	if !ok {
		return false
	}
	flags := virt.NodeAllocPagesSet
	if cmd.bool("add") {
		flags = virt.NodeAllocPagesAdd
	}
	if all {
		doc, ok := c.hostCapabilities()
		if !ok {
			return false
		}
		for _, n := range capsNodes(doc, "/capabilities/host/topology/cells/cell") {
			v, _ := n.attr("id")
			id, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				c.errorf("conversion from string failed")
				return false
			}
			if _, err := c.conn.NodeAllocPages(c.ctx, sizes, []uint64{count}, int(id), 1, flags); err != nil {
				return c.fail(err)
			}
		}
		return true
	}
	if _, err := c.conn.NodeAllocPages(c.ctx, sizes, []uint64{count}, startCell, 1, flags); err != nil {
		return c.fail(err)
	}
	return true
}

func cmdNodeCPUMap(c *ctl, cmd *parsedCmd) bool {
	m, err := c.conn.NodeCPUMap(c.ctx, 0)
	if err != nil {
		c.lastErr = err
		c.errorf("Unable to get cpu map")
		return false
	}
	online := 0
	for _, on := range m.Online {
		if on {
			online++
		}
	}
	if c.json {
		list := []int{}
		for i, on := range m.Online {
			if on {
				list = append(list, i)
			}
		}
		return c.jsonOut(jsonKV{{"cpus_present", m.CPUs}, {"cpus_online", online}, {"online", list}})
	}
	c.print("%-15s %d\n", "CPUs present:", m.CPUs)
	c.print("%-15s %d\n", "CPUs online:", online)
	c.print("%-15s ", "CPU map:")
	if cmd.bool("pretty") {
		c.print("%s", bitmapFormat(m.Online))
	} else {
		for i := 0; i < m.CPUs; i++ {
			if i < len(m.Online) && m.Online[i] {
				c.print("y")
			} else {
				c.print("-")
			}
		}
	}
	c.print("\n")
	return true
}

// bitmapFormat is virBitmapFormat: ranges of set bits ("0-3,6").
func bitmapFormat(bits []bool) string {
	var parts []string
	for i := 0; i < len(bits); i++ {
		if !bits[i] {
			continue
		}
		j := i
		for j+1 < len(bits) && bits[j+1] {
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

// The CPU statistics virsh shows, in its order (virshCPUStats).
var cpuStatFields = []string{"user", "kernel", "idle", "iowait", "intr", "utilization"}
var cpuStatLabels = []string{"user:", "system:", "idle:", "iowait:", "intr:", "usage:"}

// cDouble is printf's "%5.1lf" including glibc's spelling of NaN and
// infinities.
func cDouble(v float64) string {
	s := ""
	switch {
	case math.IsNaN(v):
		s = "nan"
		if math.Signbit(v) {
			s = "-nan"
		}
	case math.IsInf(v, 1):
		s = "inf"
	case math.IsInf(v, -1):
		s = "-inf"
	default:
		s = strconv.FormatFloat(v, 'f', 1, 64)
	}
	return fmt.Sprintf("%5s", s)
}

func cmdNodeCPUStats(c *ctl, cmd *parsedCmd) bool {
	percent := cmd.bool("percent")
	cpu := -1
	if v, present, ok := c.intOpt(cmd, "cpu"); !ok {
		return false
	} else if present {
		cpu = v
	}
	params, err := c.conn.NodeCPUStats(c.ctx, cpu, 0)
	if err != nil {
		c.lastErr = err
		c.errorf("Unable to get number of cpu stats")
		return false
	}
	if len(params) == 0 {
		return true
	}
	var stats [6]uint64
	var present [6]bool
	for i := 0; i < 2; i++ {
		if i > 0 {
			if params, err = c.conn.NodeCPUStats(c.ctx, cpu, 0); err != nil {
				c.lastErr = err
				c.errorf("Unable to get node cpu stats")
				return false
			}
		}
		for _, p := range params {
			f := indexOf(cpuStatFields, p.Field)
			if f < 0 {
				continue
			}
			if i == 0 {
				stats[f], present[f] = p.Value, true
			} else if present[f] {
				stats[f] = p.Value - stats[f]
			}
		}
		if present[5] || !percent {
			break
		}
		time.Sleep(time.Second)
	}
	if c.json {
		kv := jsonKV{}
		for i := 0; i < 5; i++ {
			if present[i] {
				kv = append(kv, jsonField{cpuStatFields[i], stats[i]})
			}
		}
		if present[5] {
			kv = append(kv, jsonField{"utilization", stats[5]})
		}
		return c.jsonOut(kv)
	}
	if !percent {
		for i := 0; i < 5; i++ {
			if present[i] {
				c.print("%-15s %20d\n", cpuStatLabels[i], stats[i])
			}
		}
		return true
	}
	if present[5] {
		c.print("%-15s %5d%%\n", "usage:", stats[5])
		c.print("%-15s %5d%%\n", "idle:", 100-stats[5])
		return true
	}
	total := 0.0
	for i := 0; i < 5; i++ {
		total += float64(stats[i])
	}
	usage := float64(stats[0]+stats[1]) / total * 100
	c.print("%-15s %s%%\n", "usage:", cDouble(usage))
	for i := 0; i < 5; i++ {
		if present[i] {
			c.print("%-15s %s%%\n", cpuStatLabels[i], cDouble(float64(stats[i])/total*100))
		}
	}
	return true
}

func cmdNodeMemStats(c *ctl, cmd *parsedCmd) bool {
	cell := -1
	if v, present, ok := c.intOpt(cmd, "cell"); !ok {
		return false
	} else if present {
		cell = v
	}
	params, err := c.conn.NodeMemoryStats(c.ctx, cell, 0)
	if err != nil {
		c.lastErr = err
		c.errorf("Unable to get number of memory stats")
		return false
	}
	if c.json {
		kv := jsonKV{}
		for _, p := range params {
			kv = append(kv, jsonField{p.Field + "_kib", p.Value})
		}
		return c.jsonOut(kv)
	}
	for _, p := range params {
		c.print("%-7s: %20d KiB\n", p.Field, p.Value)
	}
	return true
}

var suspendTargets = []string{"mem", "disk", "hybrid"}

func cmdNodeSuspend(c *ctl, cmd *parsedCmd) bool {
	target, _, ok := c.strReq(cmd, "target")
	if !ok {
		return false
	}
	duration, err := strconv.ParseInt(cmd.opts["duration"], 10, 64)
	if err != nil {
		c.numberErr(cmd, "duration")
		return false
	}
	t := indexOf(suspendTargets, target)
	if t < 0 {
		c.errorf("Invalid target")
		return false
	}
	if duration < 0 {
		c.errorf("Invalid duration")
		return false
	}
	if err := c.conn.NodeSuspendForDuration(c.ctx, virt.NodeSuspendTarget(t), uint64(duration), 0); err != nil {
		c.lastErr = err
		c.errorf("The host was not suspended")
		return false
	}
	return true
}

// typedParamString is vshGetTypedParamValue.
func typedParamString(p virt.TypedParam) string {
	switch v := p.Value.(type) {
	case bool:
		return ynStr(v)
	case float64:
		return strconv.FormatFloat(v, 'f', 6, 64)
	case string:
		return v
	}
	return fmt.Sprint(p.Value)
}

func cmdNodeMemoryTune(c *ctl, cmd *parsedCmd) bool {
	var params []virt.TypedParam
	for _, o := range []struct{ opt, field string }{
		{"shm-pages-to-scan", "shm_pages_to_scan"},
		{"shm-sleep-millisecs", "shm_sleep_millisecs"},
		{"shm-merge-across-nodes", "shm_merge_across_nodes"},
	} {
		v, present, ok := c.uintOpt(cmd, o.opt)
		if !ok {
			return false
		}
		if present {
			params = append(params, virt.TypedParam{Field: o.field, Value: uint32(v)})
		}
	}
	if len(params) > 0 {
		if err := c.conn.SetNodeMemoryParameters(c.ctx, params, 0); err != nil {
			c.lastErr = err
			c.errorf("Unable to change memory parameters")
			return false
		}
		return true
	}
	got, err := c.conn.NodeMemoryParameters(c.ctx, 0)
	if err != nil {
		c.lastErr = err
		c.errorf("Unable to get number of memory parameters")
		return false
	}
	if len(got) == 0 {
		return true
	}
	if c.json {
		kv := jsonKV{}
		for _, p := range got {
			kv = append(kv, jsonField{p.Field, p.Value})
		}
		return c.jsonOut(kv)
	}
	c.print("Shared memory:\n")
	for _, p := range got {
		c.print("\t%-15s %s\n", p.Field, typedParamString(p))
	}
	return true
}

func cmdNodeSEVInfo(c *ctl, cmd *parsedCmd) bool {
	params, err := c.conn.NodeSEVInfo(c.ctx, 0)
	if err != nil {
		c.lastErr = err
		c.errorf("Unable to get host SEV information")
		return false
	}
	if c.json {
		kv := jsonKV{}
		for _, p := range params {
			kv = append(kv, jsonField{p.Field, p.Value})
		}
		return c.jsonOut(kv)
	}
	for _, p := range params {
		c.print("%-18s: %s\n", p.Field, typedParamString(p))
	}
	return true
}

func cmdCPUModels(c *ctl, cmd *parsedCmd) bool {
	arch, _, ok := c.strReq(cmd, "arch")
	if !ok {
		return false
	}
	models, err := c.conn.CPUModelNames(c.ctx, arch, 0)
	if err != nil {
		c.lastErr = err
		c.errorf("failed to get CPU model names")
		return false
	}
	if c.json {
		if models == nil {
			models = []string{}
		}
		return c.jsonOut(models)
	}
	if len(models) == 0 {
		c.printExtra("all CPU models are accepted\n")
		return true
	}
	for _, m := range models {
		c.print("%s\n", m)
	}
	return true
}

// cpuDefs is vshExtractCPUDefXMLs: the <cpu> elements of a file holding
// CPU definitions, domain XML, capabilities or domain capabilities.
func (c *ctl) cpuDefs(file string) ([]string, bool) {
	data, err := readFile(file)
	if err != nil {
		c.lastErr = err
		return nil, false
	}
	buf := string(data)
	if strings.HasPrefix(buf, "<?xml") {
		if i := strings.Index(buf, "?>"); i >= 0 {
			buf = buf[i+2:]
		}
	}
	doc, err := lxParse("<container>" + buf + "</container>")
	if err != nil {
		c.lastErr = virterr.New(virterr.XMLError, "%s: %s", file, err)
		return nil, false
	}
	nodes, err := xpSelect(doc, "/container/cpu|/container/domain/cpu|/container/capabilities/host/cpu|"+
		"/container/domainCapabilities/cpu/mode[@name='host-model' and @supported='yes']")
	if err != nil || len(nodes) == 0 {
		c.errorf("File '%s' does not contain any <cpu> element or valid domain XML, host capabilities XML, or domain capabilities XML", file)
		return nil, false
	}
	var cpus []string
	for _, n := range nodes {
		if n.name == "mode" {
			n.name, n.local, n.attrs = "cpu", "cpu", nil
		}
		cpus = append(cpus, lxDump(n))
	}
	return cpus, true
}

func cmdCPUCompare(c *ctl, cmd *parsedCmd) bool {
	var flags virt.ConnectCompareCPUFlags
	if cmd.bool("error") {
		flags |= virt.ConnectCompareCPUFailIncompatible
	}
	if cmd.bool("validate") {
		flags |= virt.ConnectCompareCPUValidateXML
	}
	from, _, ok := c.strReq(cmd, "file")
	if !ok {
		return false
	}
	cpus, ok := c.cpuDefs(from)
	if !ok {
		return false
	}
	result, err := c.conn.CompareCPU(c.ctx, cpus[0], flags)
	if err != nil {
		result = virt.CPUCompareError
	}
	switch result {
	case virt.CPUCompareIncompatible:
		c.print("CPU described in %s is incompatible with host CPU\n", from)
		return false
	case virt.CPUCompareIdentical:
		c.print("CPU described in %s is identical to host CPU\n", from)
	case virt.CPUCompareSuperset:
		c.print("Host CPU is a superset of CPU described in %s\n", from)
	default:
		c.lastErr = err
		c.errorf("Failed to compare host CPU with %s", from)
		return false
	}
	return true
}

func baselineFlags(cmd *parsedCmd) virt.ConnectBaselineCPUFlags {
	var flags virt.ConnectBaselineCPUFlags
	if cmd.bool("features") {
		flags |= virt.ConnectBaselineCPUExpandFeatures
	}
	if cmd.bool("migratable") {
		flags |= virt.ConnectBaselineCPUMigratable
	}
	return flags
}

func cmdCPUBaseline(c *ctl, cmd *parsedCmd) bool {
	flags := baselineFlags(cmd)
	from, _, ok := c.strReq(cmd, "file")
	if !ok {
		return false
	}
	cpus, ok := c.cpuDefs(from)
	if !ok {
		return false
	}
	result, err := c.conn.BaselineCPU(c.ctx, cpus, flags)
	if err != nil {
		return c.fail(err)
	}
	c.print("%s", result)
	return true
}

// hypervisorOpts reads the options naming a hypervisor: virttype,
// emulator, arch and machine.
func (c *ctl) hypervisorOpts(cmd *parsedCmd) ([4]string, bool) {
	var v [4]string
	for i, o := range []string{"virttype", "emulator", "arch", "machine"} {
		s, _, ok := c.strReq(cmd, o)
		if !ok {
			return v, false
		}
		v[i] = s
	}
	return v, true
}

func cmdHypervisorCPUCompare(c *ctl, cmd *parsedCmd) bool {
	var flags virt.ConnectCompareCPUFlags
	if cmd.bool("error") {
		flags |= virt.ConnectCompareCPUFailIncompatible
	}
	if cmd.bool("validate") {
		flags |= virt.ConnectCompareCPUValidateXML
	}
	from, _, ok := c.strReq(cmd, "file")
	if !ok {
		return false
	}
	hv, ok := c.hypervisorOpts(cmd)
	if !ok {
		return false
	}
	cpus, ok := c.cpuDefs(from)
	if !ok {
		return false
	}
	result, err := c.conn.CompareHypervisorCPU(c.ctx, hv[1], hv[2], hv[3], hv[0], cpus[0], flags)
	if err != nil {
		result = virt.CPUCompareError
	}
	switch result {
	case virt.CPUCompareIncompatible:
		c.print("CPU described in %s is incompatible with the CPU provided by hypervisor on the host\n", from)
		return false
	case virt.CPUCompareIdentical:
		c.print("CPU described in %s is identical to the CPU provided by hypervisor on the host\n", from)
	case virt.CPUCompareSuperset:
		c.print("The CPU provided by hypervisor on the host is a superset of CPU described in %s\n", from)
	default:
		c.lastErr = err
		c.errorf("Failed to compare hypervisor CPU with %s", from)
		return false
	}
	return true
}

func cmdHypervisorCPUBaseline(c *ctl, cmd *parsedCmd) bool {
	flags := baselineFlags(cmd)
	if !c.exclusive(cmd, "file", "model") {
		return false
	}
	from, hasFile, ok := c.strReq(cmd, "file")
	if !ok {
		return false
	}
	hv, ok := c.hypervisorOpts(cmd)
	if !ok {
		return false
	}
	model, hasModel, ok := c.strReq(cmd, "model")
	if !ok {
		return false
	}
	if !hasFile && !hasModel {
		c.errorf("Either --file or --model must be provided")
		return false
	}
	var cpus []string
	if hasFile {
		if cpus, ok = c.cpuDefs(from); !ok {
			return false
		}
	} else {
		cpus = []string{"<cpu><model>" + lxEscapeText(model) + "</model></cpu>"}
	}
	result, err := c.conn.BaselineHypervisorCPU(c.ctx, hv[1], hv[2], hv[3], hv[0], cpus, flags)
	if err != nil {
		return c.fail(err)
	}
	c.print("%s", result)
	return true
}
