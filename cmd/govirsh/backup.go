package main

import "github.com/govirt/govirt/virt"

// The "Backup" group, as virsh-backup.c runs it.

func init() {
	register(
		&cmdDef{name: "backup-begin", needsConn: true, run: cmdBackupBegin},
		&cmdDef{name: "backup-dumpxml", needsConn: true, run: cmdBackupDumpxml},
	)
}

func cmdBackupBegin(c *ctl, cmd *parsedCmd) bool {
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	// Without --backupxml virsh asks for a backup with every default.
	backup := "<domainbackup/>"
	if from, ok := cmd.str("backupxml"); ok {
		data, err := readFile(from)
		if err != nil {
			return c.fail(err)
		}
		backup = string(data)
	}
	var checkpoint string
	if from, ok := cmd.str("checkpointxml"); ok {
		data, err := readFile(from)
		if err != nil {
			return c.fail(err)
		}
		checkpoint = string(data)
	}
	var flags virt.DomainBackupBeginFlags
	if cmd.bool("reuse-external") {
		flags |= virt.DomainBackupBeginReuseExternal
	}
	if err := dom.BackupBegin(c.ctx, backup, checkpoint, flags); err != nil {
		return c.fail(err)
	}
	c.print("Backup started\n")
	return true
}

func cmdBackupDumpxml(c *ctl, cmd *parsedCmd) bool {
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	xml, err := dom.BackupXMLDesc(c.ctx)
	if err != nil {
		return c.fail(err)
	}
	return c.printXPath(cmd, xml)
}
