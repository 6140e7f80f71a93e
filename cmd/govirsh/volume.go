package main

import (
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"

	"github.com/govirt/govirt/virt"
)

// The "Storage Volume" group (virsh-volume.c).
func init() {
	register(
		&cmdDef{name: "vol-clone", needsConn: true, run: cmdVolClone},
		&cmdDef{name: "vol-create-as", needsConn: true, run: cmdVolCreateAs},
		&cmdDef{name: "vol-create", needsConn: true, run: cmdVolCreate},
		&cmdDef{name: "vol-create-from", needsConn: true, run: cmdVolCreateFrom},
		&cmdDef{name: "vol-delete", needsConn: true, run: cmdVolDelete},
		&cmdDef{name: "vol-download", needsConn: true, run: cmdVolDownload},
		&cmdDef{name: "vol-dumpxml", needsConn: true, run: cmdVolDumpXML},
		&cmdDef{name: "vol-info", needsConn: true, run: cmdVolInfo},
		&cmdDef{name: "vol-key", needsConn: true, run: cmdVolKey},
		&cmdDef{name: "vol-list", needsConn: true, run: cmdVolList},
		&cmdDef{name: "vol-name", needsConn: true, run: cmdVolName},
		&cmdDef{name: "vol-path", needsConn: true, run: cmdVolPath},
		&cmdDef{name: "vol-pool", needsConn: true, run: cmdVolPool},
		&cmdDef{name: "vol-resize", needsConn: true, run: cmdVolResize},
		&cmdDef{name: "vol-upload", needsConn: true, run: cmdVolUpload},
		&cmdDef{name: "vol-wipe", needsConn: true, run: cmdVolWipe},
	)
}

// volArg is virshCommandOptVolBy: by name in the pool option's pool
// (which must be active), then by key, then by path.
func (c *ctl) volArg(cmd *parsedCmd, opt, poolOpt string, by int) (*virt.StorageVol, string) {
	n, _, ok := c.strReq(cmd, opt)
	if !ok {
		return nil, ""
	}
	var pool *virt.StoragePool
	if poolOpt != "" {
		p, present, ok := c.strReq(cmd, poolOpt)
		if !ok {
			return nil, n
		}
		if present {
			if pool, _ = c.poolArg(cmd, poolOpt, by); pool == nil {
				return nil, n
			}
			if active, err := pool.IsActive(c.ctx); err != nil || !active {
				c.errorf("pool '%s' is not active", p)
				return nil, n
			}
		}
	}
	var vol *virt.StorageVol
	var err error
	if pool != nil && by&byName != 0 {
		vol, err = pool.LookupStorageVolByName(c.ctx, n)
	}
	if vol == nil && by&byUUID != 0 {
		vol, err = c.conn.LookupStorageVolByKey(c.ctx, n)
	}
	if vol == nil && by&byUUID != 0 {
		vol, err = c.conn.LookupStorageVolByPath(c.ctx, n)
	}
	if vol == nil {
		c.lastErr = err
		if pool != nil || poolOpt == "" {
			c.errorf("failed to get vol '%s'", n)
		} else {
			c.errorf("failed to get vol '%s', specifying --%s might help", n, poolOpt)
		}
		return nil, n
	}
	c.lastErr = nil
	return vol, n
}

// volSize is virshVolSize: a scaled integer, bytes by default.
func (c *ctl) volSize(s string) (uint64, bool) {
	n, err := parseScaled(s, 1, ^uint64(0))
	if se, ok := err.(*scaleError); ok {
		c.lastErr = se
	}
	return n, err == nil
}

func cmdVolCreateAs(c *ctl, cmd *parsedCmd) bool {
	pool, _ := c.poolArg(cmd, "pool", byUUID|byName)
	if pool == nil {
		return false
	}
	var flags virt.StorageVolCreateFlags
	if cmd.bool("prealloc-metadata") {
		flags |= virt.StorageVolCreatePreallocMetadata
	}
	name, _, ok := c.strReq(cmd, "name")
	if !ok {
		return false
	}
	capStr, _, ok := c.strReq(cmd, "capacity")
	if !ok {
		return false
	}
	capacity, good := c.volSize(capStr)
	if !good {
		c.errorf("Malformed size %s", capStr)
		return false
	}
	allocStr, hasAlloc := cmd.str("allocation")
	hasAlloc = hasAlloc && allocStr != ""
	var allocation uint64
	if hasAlloc {
		if allocation, good = c.volSize(allocStr); !good {
			c.errorf("Malformed size %s", allocStr)
			return false
		}
	}
	format, hasFormat, ok1 := c.strReq(cmd, "format")
	backing, hasBacking, ok2 := c.strReq(cmd, "backing-vol")
	backingFormat, hasBackingFormat, ok3 := c.strReq(cmd, "backing-vol-format")
	if !ok1 || !ok2 || !ok3 {
		return false
	}
	var b strings.Builder
	fmt.Fprintf(&b, "<volume>\n  <name>%s</name>\n  <capacity>%d</capacity>\n", name, capacity)
	if hasAlloc {
		fmt.Fprintf(&b, "  <allocation>%d</allocation>\n", allocation)
	}
	if hasFormat {
		fmt.Fprintf(&b, "  <target>\n    <format type='%s'/>\n  </target>\n", format)
	}
	if hasBacking {
		snap, _ := pool.LookupStorageVolByName(c.ctx, backing)
		if snap == nil {
			snap, _ = c.conn.LookupStorageVolByKey(c.ctx, backing)
		}
		if snap == nil {
			snap, _ = c.conn.LookupStorageVolByPath(c.ctx, backing)
		}
		if snap == nil {
			c.lastErr = nil
			c.errorf("failed to get vol '%s'", backing)
			return false
		}
		path, err := snap.Path(c.ctx)
		if err != nil {
			return c.fail(err)
		}
		fmt.Fprintf(&b, "  <backingStore>\n    <path>%s</path>\n", path)
		if hasBackingFormat {
			fmt.Fprintf(&b, "    <format type='%s'/>\n", backingFormat)
		}
		b.WriteString("  </backingStore>\n")
	}
	b.WriteString("</volume>\n")
	if cmd.bool("print-xml") {
		c.print("%s", b.String())
		return true
	}
	if _, err := pool.StorageVolCreateXML(c.ctx, b.String(), flags); err != nil {
		c.errorf("Failed to create vol %s", name)
		return c.fail(err)
	}
	c.printExtra("Vol %s created\n", name)
	return true
}

func volCreateFlags(cmd *parsedCmd) virt.StorageVolCreateFlags {
	var flags virt.StorageVolCreateFlags
	if cmd.bool("prealloc-metadata") {
		flags |= virt.StorageVolCreatePreallocMetadata
	}
	if cmd.bool("reflink") {
		flags |= virt.StorageVolCreateReflink
	}
	if cmd.bool("validate") {
		flags |= virt.StorageVolCreateValidate
	}
	return flags
}

func cmdVolCreate(c *ctl, cmd *parsedCmd) bool {
	pool, _ := c.poolArg(cmd, "pool", byUUID|byName)
	if pool == nil {
		return false
	}
	flags := volCreateFlags(cmd)
	from, _, ok := c.strReq(cmd, "file")
	if !ok {
		return false
	}
	data, err := readFile(from)
	if err != nil {
		return c.fail(err)
	}
	vol, err := pool.StorageVolCreateXML(c.ctx, string(data), flags)
	if err != nil {
		c.errorf("Failed to create vol from %s", from)
		return c.fail(err)
	}
	c.printExtra("Vol %s created from %s\n", vol.Name(), from)
	return true
}

func cmdVolCreateFrom(c *ctl, cmd *parsedCmd) bool {
	pool, _ := c.poolArg(cmd, "pool", byUUID|byName)
	if pool == nil {
		return false
	}
	flags := volCreateFlags(cmd)
	from, _, ok := c.strReq(cmd, "file")
	if !ok {
		return false
	}
	input, _ := c.volArg(cmd, "vol", "inputpool", byUUID|byName)
	if input == nil {
		return false
	}
	data, err := readFile(from)
	if err != nil {
		c.lastErr = err
		c.reportError()
		return false
	}
	vol, err := pool.StorageVolCreateXMLFrom(c.ctx, string(data), input, flags)
	if err != nil {
		c.errorf("Failed to create vol from %s", from)
		return c.fail(err)
	}
	c.printExtra("Vol %s created from input vol %s\n", vol.Name(), input.Name())
	return true
}

var volNameElement = regexp.MustCompile(`(?s)(<volume[^>]*>.*?<name>)[^<]*(</name>)`)

func cmdVolClone(c *ctl, cmd *parsedCmd) bool {
	orig, _ := c.volArg(cmd, "vol", "pool", byUUID|byName)
	if orig == nil {
		return false
	}
	pool, err := orig.LookupPool(c.ctx)
	if err != nil {
		c.lastErr = err
		c.errorf("failed to get parent pool")
		return false
	}
	name, _, ok := c.strReq(cmd, "newname")
	if !ok {
		return false
	}
	var flags virt.StorageVolCreateFlags
	if cmd.bool("prealloc-metadata") {
		flags |= virt.StorageVolCreatePreallocMetadata
	}
	if cmd.bool("reflink") {
		flags |= virt.StorageVolCreateReflink
	}
	xml, err := orig.XMLDesc(c.ctx)
	if err != nil {
		return c.fail(err)
	}
	xml = volNameElement.ReplaceAllString(xml, "${1}"+xmlEscape(name)+"${2}")
	vol, err := pool.StorageVolCreateXMLFrom(c.ctx, xml, orig, flags)
	if err != nil {
		c.errorf("Failed to clone vol from %s", orig.Name())
		return c.fail(err)
	}
	c.printExtra("Vol %s cloned from %s\n", vol.Name(), orig.Name())
	return true
}

func cmdVolDelete(c *ctl, cmd *parsedCmd) bool {
	vol, name := c.volArg(cmd, "vol", "pool", byUUID|byName)
	if vol == nil {
		return false
	}
	var flags virt.StorageVolDeleteFlags
	if cmd.bool("delete-snapshots") {
		flags |= virt.StorageVolDeleteWithSnapshots
	}
	if err := vol.Delete(c.ctx, flags); err != nil {
		c.errorf("Failed to delete vol %s", name)
		return c.fail(err)
	}
	c.printExtra("Vol %s deleted\n", name)
	return true
}

// offsetLength reads vol-upload/vol-download's --offset and --length.
func (c *ctl) offsetLength(cmd *parsedCmd) (uint64, uint64, bool) {
	off, _, ok := c.ullOpt(cmd, "offset")
	if !ok {
		return 0, 0, false
	}
	length, _, ok := c.ullOpt(cmd, "length")
	if !ok {
		return 0, 0, false
	}
	return off, length, true
}

func cmdVolUpload(c *ctl, cmd *parsedCmd) bool {
	off, length, ok := c.offsetLength(cmd)
	if !ok {
		return false
	}
	vol, name := c.volArg(cmd, "vol", "pool", byUUID|byName)
	if vol == nil {
		return false
	}
	file, _, ok := c.strReq(cmd, "file")
	if !ok {
		return false
	}
	f, err := os.Open(file)
	if err != nil {
		c.errorf("cannot read %s", file)
		return false
	}
	defer f.Close()
	var flags virt.StorageVolUploadFlags
	if cmd.bool("sparse") {
		flags |= virt.StorageVolUploadSparseStream
	}
	st := c.conn.NewStream(0)
	if err := vol.Upload(c.ctx, st, off, length, flags); err != nil {
		c.errorf("cannot upload to volume %s", name)
		return c.fail(err)
	}
	buf := make([]byte, 256*1024)
	for {
		n, rerr := f.Read(buf)
		if n > 0 {
			if _, err := st.Send(c.ctx, buf[:n]); err != nil {
				c.errorf("cannot send data to volume %s", name)
				return c.fail(err)
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			c.errorf("cannot send data to volume %s", name)
			return false
		}
	}
	if err := st.Finish(c.ctx); err != nil {
		c.errorf("cannot close volume %s", name)
		return c.fail(err)
	}
	return true
}

func cmdVolDownload(c *ctl, cmd *parsedCmd) bool {
	off, length, ok := c.offsetLength(cmd)
	if !ok {
		return false
	}
	vol, name := c.volArg(cmd, "vol", "pool", byUUID|byName)
	if vol == nil {
		return false
	}
	file, _, ok := c.strReq(cmd, "file")
	if !ok {
		return false
	}
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o666)
	if err != nil {
		c.errorf("cannot create %s", file)
		return false
	}
	created := true
	success := false
	defer func() {
		f.Close()
		if !success && created {
			os.Remove(file)
		}
	}()
	var flags virt.StorageVolDownloadFlags
	if cmd.bool("sparse") {
		flags |= virt.StorageVolDownloadSparseStream
	}
	st := c.conn.NewStream(0)
	if err := vol.Download(c.ctx, st, off, length, flags); err != nil {
		c.errorf("cannot download from volume %s", name)
		return c.fail(err)
	}
	buf := make([]byte, 256*1024)
	for {
		n, err := st.Recv(c.ctx, buf)
		if n > 0 {
			if _, werr := f.Write(buf[:n]); werr != nil {
				c.errorf("cannot receive data from volume %s", name)
				return false
			}
		}
		if err != nil || n == 0 {
			break
		}
	}
	success = true
	return true
}

func cmdVolDumpXML(c *ctl, cmd *parsedCmd) bool {
	vol, _ := c.volArg(cmd, "vol", "pool", byUUID|byName)
	if vol == nil {
		return false
	}
	xpath, _ := cmd.str("xpath")
	if cmd.has("xpath") && xpath == "" {
		return false
	}
	xml, err := vol.XMLDesc(c.ctx)
	if err != nil {
		return c.fail(err)
	}
	return c.dumpXML(xml, xpath, cmd.bool("wrap"))
}

var volTypeNames = []string{"file", "block", "dir", "network", "netdir", "ploop"}

func cmdVolInfo(c *ctl, cmd *parsedCmd) bool {
	vol, _ := c.volArg(cmd, "vol", "pool", byUUID|byName)
	if vol == nil {
		return false
	}
	bytes, physical := cmd.bool("bytes"), cmd.bool("physical")
	var info *virt.StorageVolInfo
	var err error
	if physical {
		info, err = vol.InfoFlags(c.ctx, virt.StorageVolGetPhysical)
	} else {
		info, err = vol.Info(c.ctx)
	}
	if c.json {
		if err != nil {
			return c.fail(err)
		}
		key := "allocation"
		if physical {
			key = "physical"
		}
		return c.jsonOut(jsonKV{{"name", vol.Name()}, {"type", enumString(volTypeNames, int(info.Type))},
			{"capacity", info.Capacity}, {key, info.Allocation}})
	}
	c.print("%-15s %s\n", "Name:", vol.Name())
	if err != nil {
		return c.fail(err)
	}
	c.print("%-15s %s\n", "Type:", enumString(volTypeNames, int(info.Type)))
	label := "Allocation:"
	if physical {
		label = "Physical:"
	}
	if bytes {
		c.print("%-15s %d bytes\n", "Capacity:", info.Capacity)
		c.print("%-15s %d bytes\n", label, info.Allocation)
	} else {
		c.print("%-15s %s\n", "Capacity:", prettyCapacityString(info.Capacity))
		c.print("%-15s %s\n", label, prettyCapacityString(info.Allocation))
	}
	return true
}

func cmdVolKey(c *ctl, cmd *parsedCmd) bool {
	vol, _ := c.volArg(cmd, "vol", "pool", byUUID|byName)
	if vol == nil {
		return false
	}
	c.print("%s\n", vol.Key())
	return true
}

func cmdVolList(c *ctl, cmd *parsedCmd) bool {
	pool, _ := c.poolArg(cmd, "pool", byUUID|byName)
	if pool == nil {
		return false
	}
	details := cmd.bool("details")
	vols, err := pool.ListAllVolumes(c.ctx)
	if err != nil {
		c.errorf("Failed to list volumes")
		return c.fail(err)
	}
	sort.SliceStable(vols, func(i, j int) bool { return strings.ToLower(vols[i].Name()) < strings.ToLower(vols[j].Name()) })
	if c.json {
		out := []jsonKV{}
		for _, v := range vols {
			kv := jsonKV{{"name", v.Name()}}
			if p, err := v.Path(c.ctx); err == nil {
				kv = append(kv, jsonField{"path", p})
			}
			if info, err := v.Info(c.ctx); err == nil {
				kv = append(kv, jsonField{"type", enumString(volTypeNames, int(info.Type))},
					jsonField{"capacity", info.Capacity}, jsonField{"allocation", info.Allocation})
			}
			out = append(out, kv)
		}
		return c.jsonOut(out)
	}
	var t *table
	if details {
		t = newTable("Name", "Path", "Type", "Capacity", "Allocation")
	} else {
		t = newTable("Name", "Path")
	}
	for _, v := range vols {
		path, err := v.Path(c.ctx)
		if err != nil {
			path = "unknown"
		}
		if !details {
			t.add(v.Name(), path)
			continue
		}
		info, err := v.Info(c.ctx)
		if err != nil {
			t.add(v.Name(), path, "unknown", "unknown", "unknown")
			continue
		}
		t.add(v.Name(), path, enumString(volTypeNames, int(info.Type)),
			prettyCapacityString(info.Capacity), prettyCapacityString(info.Allocation))
	}
	c.printTable(t)
	return true
}

func cmdVolName(c *ctl, cmd *parsedCmd) bool {
	vol, _ := c.volArg(cmd, "vol", "", byUUID)
	if vol == nil {
		return false
	}
	c.print("%s\n", vol.Name())
	return true
}

func cmdVolPath(c *ctl, cmd *parsedCmd) bool {
	vol, _ := c.volArg(cmd, "vol", "pool", byUUID|byName)
	if vol == nil {
		return false
	}
	path, err := vol.Path(c.ctx)
	if err != nil {
		return c.fail(err)
	}
	c.print("%s\n", path)
	return true
}

func cmdVolPool(c *ctl, cmd *parsedCmd) bool {
	vol, _ := c.volArg(cmd, "vol", "", byUUID)
	if vol == nil {
		return false
	}
	pool, err := vol.LookupPool(c.ctx)
	if err != nil {
		c.lastErr = err
		c.errorf("failed to get parent pool")
		return false
	}
	if cmd.bool("uuid") {
		c.print("%s\n", pool.UUIDString())
	} else {
		c.print("%s\n", pool.Name())
	}
	return true
}

func cmdVolResize(c *ctl, cmd *parsedCmd) bool {
	var flags virt.StorageVolResizeFlags
	if cmd.bool("allocate") {
		flags |= virt.StorageVolResizeAllocate
	}
	delta := cmd.bool("delta")
	if delta {
		flags |= virt.StorageVolResizeDelta
	}
	if cmd.bool("shrink") {
		flags |= virt.StorageVolResizeShrink
	}
	vol, _ := c.volArg(cmd, "vol", "pool", byUUID|byName)
	if vol == nil {
		return false
	}
	capStr, _, ok := c.strReq(cmd, "capacity")
	if !ok {
		return false
	}
	capStr = strings.TrimLeft(capStr, " \t\n\r\v\f")
	if strings.HasPrefix(capStr, "-") {
		if !cmd.bool("shrink") {
			c.errorf("negative size requires --shrink")
			return false
		}
		capStr = capStr[1:]
	}
	capacity, good := c.volSize(capStr)
	if !good {
		c.errorf("Malformed size %s", capStr)
		return false
	}
	if err := vol.Resize(c.ctx, capacity, flags); err != nil {
		if delta {
			c.errorf("Failed to change size of volume '%s' by %s", vol.Name(), capStr)
		} else {
			c.errorf("Failed to change size of volume '%s' to %s", vol.Name(), capStr)
		}
		return c.fail(err)
	}
	if delta {
		c.printExtra("Size of volume '%s' successfully changed by %s\n", vol.Name(), capStr)
	} else {
		c.printExtra("Size of volume '%s' successfully changed to %s\n", vol.Name(), capStr)
	}
	return true
}

var wipeAlgorithms = []string{"zero", "nnsa", "dod", "bsi", "gutmann", "schneier", "pfitzner7", "pfitzner33", "random", "trim"}

func cmdVolWipe(c *ctl, cmd *parsedCmd) bool {
	vol, name := c.volArg(cmd, "vol", "pool", byUUID|byName)
	if vol == nil {
		return false
	}
	algStr, present, ok := c.strReq(cmd, "algorithm")
	if !ok {
		return false
	}
	alg := 0
	if present {
		if alg = indexOf(wipeAlgorithms, algStr); alg < 0 {
			c.errorf("Unsupported algorithm '%s'", algStr)
			return false
		}
	}
	err := vol.WipePattern(c.ctx, virt.StorageVolWipeAlgorithm(alg), 0)
	if err != nil && isErrorCode(err, virt.ErrNoSupport) && alg == 0 {
		err = vol.Wipe(c.ctx, 0)
	}
	if err != nil {
		c.errorf("Failed to wipe vol %s", name)
		return c.fail(err)
	}
	c.printExtra("Vol %s wiped\n", name)
	return true
}
