package main

import "fmt"

// The "Host and Hypervisor" group (virsh-host.c); the commands not
// listed here still answer "not implemented".
func init() {
	register(
		&cmdDef{name: "capabilities", needsConn: true, run: cmdCapabilities},
		&cmdDef{name: "domcapabilities", needsConn: true, run: cmdDomCapabilities},
		&cmdDef{name: "hostname", needsConn: true, run: cmdHostname},
		&cmdDef{name: "maxvcpus", needsConn: true, run: cmdMaxVcpus},
		&cmdDef{name: "nodeinfo", needsConn: true, run: cmdNodeInfo},
		&cmdDef{name: "sysinfo", needsConn: true, run: cmdSysinfo},
		&cmdDef{name: "uri", needsConn: true, run: cmdURI},
		&cmdDef{name: "version", needsConn: true, run: cmdVersion},
	)
}

func cmdCapabilities(c *ctl, cmd *parsedCmd) bool {
	caps, err := c.conn.Capabilities(c.ctx)
	if err != nil {
		c.errorf("failed to get capabilities")
		return c.fail(err)
	}
	c.print("%s\n", caps)
	return true
}

func cmdDomCapabilities(c *ctl, cmd *parsedCmd) bool {
	var v [4]string
	for i, o := range []string{"virttype", "emulatorbin", "arch", "machine"} {
		s, _, ok := c.strReq(cmd, o)
		if !ok {
			return false
		}
		v[i] = s
	}
	caps, err := c.conn.DomainCapabilities(c.ctx, v[1], v[2], v[3], v[0], 0)
	if err != nil {
		c.errorf("failed to get emulator capabilities")
		return c.fail(err)
	}
	c.print("%s\n", caps)
	return true
}

func cmdHostname(c *ctl, cmd *parsedCmd) bool {
	name, err := c.conn.Hostname(c.ctx)
	if err != nil {
		c.errorf("failed to get hostname")
		return c.fail(err)
	}
	c.print("%s\n", name)
	return true
}

func cmdMaxVcpus(c *ctl, cmd *parsedCmd) bool {
	typ, _, ok := c.strReq(cmd, "type")
	if !ok {
		return false
	}
	n, err := c.conn.MaxVcpus(c.ctx, typ)
	if err != nil {
		return c.fail(err)
	}
	c.print("%d\n", n)
	return true
}

func cmdNodeInfo(c *ctl, cmd *parsedCmd) bool {
	info, err := c.conn.NodeInfo(c.ctx)
	if err != nil {
		c.errorf("failed to get node information")
		return c.fail(err)
	}
	if c.json {
		return c.jsonOut(jsonKV{{"cpu_model", info.Model}, {"cpus", info.CPUs}, {"cpu_mhz", info.MHz},
			{"cpu_sockets", info.Sockets}, {"cores_per_socket", info.Cores}, {"threads_per_core", info.Threads},
			{"numa_cells", info.Nodes}, {"memory_kib", info.Memory}})
	}
	c.print("%-20s %s\n", "CPU model:", info.Model)
	c.print("%-20s %d\n", "CPU(s):", info.CPUs)
	if info.MHz != 0 {
		c.print("%-20s %d MHz\n", "CPU frequency:", info.MHz)
	}
	c.print("%-20s %d\n", "CPU socket(s):", info.Sockets)
	c.print("%-20s %d\n", "Core(s) per socket:", info.Cores)
	c.print("%-20s %d\n", "Thread(s) per core:", info.Threads)
	c.print("%-20s %d\n", "NUMA cell(s):", info.Nodes)
	c.print("%-20s %d KiB\n", "Memory size:", info.Memory)
	return true
}

func cmdSysinfo(c *ctl, cmd *parsedCmd) bool {
	s, err := c.conn.Sysinfo(c.ctx, 0)
	if err != nil {
		c.errorf("failed to get sysinfo")
		return c.fail(err)
	}
	c.print("%s", s)
	return true
}

func cmdURI(c *ctl, cmd *parsedCmd) bool {
	uri, err := c.conn.URI(c.ctx)
	if err != nil {
		c.errorf("failed to get URI")
		return c.fail(err)
	}
	c.print("%s\n", uri)
	return true
}

func versionString(v uint64) string {
	return fmt.Sprintf("%d.%d.%d", v/1000000, v/1000%1000, v%1000)
}

func cmdVersion(c *ctl, cmd *parsedCmd) bool {
	c.print("Compiled against library: libvirt %s\n", version)
	lib, err := c.conn.LibVersion(c.ctx)
	if err != nil {
		c.errorf("failed to get the library version")
		return c.fail(err)
	}
	c.print("Using library: libvirt %s\n", versionString(lib))
	typ, err := c.conn.Type(c.ctx)
	if err != nil {
		c.errorf("failed to get hypervisor type")
		return c.fail(err)
	}
	c.print("Using API: %s %s\n", typ, versionString(lib))
	hv, err := c.conn.Version(c.ctx)
	if err != nil {
		c.errorf("failed to get the hypervisor version")
		return c.fail(err)
	}
	if hv == 0 {
		c.print("Cannot extract running %s hypervisor version\n", typ)
	} else {
		c.print("Running hypervisor: %s %s\n", typ, versionString(hv))
	}
	if cmd.bool("daemon") {
		d, err := c.conn.LibVersion(c.ctx)
		if err != nil {
			c.errorf("failed to get the daemon version")
		} else {
			c.print("Running against daemon: %s\n", versionString(d))
		}
	}
	return true
}
