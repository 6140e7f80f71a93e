package test

import (
	"context"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/conf/macaddr"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/virt/virterr"
)

// typedParamStringOkay is VIR_TYPED_PARAM_STRING_OKAY, which getters accept.
const typedParamStringOkay uint32 = 1 << 2

// blkioFields are the per-device blkio parameters in libvirt's order.
var blkioFields = []string{"device_weight", "device_read_iops_sec", "device_write_iops_sec", "device_read_bytes_sec", "device_write_bytes_sec"}

func blkioValue(d *domain.BlkioDevice, field string) uint64 {
	switch field {
	case "device_weight":
		return uint64(d.Weight)
	case "device_read_iops_sec":
		return uint64(d.ReadIOPS)
	case "device_write_iops_sec":
		return uint64(d.WriteIOPS)
	case "device_read_bytes_sec":
		return d.ReadBytesSec
	}
	return d.WriteBytesSec
}

func setBlkioValue(d *domain.BlkioDevice, field string, v uint64) {
	switch field {
	case "device_weight":
		d.Weight = uint(v)
	case "device_read_iops_sec":
		d.ReadIOPS = uint(v)
	case "device_write_iops_sec":
		d.WriteIOPS = uint(v)
	case "device_read_bytes_sec":
		d.ReadBytesSec = v
	default:
		d.WriteBytesSec = v
	}
}

// DomainGetBlkioParameters reports the weight and the per-device limits
// as "path,value,…" strings (virDomainGetBlkioParametersAssignFromDef).
func (c *conn) DomainGetBlkioParameters(ctx context.Context, dom driver.DomainRef, nparams int32, flags uint32) (driver.DomainGetBlkioParametersRet, error) {
	if err := unsupportedFlags(flags, affectLive|affectConfig|typedParamStringOkay, "testDomainGetBlkioParameters"); err != nil {
		return driver.DomainGetBlkioParametersRet{}, err
	}
	if nparams == 0 {
		return driver.DomainGetBlkioParametersRet{Nparams: 6}, nil
	}
	var ret driver.DomainGetBlkioParametersRet
	err := c.read(dom, func(o *domainObj) error {
		def, _, err := oneDef(o, flags&^typedParamStringOkay)
		if err != nil {
			return err
		}
		bt := def.BlkioTune
		if bt == nil {
			bt = &domain.BlkioTune{}
		}
		params := []driver.TypedParam{uintParam("weight", uint32(bt.Weight))}
		for _, f := range blkioFields {
			var parts []string
			for i := range bt.Devices {
				if v := blkioValue(&bt.Devices[i], f); v != 0 {
					parts = append(parts, bt.Devices[i].Path+","+strconv.FormatUint(v, 10))
				}
			}
			params = append(params, stringParam(f, strings.Join(parts, ",")))
		}
		ret.Params = firstN(params, nparams)
		ret.Nparams = int32(len(ret.Params))
		return nil
	})
	return ret, err
}

// parseBlkioDevices reads "path,value,path,value…"
// (virDomainDriverParseBlkioDeviceStr).
func parseBlkioDevices(s, field string) ([]domain.BlkioDevice, error) {
	if s == "" {
		return nil, nil
	}
	if (strings.Count(s, ",")+1)%2 != 0 {
		return nil, domainErr(virterr.InvalidArg, "unable to parse blkio device '%s' '%s'", field, s)
	}
	var out []domain.BlkioDevice
	rest := s
	for rest != "" {
		comma := strings.IndexByte(rest, ',')
		if comma < 0 {
			return nil, domainErr(virterr.InvalidArg, "unable to parse blkio device '%s' '%s'", field, s)
		}
		dev := domain.BlkioDevice{Path: rest[:comma]}
		num := rest[comma+1:]
		end := 0
		for end < len(num) && num[end] >= '0' && num[end] <= '9' {
			end++
		}
		bits := 32
		if strings.HasSuffix(field, "bytes_sec") {
			bits = 64
		}
		v, err := strconv.ParseUint(num[:end], 10, bits)
		if err != nil {
			return nil, domainErr(virterr.InvalidArg, "invalid value '%s' for parameter '%s' of device '%s'", num, field, dev.Path)
		}
		setBlkioValue(&dev, field, v)
		out = append(out, dev)
		switch {
		case end == len(num):
			rest = ""
		case num[end] == ',':
			rest = num[end+1:]
		default:
			return nil, domainErr(virterr.InvalidArg, "unable to parse blkio device '%s' '%s'", field, s)
		}
	}
	return out, nil
}

// DomainSetBlkioParameters changes the weight and per-device limits of
// one definition (virDomainDriverSetupPersistentDefBlkioParams): listed
// devices get the new value, unknown ones are added unless it is 0.
func (c *conn) DomainSetBlkioParameters(ctx context.Context, dom driver.DomainRef, params []driver.TypedParam, flags uint32) error {
	if err := c.denyReadOnly("virDomainSetBlkioParameters"); err != nil {
		return err
	}
	if err := unsupportedFlags(flags, affectLive|affectConfig, "testDomainSetBlkioParameters"); err != nil {
		return err
	}
	allowed := map[string]int32{"weight": driver.ParamUInt}
	for _, f := range blkioFields {
		allowed[f] = driver.ParamString
	}
	if err := validateParams(params, allowed); err != nil {
		return err
	}
	return c.update(dom, func(o *domainObj) ([]event, error) {
		def, _, err := oneDef(o, flags)
		if err != nil {
			return nil, err
		}
		if def.BlkioTune == nil {
			def.BlkioTune = &domain.BlkioTune{}
		}
		bt := def.BlkioTune
		var firstErr error
		for _, p := range params {
			if p.Field == "weight" {
				bt.Weight = uint(p.Value.UI)
				continue
			}
			devs, err := parseBlkioDevices(p.Value.S, p.Field)
			if err != nil {
				if firstErr == nil {
					firstErr = err
				}
				continue
			}
			for _, src := range devs {
				found := false
				for i := range bt.Devices {
					if bt.Devices[i].Path == src.Path {
						setBlkioValue(&bt.Devices[i], p.Field, blkioValue(&src, p.Field))
						found = true
						break
					}
				}
				if !found && blkioValue(&src, p.Field) != 0 {
					bt.Devices = append(bt.Devices, src)
				}
			}
		}
		return nil, firstErr
	})
}

// findNet is virDomainNetFind: a MAC address or an interface name.
func findNet(root *xmltree.Node, device string) (*xmltree.Node, error) {
	var nets []*xmltree.Node
	if devs := root.Child("devices"); devs != nil {
		nets = devs.ChildrenNamed("interface")
	}
	if mac, err := macaddr.Parse(device); err == nil {
		var found *xmltree.Node
		for _, n := range nets {
			if m := n.Child("mac"); m != nil {
				if nm, err := macaddr.Parse(m.Prop("address")); err == nil && nm == mac {
					if found != nil {
						return nil, domainErr(virterr.InvalidArg, "multiple devices matching MAC address %s found", device)
					}
					found = n
				}
			}
		}
		if found != nil {
			return found, nil
		}
	} else {
		for _, n := range nets {
			if t := n.Child("target"); t != nil && t.Prop("dev") == device {
				return n, nil
			}
		}
	}
	return nil, domainErr(virterr.InvalidArg, "'%s' is not a known interface", device)
}

// defTree is a definition as an XML tree, for the parts the domain
// package keeps as XML.
func defTree(def *domain.Def) (*xmltree.Node, error) {
	return xmltree.Parse([]byte(def.Format(domain.FormatSecure)), "(domain_definition)")
}

var bandwidthIn = []string{"average", "peak", "burst", "floor"}
var bandwidthOut = []string{"average", "peak", "burst"}

// DomainGetInterfaceParameters reports an interface's bandwidth limits.
func (c *conn) DomainGetInterfaceParameters(ctx context.Context, dom driver.DomainRef, device string, nparams int32, flags uint32) (driver.DomainGetInterfaceParametersRet, error) {
	if err := unsupportedFlags(flags, affectLive|affectConfig|typedParamStringOkay, "testDomainGetInterfaceParameters"); err != nil {
		return driver.DomainGetInterfaceParametersRet{}, err
	}
	if nparams == 0 {
		return driver.DomainGetInterfaceParametersRet{Nparams: 7}, nil
	}
	var ret driver.DomainGetInterfaceParametersRet
	err := c.read(dom, func(o *domainObj) error {
		def, _, err := oneDef(o, flags&^typedParamStringOkay)
		if err != nil {
			return err
		}
		root, err := defTree(def)
		if err != nil {
			return err
		}
		net, err := findNet(root, device)
		if err != nil {
			return err
		}
		var params []driver.TypedParam
		for _, dir := range []struct {
			elem   string
			fields []string
		}{{"inbound", bandwidthIn}, {"outbound", bandwidthOut}} {
			rate := net.Find("bandwidth/" + dir.elem)
			for _, f := range dir.fields {
				var v uint64
				if rate != nil {
					v, _ = strconv.ParseUint(rate.Prop(f), 10, 64)
				}
				params = append(params, uintParam(dir.elem+"."+f, uint32(v)))
			}
		}
		ret.Params = firstN(params, nparams)
		ret.Nparams = int32(len(ret.Params))
		return nil
	})
	return ret, err
}

// DomainSetInterfaceParameters replaces an interface's inbound and
// outbound limits; a direction given without average (or floor) is
// cleared (testDomainSetInterfaceParameters).
func (c *conn) DomainSetInterfaceParameters(ctx context.Context, dom driver.DomainRef, device string, params []driver.TypedParam, flags uint32) error {
	if err := c.denyReadOnly("virDomainSetInterfaceParameters"); err != nil {
		return err
	}
	if err := unsupportedFlags(flags, affectLive|affectConfig, "testDomainSetInterfaceParameters"); err != nil {
		return err
	}
	allowed := map[string]int32{}
	for _, f := range bandwidthIn {
		allowed["inbound."+f] = driver.ParamUInt
	}
	for _, f := range bandwidthOut {
		allowed["outbound."+f] = driver.ParamUInt
	}
	if err := validateParams(params, allowed); err != nil {
		return err
	}
	return c.update(dom, func(o *domainObj) ([]event, error) {
		def, live, err := oneDef(o, flags)
		if err != nil {
			return nil, err
		}
		in, out := map[string]uint32{}, map[string]uint32{}
		inSpecified, outSpecified := false, false
		for _, p := range params {
			dir, f, _ := strings.Cut(p.Field, ".")
			if dir == "inbound" {
				in[f] = p.Value.UI
				inSpecified = inSpecified || f == "average" || f == "floor"
			} else {
				out[f] = p.Value.UI
				outSpecified = outSpecified || f == "average"
			}
		}
		newIn := in["average"] != 0 || in["floor"] != 0
		newOut := out["average"] != 0
		nd, err := reparse(def, func(root *xmltree.Node) error {
			net, err := findNet(root, device)
			if err != nil {
				return err
			}
			bw := net.Child("bandwidth")
			if bw == nil {
				bw = &xmltree.Node{Name: "bandwidth", Parent: net, Segments: []string{""}}
				net.Children = append(net.Children, bw)
				net.Segments = append(net.Segments, "")
			}
			rate := func(name string, fields []string, vals map[string]uint32) *xmltree.Node {
				n := &xmltree.Node{Name: name, Parent: bw, Segments: []string{""}}
				// virNetDevBandwidthRateFormat's order.
				for _, f := range []string{"average", "peak", "floor", "burst"} {
					if v := vals[f]; v != 0 && contains(fields, f) {
						n.Attrs = append(n.Attrs, xmltree.Attr{Name: f, Value: strconv.FormatUint(uint64(v), 10)})
					}
				}
				return n
			}
			var kids []*xmltree.Node
			keep := func(name string, repl *xmltree.Node, clear bool) {
				if repl != nil {
					kids = append(kids, repl)
				} else if old := bw.Child(name); old != nil && !clear {
					kids = append(kids, old)
				}
			}
			var inNode, outNode *xmltree.Node
			if newIn {
				inNode = rate("inbound", bandwidthIn, in)
			}
			if newOut {
				outNode = rate("outbound", bandwidthOut, out)
			}
			keep("inbound", inNode, inSpecified)
			keep("outbound", outNode, outSpecified)
			bw.Children = kids
			bw.Segments = make([]string, len(kids)+1)
			if len(kids) == 0 {
				dropChild(net, bw)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		setDef(o, live, nd)
		return nil, nil
	})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func dropChild(parent, child *xmltree.Node) {
	for i, c := range parent.Children {
		if c == child {
			parent.Children = append(parent.Children[:i:i], parent.Children[i+1:]...)
			parent.Segments = append(parent.Segments[:i+1:i+1], parent.Segments[i+2:]...)
			return
		}
	}
}

// iotuneFields are the block I/O tuning parameters in libvirt's order.
var iotuneFields = []string{
	"total_bytes_sec", "read_bytes_sec", "write_bytes_sec",
	"total_iops_sec", "read_iops_sec", "write_iops_sec",
	"total_bytes_sec_max", "read_bytes_sec_max", "write_bytes_sec_max",
	"total_iops_sec_max", "read_iops_sec_max", "write_iops_sec_max",
	"size_iops_sec", "group_name",
	"total_bytes_sec_max_length", "read_bytes_sec_max_length", "write_bytes_sec_max_length",
	"total_iops_sec_max_length", "read_iops_sec_max_length", "write_iops_sec_max_length",
}

// diskByName is virDomainDiskByName: a target or a source path.
func diskByName(def *domain.Def, name string) *domain.Disk {
	if def.Devices == nil {
		return nil
	}
	for _, d := range def.Devices.Disks {
		if d.Dst() == name {
			return d
		}
	}
	for _, d := range def.Devices.Disks {
		if d.Source != nil && d.Source.Path() != "" && d.Source.Path() == name {
			return d
		}
	}
	return nil
}

func iotuneValues(d *domain.Disk) map[string]string {
	vals := map[string]string{}
	for _, n := range d.IOTune {
		vals[n.Name] = strings.TrimSpace(n.Text)
	}
	return vals
}

// DomainGetBlockIoTune reports a disk's I/O limits.
func (c *conn) DomainGetBlockIoTune(ctx context.Context, dom driver.DomainRef, disk *string, nparams int32, flags uint32) (driver.DomainGetBlockIOTuneRet, error) {
	if err := unsupportedFlags(flags, affectLive|affectConfig|typedParamStringOkay, "testDomainGetBlockIoTune"); err != nil {
		return driver.DomainGetBlockIOTuneRet{}, err
	}
	if nparams == 0 {
		return driver.DomainGetBlockIOTuneRet{Nparams: int32(len(iotuneFields))}, nil
	}
	var ret driver.DomainGetBlockIOTuneRet
	err := c.read(dom, func(o *domainObj) error {
		def, _, err := oneDef(o, flags&^typedParamStringOkay)
		if err != nil {
			return err
		}
		d := diskByName(def, deref(disk))
		if d == nil {
			return errf(virterr.InvalidArg, "disk '%s' was not found in the domain config", deref(disk))
		}
		vals := iotuneValues(d)
		var params []driver.TypedParam
		for _, f := range iotuneFields {
			if f == "group_name" {
				params = append(params, stringParam(f, vals[f]))
				continue
			}
			v, _ := strconv.ParseUint(vals[f], 10, 64)
			params = append(params, ullongParam(f, v))
		}
		ret.Params = firstN(params, nparams)
		ret.Nparams = int32(len(ret.Params))
		return nil
	})
	return ret, err
}

// iotuneMax is TEST_BLOCK_IOTUNE_MAX.
const iotuneMax = 1000000000000000

// DomainSetBlockIoTune changes a disk's I/O limits with libvirt's test
// driver checks; it never emits the tunable event.
func (c *conn) DomainSetBlockIoTune(ctx context.Context, dom driver.DomainRef, disk string, params []driver.TypedParam, flags uint32) error {
	if err := c.denyReadOnly("virDomainSetBlockIoTune"); err != nil {
		return err
	}
	if err := unsupportedFlags(flags, affectLive|affectConfig, "testDomainSetBlockIoTune"); err != nil {
		return err
	}
	allowed := map[string]int32{}
	for _, f := range iotuneFields {
		allowed[f] = driver.ParamULLong
	}
	allowed["group_name"] = driver.ParamString
	if err := validateParams(params, allowed); err != nil {
		return err
	}
	return c.update(dom, func(o *domainObj) ([]event, error) {
		def, _, err := oneDef(o, flags)
		if err != nil {
			return nil, err
		}
		d := diskByName(def, disk)
		if d == nil {
			return nil, errf(virterr.InvalidArg, "missing persistent configuration for disk '%s'", disk)
		}
		vals := iotuneValues(d)
		num := map[string]uint64{}
		for _, f := range iotuneFields {
			num[f], _ = strconv.ParseUint(vals[f], 10, 64)
		}
		for _, p := range params {
			if p.Value.Type == driver.ParamULLong && p.Value.UL > iotuneMax {
				return nil, errf(virterr.ArgumentUnsupported, "block I/O throttle limit value must be no more than %d", uint64(iotuneMax))
			}
			if p.Field == "group_name" {
				vals[p.Field] = p.Value.S
			} else {
				num[p.Field] = p.Value.UL
			}
		}
		for _, kind := range []string{"bytes_sec", "iops_sec", "bytes_sec_max", "iops_sec_max"} {
			if num["total_"+kind] != 0 && (num["read_"+kind] != 0 || num["write_"+kind] != 0) {
				return nil, errf(virterr.InvalidArg, "total and read/write of %s cannot be set at the same time", kind)
			}
		}
		for _, f := range []string{"total_bytes_sec", "read_bytes_sec", "write_bytes_sec", "total_iops_sec", "read_iops_sec", "write_iops_sec"} {
			if num[f] > num[f+"_max"] {
				return nil, errf(virterr.InvalidArg, "%s cannot be set higher than %s_max ", f, f)
			}
		}
		var nodes []*xmltree.Node
		for _, f := range iotuneFields {
			text := ""
			if f == "group_name" {
				text = vals[f]
			} else if num[f] != 0 {
				text = strconv.FormatUint(num[f], 10)
			}
			if text != "" {
				nodes = append(nodes, &xmltree.Node{Name: f, Text: text, Segments: []string{text}})
			}
		}
		d.IOTune = nodes
		return nil, nil
	})
}

// memory statistic tags (virDomainMemoryStatTags).
const (
	memStatSwapIn int32 = iota
	memStatSwapOut
	memStatMajorFault
	memStatMinorFault
	memStatUnused
	memStatAvailable
	memStatActualBalloon
	memStatRSS
	memStatUsable
	memStatLastUpdate
	memStatDiskCaches
	memStatHugetlbPgalloc
	memStatHugetlbPgfail
)

func hasMemballoon(def *domain.Def) bool {
	if def.Devices == nil {
		return false
	}
	root, err := defTree(def)
	if err != nil {
		return false
	}
	mb := root.Find("devices/memballoon")
	return mb != nil && mb.Prop("model") != "none"
}

// DomainMemoryStats reports figures derived from the current memory, as
// libvirt's test driver does; without a balloon only the RSS.
func (c *conn) DomainMemoryStats(ctx context.Context, dom driver.DomainRef, maxStats uint32, flags uint32) ([]driver.DomainMemoryStat, error) {
	if err := unsupportedFlags(flags, 0, "testDomainMemoryStats"); err != nil {
		return nil, err
	}
	var out []driver.DomainMemoryStat
	err := c.read(dom, func(o *domainObj) error {
		if !o.active() {
			return domainErr(virterr.OperationInvalid, "domain is not running")
		}
		cur := uint64(int32(o.def.Memory.Current))
		all := []driver.DomainMemoryStat{}
		if hasMemballoon(o.def) {
			all = append(all,
				driver.DomainMemoryStat{Tag: memStatActualBalloon, Val: cur},
				driver.DomainMemoryStat{Tag: memStatSwapIn}, driver.DomainMemoryStat{Tag: memStatSwapOut},
				driver.DomainMemoryStat{Tag: memStatMajorFault}, driver.DomainMemoryStat{Tag: memStatMinorFault},
				driver.DomainMemoryStat{Tag: memStatUnused, Val: cur / 2},
				driver.DomainMemoryStat{Tag: memStatAvailable, Val: cur},
				driver.DomainMemoryStat{Tag: memStatUsable, Val: cur / 2},
				driver.DomainMemoryStat{Tag: memStatLastUpdate, Val: 627319920},
				driver.DomainMemoryStat{Tag: memStatDiskCaches, Val: cur / 8},
				driver.DomainMemoryStat{Tag: memStatHugetlbPgalloc}, driver.DomainMemoryStat{Tag: memStatHugetlbPgfail})
		}
		all = append(all, driver.DomainMemoryStat{Tag: memStatRSS, Val: cur / 2})
		if int(maxStats) < len(all) {
			all = all[:maxStats]
		}
		out = all
		return nil
	})
	return out, err
}

// DomainSetMemoryStatsPeriod sets the balloon's statistics period.
func (c *conn) DomainSetMemoryStatsPeriod(ctx context.Context, dom driver.DomainRef, period int32, flags uint32) error {
	if err := c.denyReadOnly("virDomainSetMemoryStatsPeriod"); err != nil {
		return err
	}
	if err := unsupportedFlags(flags, affectLive|affectConfig, "testDomainSetMemoryStatsPeriod"); err != nil {
		return err
	}
	return c.update(dom, func(o *domainObj) ([]event, error) {
		def, live, err := oneDef(o, flags)
		if err != nil {
			return nil, err
		}
		if !hasMemballoon(def) {
			return nil, errf(virterr.InternalError, "No memory balloon device configured, can not set the collection period")
		}
		nd, err := reparse(def, func(root *xmltree.Node) error {
			mb := root.Find("devices/memballoon")
			if st := mb.Child("stats"); st != nil {
				dropChild(mb, st)
			}
			if period != 0 {
				st := &xmltree.Node{Name: "stats", Parent: mb, Segments: []string{""},
					Attrs: []xmltree.Attr{{Name: "period", Value: strconv.Itoa(int(period))}}}
				mb.Children = append([]*xmltree.Node{st}, mb.Children...)
				mb.Segments = append([]string{""}, mb.Segments...)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		setDef(o, live, nd)
		return nil, nil
	})
}

// DomainMemoryPeek returns bytes counting up from the offset.
func (c *conn) DomainMemoryPeek(ctx context.Context, dom driver.DomainRef, offset uint64, size uint32, flags uint32) ([]byte, error) {
	const virtual, physical = 1 << 0, 1 << 1
	if err := unsupportedFlags(flags, virtual|physical, "testDomainMemoryPeek"); err != nil {
		return nil, err
	}
	if flags != virtual && flags != physical {
		return nil, errf(virterr.InvalidArg, "flags parameter must be VIR_MEMORY_VIRTUAL or VIR_MEMORY_PHYSICAL")
	}
	var out []byte
	err := c.read(dom, func(o *domainObj) error {
		if !o.active() {
			return domainErr(virterr.OperationInvalid, "domain is not running")
		}
		out = make([]byte, size)
		for i := range out {
			out[i] = byte(offset + uint64(i))
		}
		return nil
	})
	return out, err
}

// DomainInterfaceAddresses makes up one address per interface: from the
// network's first DHCP range (or address) offset by the domain id and the
// interface's position, or 192.168.0.N for other interface types.
func (c *conn) DomainInterfaceAddresses(ctx context.Context, dom driver.DomainRef, source uint32, flags uint32) ([]driver.DomainInterface, error) {
	if err := unsupportedFlags(flags, 0, "testDomainInterfaceAddresses"); err != nil {
		return nil, err
	}
	if source >= 3 { // VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LAST
		return nil, errf(virterr.ArgumentUnsupported, "Unknown IP address data source %d", source)
	}
	var out []driver.DomainInterface
	err := c.read(dom, func(o *domainObj) error {
		if !o.active() {
			return domainErr(virterr.OperationInvalid, "domain is not running")
		}
		root, err := defTree(o.def)
		if err != nil {
			return err
		}
		var nets []*xmltree.Node
		if devs := root.Child("devices"); devs != nil {
			nets = devs.ChildrenNamed("interface")
		}
		out = []driver.DomainInterface{}
		for i, n := range nets {
			iface := driver.DomainInterface{}
			if t := n.Child("target"); t != nil {
				iface.Name = t.Prop("dev")
			}
			if m := n.Child("mac"); m != nil {
				if mac, err := macaddr.Parse(m.Prop("address")); err == nil {
					s := mac.String()
					iface.Hwaddr = &s
				}
			}
			addr := driver.DomainIPAddr{Type: 0, Prefix: 24, Addr: fmt.Sprintf("192.168.0.%d", i+1)}
			if n.Prop("type") == "network" {
				offset := 20*(int64(o.def.ID)-1) + int64(i) + 1
				if addr, err = c.st.networkAddress(n.Find("source").Prop("network"), offset); err != nil {
					return err
				}
			}
			iface.Addrs = []driver.DomainIPAddr{addr}
			out = append(out, iface)
		}
		return nil
	})
	return out, err
}

// networkAddress is testDomainInterfaceAddressFromNet.
func (st *state) networkAddress(name string, offset int64) (driver.DomainIPAddr, error) {
	obj, err := st.networkByName(name)
	if err != nil {
		return driver.DomainIPAddr{}, err
	}
	if len(obj.def.IPs) == 0 {
		return driver.DomainIPAddr{}, errf(virterr.InternalError, "network '%s' has no address", name)
	}
	ip := obj.def.IPs[0]
	base := ip.Address
	if len(ip.Ranges) > 0 {
		base = ip.Ranges[0].Start
	}
	ret := driver.DomainIPAddr{Prefix: uint32(ipPrefix(ip.Address, ip.Netmask, ip.PrefixLn))}
	if ip.Family == "ipv6" {
		b := base.As16()
		b[15] += byte(offset)
		ret.Type = 1
		ret.Addr = netip.AddrFrom16(b).String()
	} else {
		b := base.As4()
		v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
		v += uint32(offset)
		ret.Addr = netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}).String()
	}
	return ret, nil
}

// ipPrefix is virSocketAddrGetIPPrefix: the prefix, the netmask's length,
// or the classful default.
func ipPrefix(addr, mask netip.Addr, prefix uint) int {
	if prefix > 0 {
		return int(prefix)
	}
	if mask.IsValid() {
		n := 0
		for _, b := range mask.AsSlice() {
			for i := 7; i >= 0 && b&(1<<i) != 0; i-- {
				n++
			}
		}
		return n
	}
	if !addr.IsValid() {
		return 0
	}
	if addr.Is6() {
		return 64
	}
	b := addr.As4()
	switch {
	case b[0]&0x80 == 0:
		return 8
	case b[0]&0xc0 == 0x80:
		return 16
	case b[0]&0xe0 == 0xc0:
		return 24
	}
	return 0
}

// DomainCreateWithFiles starts a domain; the test driver ignores the files.
func (c *conn) DomainCreateWithFiles(ctx context.Context, dom driver.DomainRef, flags uint32) (driver.DomainRef, error) {
	return c.create(dom, flags, "virDomainCreateWithFiles")
}

// DomainCreateXMLWithFiles starts a transient domain; the files are ignored.
func (c *conn) DomainCreateXMLWithFiles(ctx context.Context, xmlDesc string, flags uint32) (driver.DomainRef, error) {
	return c.DomainCreateXML(ctx, xmlDesc, flags)
}
