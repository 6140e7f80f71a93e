package main

import (
	"fmt"
	"sort"
	"strings"

	"github.com/govirt/govirt/virt"
)

// The "Storage Pool" group (virsh-pool.c).
func init() {
	register(
		&cmdDef{name: "find-storage-pool-sources-as", needsConn: true, run: cmdPoolSourcesAs},
		&cmdDef{name: "find-storage-pool-sources", needsConn: true, run: cmdPoolSources},
		&cmdDef{name: "pool-autostart", needsConn: true, run: cmdPoolAutostart},
		&cmdDef{name: "pool-build", needsConn: true, run: cmdPoolBuild},
		&cmdDef{name: "pool-create-as", needsConn: true, run: cmdPoolCreateAs},
		&cmdDef{name: "pool-create", needsConn: true, run: cmdPoolCreate},
		&cmdDef{name: "pool-define-as", needsConn: true, run: cmdPoolDefineAs},
		&cmdDef{name: "pool-define", needsConn: true, run: cmdPoolDefine},
		&cmdDef{name: "pool-delete", needsConn: true, run: cmdPoolDelete},
		&cmdDef{name: "pool-destroy", needsConn: true, run: cmdPoolDestroy},
		&cmdDef{name: "pool-dumpxml", needsConn: true, run: cmdPoolDumpXML},
		&cmdDef{name: "pool-edit", needsConn: true, run: cmdPoolEdit},
		&cmdDef{name: "pool-info", needsConn: true, run: cmdPoolInfo},
		&cmdDef{name: "pool-list", needsConn: true, run: cmdPoolList},
		&cmdDef{name: "pool-name", needsConn: true, run: cmdPoolName},
		&cmdDef{name: "pool-refresh", needsConn: true, run: cmdPoolRefresh},
		&cmdDef{name: "pool-start", needsConn: true, run: cmdPoolStart},
		&cmdDef{name: "pool-undefine", needsConn: true, run: cmdPoolUndefine},
		&cmdDef{name: "pool-uuid", needsConn: true, run: cmdPoolUUID},
		&cmdDef{name: "pool-event", needsConn: true, run: cmdPoolEvent},
		&cmdDef{name: "pool-capabilities", needsConn: true, run: cmdPoolCapabilities},
	)
}

// poolArg is virshCommandOptPoolBy.
func (c *ctl) poolArg(cmd *parsedCmd, opt string, by int) (*virt.StoragePool, string) {
	name, present, ok := c.strReq(cmd, opt)
	if !ok || !present {
		return nil, name
	}
	var pool *virt.StoragePool
	var err error
	if by&byUUID != 0 && len(name) == 36 {
		pool, err = c.conn.LookupStoragePoolByUUIDString(c.ctx, name)
	}
	if pool == nil && by&byName != 0 {
		pool, err = c.conn.LookupStoragePoolByName(c.ctx, name)
	}
	if pool == nil {
		c.lastErr = err
		c.errorf("failed to get pool '%s'", name)
	}
	return pool, name
}

// prettyCapacity is vshPrettyCapacity.
func prettyCapacity(val uint64) (float64, string) {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB"}
	limit := 1024.0
	v := float64(val)
	for i, u := range units {
		if v < limit || i == len(units)-1 && false {
			return v / (limit / 1024), u
		}
		limit *= 1024
	}
	return v / (limit / 1024), "EiB"
}

func prettyCapacityString(val uint64) string {
	v, u := prettyCapacity(val)
	return fmt.Sprintf("%.2f %s", v, u)
}

var poolStateNames = []string{"inactive", "building", "running", "degraded", "inaccessible"}

func poolStateString(s virt.StoragePoolState) string { return enumString(poolStateNames, int(s)) }

func cmdPoolAutostart(c *ctl, cmd *parsedCmd) bool {
	pool, name := c.poolArg(cmd, "pool", byUUID|byName)
	if pool == nil {
		return false
	}
	autostart := !cmd.bool("disable")
	if err := pool.SetAutostart(c.ctx, autostart); err != nil {
		if autostart {
			c.errorf("failed to mark pool %s as autostarted", name)
		} else {
			c.errorf("failed to unmark pool %s as autostarted", name)
		}
		return c.fail(err)
	}
	if autostart {
		c.printExtra("Pool %s marked as autostarted\n", name)
	} else {
		c.printExtra("Pool %s unmarked as autostarted\n", name)
	}
	return true
}

func cmdPoolBuild(c *ctl, cmd *parsedCmd) bool {
	pool, name := c.poolArg(cmd, "pool", byUUID|byName)
	if pool == nil {
		return false
	}
	var flags virt.StoragePoolBuildFlags
	if cmd.bool("no-overwrite") {
		flags |= virt.StoragePoolBuildNoOverwrite
	}
	if cmd.bool("overwrite") {
		flags |= virt.StoragePoolBuildOverwrite
	}
	if err := pool.Build(c.ctx, flags); err != nil {
		c.errorf("Failed to build pool %s", name)
		return c.fail(err)
	}
	c.printExtra("Pool %s built\n", name)
	return true
}

// poolCreateFlags reads --build/--overwrite/--no-overwrite.
func (c *ctl) poolCreateFlags(cmd *parsedCmd) (virt.StoragePoolCreateFlags, bool) {
	if !c.exclusive(cmd, "overwrite", "no-overwrite") {
		return 0, false
	}
	var flags virt.StoragePoolCreateFlags
	if cmd.bool("build") {
		flags |= virt.StoragePoolCreateWithBuild
	}
	if cmd.bool("overwrite") {
		flags |= virt.StoragePoolCreateWithBuildOverwrite
	}
	if cmd.bool("no-overwrite") {
		flags |= virt.StoragePoolCreateWithBuildNoOverwrite
	}
	return flags, true
}

// buildPoolXML is virshBuildPoolXML for pool-create-as/pool-define-as.
func (c *ctl) buildPoolXML(cmd *parsedCmd) (string, string, bool) {
	if !c.exclusive(cmd, "secret-usage", "secret-uuid") {
		return "", "", false
	}
	v := map[string]string{}
	for _, o := range []string{"name", "type", "source-host", "source-path", "source-dev", "source-name",
		"source-format", "target", "auth-type", "auth-username", "secret-usage", "secret-uuid",
		"adapter-name", "adapter-wwnn", "adapter-wwpn", "adapter-parent", "adapter-parent-wwnn",
		"adapter-parent-wwpn", "adapter-parent-fabric-wwn", "source-protocol-ver", "source-initiator"} {
		s, present, ok := c.strReq(cmd, o)
		if !ok {
			return "", "", false
		}
		if present {
			v[o] = s
		}
	}
	has := func(k string) bool { _, ok := v[k]; return ok }
	var b strings.Builder
	fmt.Fprintf(&b, "<pool type='%s'>\n  <name>%s</name>\n", v["type"], v["name"])
	if has("source-host") || has("source-path") || has("source-dev") || has("source-initiator") ||
		has("source-format") || has("source-name") || has("adapter-wwnn") && has("adapter-wwpn") || has("adapter-name") {
		b.WriteString("  <source>\n")
		if has("source-host") {
			fmt.Fprintf(&b, "    <host name='%s'/>\n", v["source-host"])
		}
		if has("source-path") {
			fmt.Fprintf(&b, "    <dir path='%s'/>\n", v["source-path"])
		}
		if has("source-dev") {
			fmt.Fprintf(&b, "    <device path='%s'/>\n", v["source-dev"])
		}
		if has("source-initiator") {
			fmt.Fprintf(&b, "    <initiator>\n      <iqn name='%s'/>\n    </initiator>\n", v["source-initiator"])
		}
		if has("adapter-wwnn") && has("adapter-wwpn") {
			b.WriteString("    <adapter type='fc_host'")
			switch {
			case has("adapter-parent"):
				fmt.Fprintf(&b, " parent='%s'", v["adapter-parent"])
			case has("adapter-parent-wwnn") && has("adapter-parent-wwpn"):
				fmt.Fprintf(&b, " parent_wwnn='%s' parent_wwpn='%s'", v["adapter-parent-wwnn"], v["adapter-parent-wwpn"])
			case has("adapter-parent-fabric-wwn"):
				fmt.Fprintf(&b, " parent_fabric_wwn='%s'", v["adapter-parent-fabric-wwn"])
			}
			fmt.Fprintf(&b, " wwnn='%s' wwpn='%s'/>\n", v["adapter-wwnn"], v["adapter-wwpn"])
		} else if has("adapter-name") {
			fmt.Fprintf(&b, "    <adapter type='scsi_host' name='%s'/>\n", v["adapter-name"])
		}
		if has("auth-type") && has("auth-username") && (has("secret-usage") || has("secret-uuid")) {
			fmt.Fprintf(&b, "    <auth type='%s' username='%s'>\n", v["auth-type"], v["auth-username"])
			if has("secret-usage") {
				fmt.Fprintf(&b, "      <secret usage='%s'/>\n", v["secret-usage"])
			} else {
				fmt.Fprintf(&b, "      <secret uuid='%s'/>\n", v["secret-uuid"])
			}
			b.WriteString("    </auth>\n")
		}
		if has("source-format") {
			fmt.Fprintf(&b, "    <format type='%s'/>\n", v["source-format"])
		}
		if has("source-name") {
			fmt.Fprintf(&b, "    <name>%s</name>\n", v["source-name"])
		}
		if has("source-protocol-ver") {
			fmt.Fprintf(&b, "    <protocol ver='%s'/>\n", v["source-protocol-ver"])
		}
		b.WriteString("  </source>\n")
	}
	if has("target") {
		fmt.Fprintf(&b, "  <target>\n    <path>%s</path>\n  </target>\n", v["target"])
	}
	b.WriteString("</pool>\n")
	return v["name"], b.String(), true
}

func cmdPoolCreateAs(c *ctl, cmd *parsedCmd) bool {
	flags, ok := c.poolCreateFlags(cmd)
	if !ok {
		return false
	}
	name, xml, ok := c.buildPoolXML(cmd)
	if !ok {
		return false
	}
	if cmd.bool("print-xml") {
		c.print("%s", xml)
		return true
	}
	if _, err := c.conn.StoragePoolCreateXML(c.ctx, xml, flags); err != nil {
		c.errorf("Failed to create pool %s", name)
		return c.fail(err)
	}
	c.printExtra("Pool %s created\n", name)
	return true
}

func cmdPoolCreate(c *ctl, cmd *parsedCmd) bool {
	from, _, ok := c.strReq(cmd, "file")
	if !ok {
		return false
	}
	flags, ok := c.poolCreateFlags(cmd)
	if !ok {
		return false
	}
	data, err := readFile(from)
	if err != nil {
		return c.fail(err)
	}
	pool, err := c.conn.StoragePoolCreateXML(c.ctx, string(data), flags)
	if err != nil {
		c.errorf("Failed to create pool from %s", from)
		return c.fail(err)
	}
	c.printExtra("Pool %s created from %s\n", pool.Name(), from)
	return true
}

func cmdPoolDefineAs(c *ctl, cmd *parsedCmd) bool {
	name, xml, ok := c.buildPoolXML(cmd)
	if !ok {
		return false
	}
	if cmd.bool("print-xml") {
		c.print("%s", xml)
		return true
	}
	if _, err := c.conn.StoragePoolDefineXML(c.ctx, xml, 0); err != nil {
		c.errorf("Failed to define pool %s", name)
		return c.fail(err)
	}
	c.printExtra("Pool %s defined\n", name)
	return true
}

func cmdPoolDefine(c *ctl, cmd *parsedCmd) bool {
	from, _, ok := c.strReq(cmd, "file")
	if !ok {
		return false
	}
	var flags virt.StoragePoolDefineFlags
	if cmd.bool("validate") {
		flags |= virt.StoragePoolDefineValidate
	}
	data, err := readFile(from)
	if err != nil {
		return c.fail(err)
	}
	pool, err := c.conn.StoragePoolDefineXML(c.ctx, string(data), flags)
	if err != nil {
		c.errorf("Failed to define pool from %s", from)
		return c.fail(err)
	}
	c.printExtra("Pool %s defined from %s\n", pool.Name(), from)
	return true
}

func cmdPoolDelete(c *ctl, cmd *parsedCmd) bool {
	pool, name := c.poolArg(cmd, "pool", byUUID|byName)
	if pool == nil {
		return false
	}
	if err := pool.Delete(c.ctx, 0); err != nil {
		c.errorf("Failed to delete pool %s", name)
		return c.fail(err)
	}
	c.printExtra("Pool %s deleted\n", name)
	return true
}

func cmdPoolDestroy(c *ctl, cmd *parsedCmd) bool {
	pool, name := c.poolArg(cmd, "pool", byUUID|byName)
	if pool == nil {
		return false
	}
	if err := pool.Destroy(c.ctx); err != nil {
		c.errorf("Failed to destroy pool %s", name)
		return c.fail(err)
	}
	c.printExtra("Pool %s destroyed\n", name)
	return true
}

func cmdPoolDumpXML(c *ctl, cmd *parsedCmd) bool {
	var flags virt.StorageXMLFlags
	if cmd.bool("inactive") {
		flags |= virt.StorageXMLInactive
	}
	pool, _ := c.poolArg(cmd, "pool", byUUID|byName)
	if pool == nil {
		return false
	}
	xpath, _ := cmd.str("xpath")
	if cmd.has("xpath") && xpath == "" {
		return false
	}
	xml, err := pool.XMLDesc(c.ctx, flags)
	if err != nil {
		return c.fail(err)
	}
	return c.dumpXML(xml, xpath, cmd.bool("wrap"))
}

func cmdPoolEdit(c *ctl, cmd *parsedCmd) bool {
	pool, _ := c.poolArg(cmd, "pool", byUUID|byName)
	if pool == nil {
		return false
	}
	flags := virt.StorageXMLInactive
	if _, err := pool.XMLDesc(c.ctx, flags); err != nil {
		if !isErrorCode(err, virt.ErrInvalidArg) {
			return c.fail(err)
		}
		flags = 0
	}
	edited := nullName("", false)
	return c.editLoop(editSpec{
		get: func() (string, error) { return pool.XMLDesc(c.ctx, flags) },
		define: func(xml string) error {
			p, err := c.conn.StoragePoolDefineXML(c.ctx, xml, 0)
			if err == nil {
				edited = p.Name()
			}
			return err
		},
		notChanged: func() { c.printExtra("Pool %s XML configuration not changed.\n", pool.Name()) },
		edited:     func() { c.printExtra("Pool %s XML configuration edited.\n", edited) },
	})
}

func cmdPoolInfo(c *ctl, cmd *parsedCmd) bool {
	pool, _ := c.poolArg(cmd, "pool", byUUID|byName)
	if pool == nil {
		return false
	}
	bytes := cmd.bool("bytes")
	info, infoErr := pool.Info(c.ctx)
	persistent, perr := pool.IsPersistent(c.ctx)
	autostart, aerr := pool.Autostart(c.ctx)
	if c.json {
		kv := jsonKV{{"name", pool.Name()}, {"uuid", pool.UUIDString()}}
		if infoErr == nil {
			kv = append(kv, jsonField{"state", poolStateString(info.State)})
			if perr == nil {
				kv = append(kv, jsonField{"persistent", persistent})
			}
			if aerr == nil {
				kv = append(kv, jsonField{"autostart", autostart})
			}
			if info.State == virt.StoragePoolRunning || info.State == virt.StoragePoolDegraded {
				kv = append(kv, jsonField{"capacity", info.Capacity}, jsonField{"allocation", info.Allocation},
					jsonField{"available", info.Available})
			}
		}
		c.jsonOut(kv)
		if infoErr != nil {
			return c.fail(infoErr)
		}
		return true
	}
	c.print("%-15s %s\n", "Name:", pool.Name())
	c.print("%-15s %s\n", "UUID:", pool.UUIDString())
	if infoErr != nil {
		return c.fail(infoErr)
	}
	c.print("%-15s %s\n", "State:", poolStateString(info.State))
	if perr != nil {
		c.print("%-15s %s\n", "Persistent:", "unknown")
	} else {
		c.print("%-15s %s\n", "Persistent:", ynStr(persistent))
	}
	if aerr != nil {
		c.print("%-15s %s\n", "Autostart:", "no autostart")
	} else {
		c.print("%-15s %s\n", "Autostart:", ynStr(autostart))
	}
	if info.State == virt.StoragePoolRunning || info.State == virt.StoragePoolDegraded {
		if bytes {
			c.print("%-15s %d\n", "Capacity:", info.Capacity)
			c.print("%-15s %d\n", "Allocation:", info.Allocation)
			c.print("%-15s %d\n", "Available:", info.Available)
		} else {
			c.print("%-15s %s\n", "Capacity:", prettyCapacityString(info.Capacity))
			c.print("%-15s %s\n", "Allocation:", prettyCapacityString(info.Allocation))
			c.print("%-15s %s\n", "Available:", prettyCapacityString(info.Available))
		}
	}
	return true
}

var poolTypeFlags = map[string]virt.ConnectListAllStoragePoolsFlags{
	"dir": virt.ConnectListStoragePoolsDir, "fs": virt.ConnectListStoragePoolsFS,
	"netfs": virt.ConnectListStoragePoolsNetfs, "logical": virt.ConnectListStoragePoolsLogical,
	"disk": virt.ConnectListStoragePoolsDisk, "iscsi": virt.ConnectListStoragePoolsISCSI,
	"iscsi-direct": virt.ConnectListStoragePoolsISCSIDirect, "scsi": virt.ConnectListStoragePoolsSCSI,
	"mpath": virt.ConnectListStoragePoolsMpath, "rbd": virt.ConnectListStoragePoolsRBD,
	"sheepdog": virt.ConnectListStoragePoolsSheepdog, "gluster": virt.ConnectListStoragePoolsGluster,
	"zfs": virt.ConnectListStoragePoolsZFS, "vstorage": virt.ConnectListStoragePoolsVstorage,
}

func cmdPoolList(c *ctl, cmd *parsedCmd) bool {
	details := cmd.bool("details")
	if !c.exclusive(cmd, "all", "inactive") {
		return false
	}
	flags := virt.ConnectListStoragePoolsActive
	if cmd.bool("inactive") {
		flags = virt.ConnectListStoragePoolsInactive
	}
	if cmd.bool("all") {
		flags = virt.ConnectListStoragePoolsActive | virt.ConnectListStoragePoolsInactive
	}
	for _, f := range []struct {
		opt  string
		flag virt.ConnectListAllStoragePoolsFlags
	}{{"autostart", virt.ConnectListStoragePoolsAutostart}, {"no-autostart", virt.ConnectListStoragePoolsNoAutostart},
		{"persistent", virt.ConnectListStoragePoolsPersistent}, {"transient", virt.ConnectListStoragePoolsTransient}} {
		if cmd.bool(f.opt) {
			flags |= f.flag
		}
	}
	optUUID, optName := cmd.bool("uuid"), cmd.bool("name")
	typ, present, ok := c.strReq(cmd, "type")
	if !ok {
		return false
	}
	if !c.exclusive(cmd, "details", "uuid") || !c.exclusive(cmd, "details", "name") {
		return false
	}
	if present {
		for _, t := range splitCommas(typ) {
			f, known := poolTypeFlags[t]
			if !known {
				c.errorf("Invalid pool type '%s'", t)
				return false
			}
			flags |= f
		}
	}
	pools, err := c.conn.ListAllStoragePools(c.ctx, flags)
	if err != nil {
		c.errorf("Failed to list pools")
		return c.fail(err)
	}
	sort.SliceStable(pools, func(i, j int) bool { return strings.ToLower(pools[i].Name()) < strings.ToLower(pools[j].Name()) })
	type row struct{ state, autostart, persistent, capacity, allocation, available string }
	rows := make([]row, len(pools))
	var jsonRows []jsonKV
	for i, p := range pools {
		r := &rows[i]
		a, aerr := p.Autostart(c.ctx)
		r.autostart = "no autostart"
		if aerr == nil {
			r.autostart = ynStr(a)
		}
		persistent, perr := p.IsPersistent(c.ctx)
		if details {
			r.persistent = "unknown"
			if perr == nil {
				r.persistent = ynStr(persistent)
			}
		}
		info, err := p.Info(c.ctx)
		jr := jsonKV{{"name", p.Name()}, {"uuid", p.UUIDString()}}
		if err != nil {
			c.errorf("Could not retrieve pool information")
			r.state = "unknown"
			if details {
				r.capacity, r.allocation, r.available = "unknown", "unknown", "unknown"
			}
		} else if details {
			r.state = poolStateString(info.State)
			if info.State == virt.StoragePoolRunning || info.State == virt.StoragePoolDegraded {
				r.capacity = prettyCapacityString(info.Capacity)
				r.allocation = prettyCapacityString(info.Allocation)
				r.available = prettyCapacityString(info.Available)
			} else {
				r.capacity, r.allocation, r.available = "-", "-", "-"
			}
		} else {
			r.state = "inactive"
			if active, _ := p.IsActive(c.ctx); active {
				r.state = "active"
			}
		}
		if err == nil {
			jr = append(jr, jsonField{"state", poolStateString(info.State)})
			if aerr == nil {
				jr = append(jr, jsonField{"autostart", a})
			}
			if perr == nil {
				jr = append(jr, jsonField{"persistent", persistent})
			}
			if info.State == virt.StoragePoolRunning || info.State == virt.StoragePoolDegraded {
				jr = append(jr, jsonField{"capacity", info.Capacity}, jsonField{"allocation", info.Allocation},
					jsonField{"available", info.Available})
			}
		}
		jsonRows = append(jsonRows, jr)
	}
	if c.json {
		if jsonRows == nil {
			jsonRows = []jsonKV{}
		}
		return c.jsonOut(jsonRows)
	}
	if !details {
		if optUUID || optName {
			for _, p := range pools {
				if optUUID {
					sep := "\n"
					if optName {
						sep = " "
					}
					c.print("%-36s%s", p.UUIDString(), sep)
				}
				if optName {
					c.print("%-20s\n", p.Name())
				}
			}
			return true
		}
		t := newTable("Name", "State", "Autostart")
		for i, p := range pools {
			t.add(p.Name(), rows[i].state, rows[i].autostart)
		}
		c.printTable(t)
		return true
	}
	t := newTable("Name", "State", "Autostart", "Persistent", "Capacity", "Allocation", "Available")
	for i, p := range pools {
		r := rows[i]
		t.add(p.Name(), r.state, r.autostart, r.persistent, r.capacity, r.allocation, r.available)
	}
	c.printTable(t)
	return true
}

func cmdPoolName(c *ctl, cmd *parsedCmd) bool {
	pool, _ := c.poolArg(cmd, "pool", byUUID)
	if pool == nil {
		return false
	}
	c.print("%s\n", pool.Name())
	return true
}

func cmdPoolRefresh(c *ctl, cmd *parsedCmd) bool {
	pool, name := c.poolArg(cmd, "pool", byUUID|byName)
	if pool == nil {
		return false
	}
	if err := pool.Refresh(c.ctx, 0); err != nil {
		c.errorf("Failed to refresh pool %s", name)
		return c.fail(err)
	}
	c.printExtra("Pool %s refreshed\n", name)
	return true
}

func cmdPoolStart(c *ctl, cmd *parsedCmd) bool {
	pool, name := c.poolArg(cmd, "pool", byUUID|byName)
	if pool == nil {
		return false
	}
	flags, ok := c.poolCreateFlags(cmd)
	if !ok {
		return false
	}
	if err := pool.Create(c.ctx, flags); err != nil {
		c.errorf("Failed to start pool %s", name)
		return c.fail(err)
	}
	c.printExtra("Pool %s started\n", name)
	return true
}

func cmdPoolUndefine(c *ctl, cmd *parsedCmd) bool {
	pool, name := c.poolArg(cmd, "pool", byUUID|byName)
	if pool == nil {
		return false
	}
	if err := pool.Undefine(c.ctx); err != nil {
		c.errorf("Failed to undefine pool %s", name)
		return c.fail(err)
	}
	c.printExtra("Pool %s has been undefined\n", name)
	return true
}

func cmdPoolUUID(c *ctl, cmd *parsedCmd) bool {
	pool, _ := c.poolArg(cmd, "pool", byName)
	if pool == nil {
		return false
	}
	c.print("%s\n", pool.UUIDString())
	return true
}

var poolEventStrings = []string{"Defined", "Undefined", "Started", "Stopped", "Created", "Deleted"}

func cmdPoolEvent(c *ctl, cmd *parsedCmd) bool {
	if cmd.bool("list") {
		c.print("lifecycle\nrefresh\n")
		return true
	}
	event, _, ok := c.strReq(cmd, "event")
	if !ok {
		return false
	}
	if event == "" {
		c.errorf("either --list or --event <type> is required")
		return false
	}
	if event != "lifecycle" && event != "refresh" {
		c.errorf("unknown event type %s", event)
		return false
	}
	timeout, ok := c.timeoutOpt(cmd)
	if !ok {
		return false
	}
	var pool *virt.StoragePool
	if cmd.has("pool") {
		pool, _ = c.poolArg(cmd, "pool", byUUID|byName)
	}
	w := c.newEventWait(cmd.bool("loop"), cmd.bool("timestamp"))
	var id int
	var err error
	if event == "lifecycle" {
		id, err = c.conn.StoragePoolEventLifecycleRegister(c.ctx, pool, func(_ *virt.Conn, e *virt.StoragePoolEventLifecycle) {
			w.emit("event 'lifecycle' for storage pool %s: %s\n", e.Pool.Name(), enumString(poolEventStrings, int(e.Event)))
		})
	} else {
		id, err = c.conn.StoragePoolEventRefreshRegister(c.ctx, pool, func(_ *virt.Conn, p *virt.StoragePool) {
			w.emit("event 'refresh' for storage pool %s\n", p.Name())
		})
	}
	if err != nil {
		return c.fail(err)
	}
	defer c.conn.StoragePoolEventDeregisterAny(c.ctx, id)
	return w.wait(timeout)
}

func cmdPoolCapabilities(c *ctl, cmd *parsedCmd) bool {
	caps, err := c.conn.StoragePoolCapabilities(c.ctx, 0)
	if err != nil {
		c.errorf("failed to get storage pool capabilities")
		return c.fail(err)
	}
	c.print("%s\n", caps)
	return true
}

func cmdPoolSourcesAs(c *ctl, cmd *parsedCmd) bool {
	typ, _, ok1 := c.strReq(cmd, "type")
	host, hasHost, ok2 := c.strReq(cmd, "host")
	initiator, hasInit, ok3 := c.strReq(cmd, "initiator")
	if !ok1 || !ok2 || !ok3 {
		return false
	}
	spec := ""
	if hasHost {
		port, hasPort, ok := c.strReq(cmd, "port")
		if !ok {
			c.errorf("missing argument")
			return false
		}
		var b strings.Builder
		b.WriteString("<source>\n")
		fmt.Fprintf(&b, "  <host name='%s'", host)
		if hasPort {
			fmt.Fprintf(&b, " port='%s'", port)
		}
		b.WriteString("/>\n")
		if hasInit {
			fmt.Fprintf(&b, "  <initiator>\n    <iqn name='%s'/>\n  </initiator>\n", initiator)
		}
		b.WriteString("</source>\n")
		spec = b.String()
	}
	list, err := c.conn.FindStoragePoolSources(c.ctx, typ, spec, 0)
	if err != nil {
		c.errorf("Failed to find any %s pool sources", typ)
		return c.fail(err)
	}
	c.print("%s", list)
	return true
}

func cmdPoolSources(c *ctl, cmd *parsedCmd) bool {
	typ, _, ok := c.strReq(cmd, "type")
	if !ok {
		return false
	}
	file, hasFile, ok := c.strReq(cmd, "srcSpec")
	if !ok {
		return false
	}
	spec := ""
	if hasFile {
		data, err := readFile(file)
		if err != nil {
			return c.fail(err)
		}
		spec = string(data)
	}
	list, err := c.conn.FindStoragePoolSources(c.ctx, typ, spec, 0)
	if err != nil {
		c.errorf("Failed to find any %s pool sources", typ)
		return c.fail(err)
	}
	c.print("%s", list)
	return true
}
