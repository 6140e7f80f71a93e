package main

import (
	"errors"
	"os"
	"syscall"

	"github.com/govirt/govirt/virt"
)

func init() {
	register(
		&cmdDef{name: "define", group: "domain", help: "define (but don't start) a domain from an XML file", needsConn: true, run: cmdDefine, opts: []optDef{
			{name: "file", kind: optData, required: true}, {name: "validate", kind: optBool},
		}},
		&cmdDef{name: "destroy", group: "domain", help: "destroy (stop) a domain", needsConn: true, run: cmdDestroy, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "graceful", kind: optBool},
		}},
		&cmdDef{name: "dumpxml", group: "domain", help: "domain information in XML", needsConn: true, run: cmdDumpXML, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "inactive", kind: optBool},
			{name: "security-info", kind: optBool}, {name: "update-cpu", kind: optBool}, {name: "migratable", kind: optBool},
		}},
		&cmdDef{name: "start", group: "domain", help: "start a (previously defined) inactive domain", needsConn: true, run: cmdStart, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "console", kind: optBool},
			{name: "paused", kind: optBool}, {name: "autodestroy", kind: optBool}, {name: "bypass-cache", kind: optBool},
			{name: "force-boot", kind: optBool}, {name: "pass-fds", kind: optString}, {name: "reset-nvram", kind: optBool},
		}},
		&cmdDef{name: "undefine", group: "domain", help: "undefine a domain", needsConn: true, run: cmdUndefine, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "managed-save", kind: optBool},
			{name: "snapshots-metadata", kind: optBool}, {name: "checkpoints-metadata", kind: optBool},
			{name: "nvram", kind: optBool}, {name: "keep-nvram", kind: optBool}, {name: "tpm", kind: optBool},
			{name: "keep-tpm", kind: optBool}, {name: "remove-all-storage", kind: optBool},
		}},
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

func cmdDumpXML(c *ctl, cmd *parsedCmd) bool {
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
	c.print("%s", xml)
	return true
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
	if err := dom.Undefine(c.ctx, flags); err != nil {
		c.errorf("Failed to undefine domain '%s'", name)
		return c.fail(err)
	}
	c.printExtra("Domain '%s' has been undefined\n", name)
	return true
}
