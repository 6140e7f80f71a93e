package main

import (
	"errors"
	"os"
	"syscall"

	"github.com/govirt/govirt/virt"
)

func init() {
	register(
		&cmdDef{name: "attach-device", group: "domain", help: "attach device from an XML file", needsConn: true, run: cmdAttachDevice, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "file", kind: optData, required: true}, {name: "persistent", kind: optBool}, {name: "config", kind: optBool}, {name: "live", kind: optBool}, {name: "current", kind: optBool},
		}},
		&cmdDef{name: "attach-disk", group: "domain", help: "attach disk device", needsConn: true, run: cmdAttachDisk, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "source", kind: optData, required: true}, {name: "target", kind: optData, required: true}, {name: "targetbus", kind: optData}, {name: "driver", kind: optData}, {name: "subdriver", kind: optData}, {name: "iothread", kind: optData}, {name: "cache", kind: optData}, {name: "io", kind: optData}, {name: "type", kind: optData}, {name: "mode", kind: optData}, {name: "sourcetype", kind: optData}, {name: "serial", kind: optData}, {name: "wwn", kind: optData}, {name: "alias", kind: optData}, {name: "rawio", kind: optBool}, {name: "address", kind: optData}, {name: "multifunction", kind: optBool}, {name: "print-xml", kind: optBool}, {name: "source-protocol", kind: optData}, {name: "source-host-name", kind: optData}, {name: "source-host-transport", kind: optData}, {name: "source-host-socket", kind: optData}, {name: "persistent", kind: optBool}, {name: "config", kind: optBool}, {name: "live", kind: optBool}, {name: "current", kind: optBool},
		}},
		&cmdDef{name: "attach-interface", group: "domain", help: "attach network interface", needsConn: true, run: cmdAttachInterface, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "type", kind: optData, required: true}, {name: "source", kind: optData, required: true}, {name: "target", kind: optData}, {name: "mac", kind: optData}, {name: "script", kind: optData}, {name: "model", kind: optData}, {name: "alias", kind: optData}, {name: "inbound", kind: optData}, {name: "outbound", kind: optData}, {name: "persistent", kind: optBool}, {name: "config", kind: optBool}, {name: "live", kind: optBool}, {name: "current", kind: optBool}, {name: "print-xml", kind: optBool}, {name: "managed", kind: optBool}, {name: "source-mode", kind: optData},
		}},
		&cmdDef{name: "autostart", group: "domain", help: "autostart a domain", needsConn: true, run: cmdAutostart, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "disable", kind: optBool},
		}},
		&cmdDef{name: "blkdeviotune", group: "domain", help: "Set or query a block device I/O tuning parameters.", needsConn: true, run: cmdBlkdeviotune, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "device", kind: optData, required: true}, {name: "total-bytes-sec", kind: optData}, {name: "read-bytes-sec", kind: optData}, {name: "write-bytes-sec", kind: optData}, {name: "total-iops-sec", kind: optData}, {name: "read-iops-sec", kind: optData}, {name: "write-iops-sec", kind: optData}, {name: "total-bytes-sec-max", kind: optData}, {name: "read-bytes-sec-max", kind: optData}, {name: "write-bytes-sec-max", kind: optData}, {name: "total-iops-sec-max", kind: optData}, {name: "read-iops-sec-max", kind: optData}, {name: "write-iops-sec-max", kind: optData}, {name: "size-iops-sec", kind: optData}, {name: "group-name", kind: optData}, {name: "total-bytes-sec-max-length", kind: optData}, {name: "read-bytes-sec-max-length", kind: optData}, {name: "write-bytes-sec-max-length", kind: optData}, {name: "total-iops-sec-max-length", kind: optData}, {name: "read-iops-sec-max-length", kind: optData}, {name: "write-iops-sec-max-length", kind: optData}, {name: "config", kind: optBool}, {name: "live", kind: optBool}, {name: "current", kind: optBool},
		}},
		&cmdDef{name: "blkiotune", group: "domain", help: "Get or set blkio parameters", needsConn: true, run: cmdBlkiotune, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "weight", kind: optData}, {name: "device-weights", kind: optData}, {name: "device-read-iops-sec", kind: optData}, {name: "device-write-iops-sec", kind: optData}, {name: "device-read-bytes-sec", kind: optData}, {name: "device-write-bytes-sec", kind: optData}, {name: "config", kind: optBool}, {name: "live", kind: optBool}, {name: "current", kind: optBool},
		}},
		&cmdDef{name: "blockcommit", group: "domain", help: "Start a block commit operation.", needsConn: true, run: cmdBlockcommit, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "path", kind: optData, required: true}, {name: "bandwidth", kind: optData}, {name: "base", kind: optData}, {name: "shallow", kind: optBool}, {name: "top", kind: optData}, {name: "active", kind: optBool}, {name: "delete", kind: optBool}, {name: "wait", kind: optBool}, {name: "verbose", kind: optBool}, {name: "timeout", kind: optData}, {name: "pivot", kind: optBool}, {name: "keep-overlay", kind: optBool}, {name: "async", kind: optBool}, {name: "keep-relative", kind: optBool}, {name: "bytes", kind: optBool},
		}},
		&cmdDef{name: "blockcopy", group: "domain", help: "Start a block copy operation.", needsConn: true, run: cmdBlockcopy, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "path", kind: optData, required: true}, {name: "dest", kind: optData}, {name: "bandwidth", kind: optData}, {name: "shallow", kind: optBool}, {name: "reuse-external", kind: optBool}, {name: "blockdev", kind: optBool}, {name: "wait", kind: optBool}, {name: "verbose", kind: optBool}, {name: "timeout", kind: optData}, {name: "pivot", kind: optBool}, {name: "finish", kind: optBool}, {name: "async", kind: optBool}, {name: "xml", kind: optData}, {name: "format", kind: optData}, {name: "granularity", kind: optData}, {name: "buf-size", kind: optData}, {name: "bytes", kind: optBool}, {name: "transient-job", kind: optBool}, {name: "synchronous-writes", kind: optBool}, {name: "print-xml", kind: optBool},
		}},
		&cmdDef{name: "blockjob", group: "domain", help: "Manage active block operations", needsConn: true, run: cmdBlockjob, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "path", kind: optData, required: true}, {name: "abort", kind: optBool}, {name: "async", kind: optBool}, {name: "pivot", kind: optBool}, {name: "info", kind: optBool}, {name: "bytes", kind: optBool}, {name: "raw", kind: optBool}, {name: "bandwidth", kind: optData},
		}},
		&cmdDef{name: "blockpull", group: "domain", help: "Populate a disk from its backing image.", needsConn: true, run: cmdBlockpull, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "path", kind: optData, required: true}, {name: "bandwidth", kind: optData}, {name: "base", kind: optData}, {name: "wait", kind: optBool}, {name: "verbose", kind: optBool}, {name: "timeout", kind: optData}, {name: "async", kind: optBool}, {name: "keep-relative", kind: optBool}, {name: "bytes", kind: optBool},
		}},
		&cmdDef{name: "blockresize", group: "domain", help: "Resize block device of domain.", needsConn: true, run: cmdBlockresize, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "path", kind: optData, required: true}, {name: "size", kind: optData, required: true},
		}},
		&cmdDef{name: "change-media", group: "domain", help: "Change media of CD or floppy drive", needsConn: true, run: cmdChangeMedia, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "path", kind: optData, required: true}, {name: "source", kind: optData}, {name: "eject", kind: optBool}, {name: "insert", kind: optBool}, {name: "update", kind: optBool}, {name: "current", kind: optBool}, {name: "live", kind: optBool}, {name: "config", kind: optBool}, {name: "force", kind: optBool}, {name: "print-xml", kind: optBool}, {name: "block", kind: optBool},
		}},
		&cmdDef{name: "console", group: "domain", help: "connect to the guest console", needsConn: true, run: cmdConsole, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "devname", kind: optData}, {name: "force", kind: optBool}, {name: "safe", kind: optBool},
		}},
		&cmdDef{name: "cpu-stats", group: "domain", help: "show domain cpu statistics", needsConn: true, run: cmdCpuStats, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "total", kind: optBool}, {name: "start", kind: optData}, {name: "count", kind: optData},
		}},
		&cmdDef{name: "create", group: "domain", help: "create a domain from an XML file", needsConn: true, run: cmdCreate, opts: []optDef{
			{name: "file", kind: optData, required: true}, {name: "console", kind: optBool}, {name: "paused", kind: optBool}, {name: "autodestroy", kind: optBool}, {name: "pass-fds", kind: optData}, {name: "validate", kind: optBool}, {name: "reset-nvram", kind: optBool},
		}},
		&cmdDef{name: "define", group: "domain", help: "define (but don't start) a domain from an XML file", needsConn: true, run: cmdDefine, opts: []optDef{
			{name: "file", kind: optData, required: true}, {name: "validate", kind: optBool},
		}},
		&cmdDef{name: "desc", group: "domain", help: "show or set domain's description or title", needsConn: true, run: cmdDesc, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "live", kind: optBool}, {name: "config", kind: optBool}, {name: "current", kind: optBool}, {name: "title", kind: optBool}, {name: "edit", kind: optBool}, {name: "new-desc", kind: optData},
		}},
		&cmdDef{name: "destroy", group: "domain", help: "destroy (stop) a domain", needsConn: true, run: cmdDestroy, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "graceful", kind: optBool}, {name: "remove-logs", kind: optBool},
		}},
		&cmdDef{name: "detach-device", group: "domain", help: "detach device from an XML file", needsConn: true, run: cmdDetachDevice, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "file", kind: optData, required: true}, {name: "persistent", kind: optBool}, {name: "config", kind: optBool}, {name: "live", kind: optBool}, {name: "current", kind: optBool},
		}},
		&cmdDef{name: "detach-device-alias", group: "domain", help: "detach device from an alias", needsConn: true, run: cmdDetachDeviceAlias, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "alias", kind: optData, required: true}, {name: "config", kind: optBool}, {name: "live", kind: optBool}, {name: "current", kind: optBool},
		}},
		&cmdDef{name: "detach-disk", group: "domain", help: "detach disk device", needsConn: true, run: cmdDetachDisk, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "target", kind: optData, required: true}, {name: "persistent", kind: optBool}, {name: "config", kind: optBool}, {name: "live", kind: optBool}, {name: "current", kind: optBool}, {name: "print-xml", kind: optBool},
		}},
		&cmdDef{name: "detach-interface", group: "domain", help: "detach network interface", needsConn: true, run: cmdDetachInterface, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "type", kind: optData, required: true}, {name: "mac", kind: optData}, {name: "persistent", kind: optBool}, {name: "config", kind: optBool}, {name: "live", kind: optBool}, {name: "current", kind: optBool}, {name: "print-xml", kind: optBool},
		}},
		&cmdDef{name: "domdisplay", group: "domain", help: "domain display connection URI", needsConn: true, run: cmdDomdisplay, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "include-password", kind: optBool}, {name: "type", kind: optData}, {name: "all", kind: optBool},
		}},
		&cmdDef{name: "domfsfreeze", group: "domain", help: "Freeze domain's mounted filesystems.", needsConn: true, run: cmdDomfsfreeze, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "mountpoint", kind: optData},
		}},
		&cmdDef{name: "domfsthaw", group: "domain", help: "Thaw domain's mounted filesystems.", needsConn: true, run: cmdDomfsthaw, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "mountpoint", kind: optData},
		}},
		&cmdDef{name: "domfsinfo", group: "domain", help: "Get information of domain's mounted filesystems.", needsConn: true, run: cmdDomfsinfo, opts: []optDef{
			{name: "domain", kind: optData, required: true},
		}},
		&cmdDef{name: "domfstrim", group: "domain", help: "Invoke fstrim on domain's mounted filesystems.", needsConn: true, run: cmdDomfstrim, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "minimum", kind: optData}, {name: "mountpoint", kind: optData},
		}},
		&cmdDef{name: "domhostname", group: "domain", help: "print the domain's hostname", needsConn: true, run: cmdDomhostname, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "source", kind: optData},
		}},
		&cmdDef{name: "domid", group: "domain", help: "convert a domain name or UUID to domain id", needsConn: true, run: cmdDomid, opts: []optDef{
			{name: "domain", kind: optData, required: true},
		}},
		&cmdDef{name: "domif-setlink", group: "domain", help: "set link state of a virtual interface", needsConn: true, run: cmdDomifSetlink, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "interface", kind: optData, required: true}, {name: "state", kind: optData, required: true}, {name: "config", kind: optBool}, {name: "print-xml", kind: optBool},
		}},
		&cmdDef{name: "domiftune", group: "domain", help: "get/set parameters of a virtual interface", needsConn: true, run: cmdDomiftune, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "interface", kind: optData, required: true}, {name: "inbound", kind: optData}, {name: "outbound", kind: optData}, {name: "config", kind: optBool}, {name: "live", kind: optBool}, {name: "current", kind: optBool},
		}},
		&cmdDef{name: "domjobabort", group: "domain", help: "abort active domain job", needsConn: true, run: cmdDomjobabort, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "postcopy", kind: optBool},
		}},
		&cmdDef{name: "domjobinfo", group: "domain", help: "domain job information", needsConn: true, run: cmdDomjobinfo, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "completed", kind: optBool}, {name: "keep-completed", kind: optBool}, {name: "anystats", kind: optBool}, {name: "rawstats", kind: optBool},
		}},
		&cmdDef{name: "domlaunchsecinfo", group: "domain", help: "Get domain launch security info", needsConn: true, run: cmdDomlaunchsecinfo, opts: []optDef{
			{name: "domain", kind: optData, required: true},
		}},
		&cmdDef{name: "domsetlaunchsecstate", group: "domain", help: "Set domain launch security state", needsConn: true, run: cmdDomsetlaunchsecstate, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "secrethdr", kind: optData}, {name: "secret", kind: optString}, {name: "set-address", kind: optString},
		}},
		&cmdDef{name: "domname", group: "domain", help: "convert a domain id or UUID to domain name", needsConn: true, run: cmdDomname, opts: []optDef{
			{name: "domain", kind: optData, required: true},
		}},
		&cmdDef{name: "domrename", group: "domain", help: "rename a domain", needsConn: true, run: cmdDomrename, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "new-name", kind: optData, required: true},
		}},
		&cmdDef{name: "dompmsuspend", group: "domain", help: "suspend a domain gracefully using power management functions", needsConn: true, run: cmdDompmsuspend, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "target", kind: optData, required: true}, {name: "duration", kind: optString},
		}},
		&cmdDef{name: "dompmwakeup", group: "domain", help: "wakeup a domain from pmsuspended state", needsConn: true, run: cmdDompmwakeup, opts: []optDef{
			{name: "domain", kind: optData, required: true},
		}},
		&cmdDef{name: "domuuid", group: "domain", help: "convert a domain name or id to domain UUID", needsConn: true, run: cmdDomuuid, opts: []optDef{
			{name: "domain", kind: optData, required: true},
		}},
		&cmdDef{name: "domxml-from-native", group: "domain", help: "Convert native config to domain XML", needsConn: true, run: cmdDomxmlFromNative, opts: []optDef{
			{name: "format", kind: optData, required: true}, {name: "config", kind: optData, required: true},
		}},
		&cmdDef{name: "domxml-to-native", group: "domain", help: "Convert domain XML to native config", needsConn: true, run: cmdDomxmlToNative, opts: []optDef{
			{name: "format", kind: optData, required: true}, {name: "domain", kind: optData}, {name: "xml", kind: optString},
		}},
		&cmdDef{name: "dump", group: "domain", help: "dump the core of a domain to a file for analysis", needsConn: true, run: cmdDump, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "file", kind: optData, required: true}, {name: "live", kind: optBool}, {name: "crash", kind: optBool}, {name: "bypass-cache", kind: optBool}, {name: "reset", kind: optBool}, {name: "verbose", kind: optBool}, {name: "memory-only", kind: optBool}, {name: "format", kind: optData},
		}},
		&cmdDef{name: "dumpxml", group: "domain", help: "domain information in XML", needsConn: true, run: cmdDumpxml, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "inactive", kind: optBool}, {name: "security-info", kind: optBool}, {name: "update-cpu", kind: optBool}, {name: "migratable", kind: optBool}, {name: "xpath", kind: optString}, {name: "wrap", kind: optBool},
		}},
		&cmdDef{name: "edit", group: "domain", help: "edit XML configuration for a domain", needsConn: true, run: cmdEdit, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "skip-validate", kind: optBool},
		}},
		&cmdDef{name: "get-user-sshkeys", group: "domain", help: "list authorized SSH keys for given user (via agent)", needsConn: true, run: cmdGetUserSshkeys, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "user", kind: optData, required: true},
		}},
		&cmdDef{name: "inject-nmi", group: "domain", help: "Inject NMI to the guest", needsConn: true, run: cmdInjectNmi, opts: []optDef{
			{name: "domain", kind: optData, required: true},
		}},
		&cmdDef{name: "iothreadinfo", group: "domain", help: "view domain IOThreads", needsConn: true, run: cmdIothreadinfo, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "config", kind: optBool}, {name: "live", kind: optBool}, {name: "current", kind: optBool},
		}},
		&cmdDef{name: "iothreadpin", group: "domain", help: "control domain IOThread affinity", needsConn: true, run: cmdIothreadpin, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "iothread", kind: optData, required: true}, {name: "cpulist", kind: optData, required: true}, {name: "config", kind: optBool}, {name: "live", kind: optBool}, {name: "current", kind: optBool},
		}},
		&cmdDef{name: "iothreadadd", group: "domain", help: "add an IOThread to the guest domain", needsConn: true, run: cmdIothreadadd, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "id", kind: optData, required: true}, {name: "config", kind: optBool}, {name: "live", kind: optBool}, {name: "current", kind: optBool},
		}},
		&cmdDef{name: "iothreadset", group: "domain", help: "modifies an existing IOThread of the guest domain", needsConn: true, run: cmdIothreadset, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "id", kind: optData, required: true}, {name: "poll-max-ns", kind: optData}, {name: "poll-grow", kind: optData}, {name: "poll-shrink", kind: optData}, {name: "thread-pool-min", kind: optData}, {name: "thread-pool-max", kind: optData}, {name: "config", kind: optBool}, {name: "live", kind: optBool}, {name: "current", kind: optBool},
		}},
		&cmdDef{name: "iothreaddel", group: "domain", help: "delete an IOThread from the guest domain", needsConn: true, run: cmdIothreaddel, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "id", kind: optData, required: true}, {name: "config", kind: optBool}, {name: "live", kind: optBool}, {name: "current", kind: optBool},
		}},
		&cmdDef{name: "send-key", group: "domain", help: "Send keycodes to the guest", needsConn: true, run: cmdSendKey, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "codeset", kind: optData}, {name: "holdtime", kind: optData}, {name: "keycode", kind: optData, required: true},
		}},
		&cmdDef{name: "send-process-signal", group: "domain", help: "Send signals to processes", needsConn: true, run: cmdSendProcessSignal, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "pid", kind: optData, required: true}, {name: "signame", kind: optData, required: true},
		}},
		&cmdDef{name: "lxc-enter-namespace", group: "domain", help: "LXC Guest Enter Namespace", needsConn: true, run: cmdLxcEnterNamespace, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "noseclabel", kind: optBool}, {name: "cmd", kind: optData, required: true},
		}},
		&cmdDef{name: "managedsave", group: "domain", help: "managed save of a domain state", needsConn: true, run: cmdManagedsave, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "bypass-cache", kind: optBool}, {name: "running", kind: optBool}, {name: "paused", kind: optBool}, {name: "verbose", kind: optBool},
		}},
		&cmdDef{name: "managedsave-remove", group: "domain", help: "Remove managed save of a domain", needsConn: true, run: cmdManagedsaveRemove, opts: []optDef{
			{name: "domain", kind: optData, required: true},
		}},
		&cmdDef{name: "managedsave-edit", group: "domain", help: "edit XML for a domain's managed save state file", needsConn: true, run: cmdManagedsaveEdit, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "running", kind: optBool}, {name: "paused", kind: optBool},
		}},
		&cmdDef{name: "managedsave-dumpxml", group: "domain", help: "Domain information of managed save state file in XML", needsConn: true, run: cmdManagedsaveDumpxml, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "security-info", kind: optBool}, {name: "xpath", kind: optString}, {name: "wrap", kind: optBool},
		}},
		&cmdDef{name: "managedsave-define", group: "domain", help: "redefine the XML for a domain's managed save state file", needsConn: true, run: cmdManagedsaveDefine, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "xml", kind: optData, required: true}, {name: "running", kind: optBool}, {name: "paused", kind: optBool},
		}},
		&cmdDef{name: "memtune", group: "domain", help: "Get or set memory parameters", needsConn: true, run: cmdMemtune, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "hard-limit", kind: optData}, {name: "soft-limit", kind: optData}, {name: "swap-hard-limit", kind: optData}, {name: "min-guarantee", kind: optData}, {name: "config", kind: optBool}, {name: "live", kind: optBool}, {name: "current", kind: optBool},
		}},
		&cmdDef{name: "perf", group: "domain", help: "Get or set perf event", needsConn: true, run: cmdPerf, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "enable", kind: optData}, {name: "disable", kind: optData}, {name: "config", kind: optBool}, {name: "live", kind: optBool}, {name: "current", kind: optBool},
		}},
		&cmdDef{name: "metadata", group: "domain", help: "show or set domain's custom XML metadata", needsConn: true, run: cmdMetadata, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "uri", kind: optData, required: true}, {name: "live", kind: optBool}, {name: "config", kind: optBool}, {name: "current", kind: optBool}, {name: "edit", kind: optBool}, {name: "key", kind: optData}, {name: "set", kind: optData}, {name: "remove", kind: optBool},
		}},
		&cmdDef{name: "migrate", group: "domain", help: "migrate domain to another host", needsConn: true, run: cmdMigrate, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "desturi", kind: optData, required: true}, {name: "live", kind: optBool}, {name: "offline", kind: optBool}, {name: "p2p", kind: optBool}, {name: "direct", kind: optBool}, {name: "tunnelled", kind: optBool}, {name: "persistent", kind: optBool}, {name: "undefinesource", kind: optBool}, {name: "suspend", kind: optBool}, {name: "copy-storage-all", kind: optBool}, {name: "copy-storage-inc", kind: optBool}, {name: "copy-storage-synchronous-writes", kind: optBool}, {name: "change-protection", kind: optBool}, {name: "unsafe", kind: optBool}, {name: "verbose", kind: optBool}, {name: "compressed", kind: optBool}, {name: "auto-converge", kind: optBool}, {name: "rdma-pin-all", kind: optBool}, {name: "abort-on-error", kind: optBool}, {name: "postcopy", kind: optBool}, {name: "postcopy-after-precopy", kind: optBool}, {name: "postcopy-resume", kind: optBool}, {name: "zerocopy", kind: optBool}, {name: "migrateuri", kind: optData}, {name: "graphicsuri", kind: optData}, {name: "listen-address", kind: optData}, {name: "dname", kind: optData}, {name: "timeout", kind: optData}, {name: "timeout-suspend", kind: optBool}, {name: "timeout-postcopy", kind: optBool}, {name: "xml", kind: optData}, {name: "migrate-disks", kind: optData}, {name: "disks-port", kind: optData}, {name: "disks-uri", kind: optData}, {name: "comp-methods", kind: optData}, {name: "comp-mt-level", kind: optData}, {name: "comp-mt-threads", kind: optData}, {name: "comp-mt-dthreads", kind: optData}, {name: "comp-xbzrle-cache", kind: optData}, {name: "auto-converge-initial", kind: optData}, {name: "auto-converge-increment", kind: optData}, {name: "persistent-xml", kind: optData}, {name: "tls", kind: optBool}, {name: "postcopy-bandwidth", kind: optData}, {name: "parallel", kind: optBool}, {name: "parallel-connections", kind: optData}, {name: "bandwidth", kind: optData}, {name: "tls-destination", kind: optData},
		}},
		&cmdDef{name: "migrate-setmaxdowntime", group: "domain", help: "set maximum tolerable downtime", needsConn: true, run: cmdMigrateSetmaxdowntime, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "downtime", kind: optData, required: true},
		}},
		&cmdDef{name: "migrate-getmaxdowntime", group: "domain", help: "get maximum tolerable downtime", needsConn: true, run: cmdMigrateGetmaxdowntime, opts: []optDef{
			{name: "domain", kind: optData, required: true},
		}},
		&cmdDef{name: "migrate-compcache", group: "domain", help: "get/set compression cache size", needsConn: true, run: cmdMigrateCompcache, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "size", kind: optString},
		}},
		&cmdDef{name: "migrate-setspeed", group: "domain", help: "Set the maximum migration bandwidth", needsConn: true, run: cmdMigrateSetspeed, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "bandwidth", kind: optData, required: true}, {name: "postcopy", kind: optBool},
		}},
		&cmdDef{name: "migrate-getspeed", group: "domain", help: "Get the maximum migration bandwidth", needsConn: true, run: cmdMigrateGetspeed, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "postcopy", kind: optBool},
		}},
		&cmdDef{name: "migrate-postcopy", group: "domain", help: "Switch running migration from pre-copy to post-copy", needsConn: true, run: cmdMigratePostcopy, opts: []optDef{
			{name: "domain", kind: optData, required: true},
		}},
		&cmdDef{name: "numatune", group: "domain", help: "Get or set numa parameters", needsConn: true, run: cmdNumatune, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "mode", kind: optData}, {name: "nodeset", kind: optData}, {name: "config", kind: optBool}, {name: "live", kind: optBool}, {name: "current", kind: optBool},
		}},
		&cmdDef{name: "qemu-attach", group: "domain", help: "QEMU Attach", needsConn: true, run: cmdQemuAttach, opts: []optDef{
			{name: "pid", kind: optData, required: true},
		}},
		&cmdDef{name: "qemu-monitor-command", group: "domain", help: "QEMU Monitor Command", needsConn: true, run: cmdQemuMonitorCommand, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "hmp", kind: optBool}, {name: "pretty", kind: optBool}, {name: "return-value", kind: optBool}, {name: "pass-fds", kind: optData}, {name: "cmd", kind: optData, required: true},
		}},
		&cmdDef{name: "qemu-monitor-event", group: "domain", help: "QEMU Monitor Events", needsConn: true, run: cmdQemuMonitorEvent, opts: []optDef{
			{name: "domain", kind: optData}, {name: "event", kind: optData}, {name: "pretty", kind: optBool}, {name: "loop", kind: optBool}, {name: "timeout", kind: optData}, {name: "regex", kind: optBool}, {name: "no-case", kind: optBool}, {name: "timestamp", kind: optBool},
		}},
		&cmdDef{name: "qemu-agent-command", group: "domain", help: "QEMU Guest Agent Command", needsConn: true, run: cmdQemuAgentCommand, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "timeout", kind: optData}, {name: "async", kind: optBool}, {name: "block", kind: optBool}, {name: "pretty", kind: optBool}, {name: "cmd", kind: optData, required: true},
		}},
		&cmdDef{name: "guest-agent-timeout", group: "domain", help: "Set the guest agent timeout", needsConn: true, run: cmdGuestAgentTimeout, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "timeout", kind: optString},
		}},
		&cmdDef{name: "reboot", group: "domain", help: "reboot a domain", needsConn: true, run: cmdReboot, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "mode", kind: optData},
		}},
		&cmdDef{name: "reset", group: "domain", help: "reset a domain", needsConn: true, run: cmdReset, opts: []optDef{
			{name: "domain", kind: optData, required: true},
		}},
		&cmdDef{name: "restore", group: "domain", help: "restore a domain from a saved state in a file", needsConn: true, run: cmdRestore, opts: []optDef{
			{name: "file", kind: optData, required: true}, {name: "bypass-cache", kind: optBool}, {name: "xml", kind: optData}, {name: "running", kind: optBool}, {name: "paused", kind: optBool}, {name: "reset-nvram", kind: optBool},
		}},
		&cmdDef{name: "resume", group: "domain", help: "resume a domain", needsConn: true, run: cmdResume, opts: []optDef{
			{name: "domain", kind: optData, required: true},
		}},
		&cmdDef{name: "save", group: "domain", help: "save a domain state to a file", needsConn: true, run: cmdSave, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "file", kind: optData, required: true}, {name: "bypass-cache", kind: optBool}, {name: "xml", kind: optData}, {name: "running", kind: optBool}, {name: "paused", kind: optBool}, {name: "verbose", kind: optBool},
		}},
		&cmdDef{name: "save-image-define", group: "domain", help: "redefine the XML for a domain's saved state file", needsConn: true, run: cmdSaveImageDefine, opts: []optDef{
			{name: "file", kind: optData, required: true}, {name: "xml", kind: optData, required: true}, {name: "running", kind: optBool}, {name: "paused", kind: optBool},
		}},
		&cmdDef{name: "save-image-dumpxml", group: "domain", help: "saved state domain information in XML", needsConn: true, run: cmdSaveImageDumpxml, opts: []optDef{
			{name: "file", kind: optData, required: true}, {name: "security-info", kind: optBool}, {name: "xpath", kind: optString}, {name: "wrap", kind: optBool},
		}},
		&cmdDef{name: "save-image-edit", group: "domain", help: "edit XML for a domain's saved state file", needsConn: true, run: cmdSaveImageEdit, opts: []optDef{
			{name: "file", kind: optData, required: true}, {name: "running", kind: optBool}, {name: "paused", kind: optBool},
		}},
		&cmdDef{name: "schedinfo", group: "domain", help: "show/set scheduler parameters", needsConn: true, run: cmdSchedinfo, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "weight", kind: optData}, {name: "cap", kind: optData}, {name: "current", kind: optBool}, {name: "config", kind: optBool}, {name: "live", kind: optBool}, {name: "set", kind: optData},
		}},
		&cmdDef{name: "screenshot", group: "domain", help: "take a screenshot of a current domain console and store it into a file", needsConn: true, run: cmdScreenshot, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "file", kind: optData}, {name: "screen", kind: optData},
		}},
		&cmdDef{name: "set-lifecycle-action", group: "domain", help: "change lifecycle actions", needsConn: true, run: cmdSetLifecycleAction, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "type", kind: optData, required: true}, {name: "action", kind: optData, required: true}, {name: "config", kind: optBool}, {name: "live", kind: optBool}, {name: "current", kind: optBool},
		}},
		&cmdDef{name: "set-user-sshkeys", group: "domain", help: "manipulate authorized SSH keys file for given user (via agent)", needsConn: true, run: cmdSetUserSshkeys, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "user", kind: optData, required: true}, {name: "file", kind: optData}, {name: "reset", kind: optBool}, {name: "remove", kind: optBool},
		}},
		&cmdDef{name: "set-user-password", group: "domain", help: "set the user password inside the domain", needsConn: true, run: cmdSetUserPassword, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "user", kind: optData, required: true}, {name: "password", kind: optData, required: true}, {name: "encrypted", kind: optBool},
		}},
		&cmdDef{name: "setmaxmem", group: "domain", help: "change maximum memory limit", needsConn: true, run: cmdSetmaxmem, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "size", kind: optData, required: true}, {name: "config", kind: optBool}, {name: "live", kind: optBool}, {name: "current", kind: optBool},
		}},
		&cmdDef{name: "setmem", group: "domain", help: "change memory allocation", needsConn: true, run: cmdSetmem, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "size", kind: optData, required: true}, {name: "config", kind: optBool}, {name: "live", kind: optBool}, {name: "current", kind: optBool},
		}},
		&cmdDef{name: "setvcpus", group: "domain", help: "change number of virtual CPUs", needsConn: true, run: cmdSetvcpus, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "count", kind: optData, required: true}, {name: "maximum", kind: optBool}, {name: "config", kind: optBool}, {name: "live", kind: optBool}, {name: "current", kind: optBool}, {name: "guest", kind: optBool}, {name: "hotpluggable", kind: optBool},
		}},
		&cmdDef{name: "shutdown", group: "domain", help: "gracefully shutdown a domain", needsConn: true, run: cmdShutdown, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "mode", kind: optData},
		}},
		&cmdDef{name: "start", group: "domain", help: "start a (previously defined) inactive domain", needsConn: true, run: cmdStart, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "console", kind: optBool}, {name: "paused", kind: optBool}, {name: "autodestroy", kind: optBool}, {name: "bypass-cache", kind: optBool}, {name: "force-boot", kind: optBool}, {name: "pass-fds", kind: optData}, {name: "reset-nvram", kind: optBool},
		}},
		&cmdDef{name: "suspend", group: "domain", help: "suspend a domain", needsConn: true, run: cmdSuspend, opts: []optDef{
			{name: "domain", kind: optData, required: true},
		}},
		&cmdDef{name: "ttyconsole", group: "domain", help: "tty console", needsConn: true, run: cmdTtyconsole, opts: []optDef{
			{name: "domain", kind: optData, required: true},
		}},
		&cmdDef{name: "undefine", group: "domain", help: "undefine a domain", needsConn: true, run: cmdUndefine, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "managed-save", kind: optBool}, {name: "storage", kind: optData}, {name: "remove-all-storage", kind: optBool}, {name: "delete-storage-volume-snapshots", kind: optBool}, {name: "wipe-storage", kind: optBool}, {name: "snapshots-metadata", kind: optBool}, {name: "checkpoints-metadata", kind: optBool}, {name: "nvram", kind: optBool}, {name: "keep-nvram", kind: optBool}, {name: "tpm", kind: optBool}, {name: "keep-tpm", kind: optBool},
		}},
		&cmdDef{name: "update-device", group: "domain", help: "update device from an XML file", needsConn: true, run: cmdUpdateDevice, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "file", kind: optData, required: true}, {name: "persistent", kind: optBool}, {name: "config", kind: optBool}, {name: "live", kind: optBool}, {name: "current", kind: optBool}, {name: "force", kind: optBool},
		}},
		&cmdDef{name: "update-memory-device", group: "domain", help: "update memory device of a domain", needsConn: true, run: cmdUpdateMemoryDevice, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "config", kind: optBool}, {name: "live", kind: optBool}, {name: "current", kind: optBool}, {name: "print-xml", kind: optBool}, {name: "alias", kind: optData}, {name: "node", kind: optData}, {name: "requested-size", kind: optData},
		}},
		&cmdDef{name: "vcpucount", group: "domain", help: "domain vcpu counts", needsConn: true, run: cmdVcpucount, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "maximum", kind: optBool}, {name: "active", kind: optBool}, {name: "live", kind: optBool}, {name: "config", kind: optBool}, {name: "current", kind: optBool}, {name: "guest", kind: optBool},
		}},
		&cmdDef{name: "vcpuinfo", group: "domain", help: "detailed domain vcpu information", needsConn: true, run: cmdVcpuinfo, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "pretty", kind: optBool},
		}},
		&cmdDef{name: "vcpupin", group: "domain", help: "control or query domain vcpu affinity", needsConn: true, run: cmdVcpupin, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "vcpu", kind: optData}, {name: "cpulist", kind: optData}, {name: "config", kind: optBool}, {name: "live", kind: optBool}, {name: "current", kind: optBool},
		}},
		&cmdDef{name: "emulatorpin", group: "domain", help: "control or query domain emulator affinity", needsConn: true, run: cmdEmulatorpin, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "cpulist", kind: optData}, {name: "config", kind: optBool}, {name: "live", kind: optBool}, {name: "current", kind: optBool},
		}},
		&cmdDef{name: "vncdisplay", group: "domain", help: "vnc display", needsConn: true, run: cmdVncdisplay, opts: []optDef{
			{name: "domain", kind: optData, required: true},
		}},
		&cmdDef{name: "guestvcpus", group: "domain", help: "query or modify state of vcpu in the guest (via agent)", needsConn: true, run: cmdGuestvcpus, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "cpulist", kind: optData}, {name: "enable", kind: optBool}, {name: "disable", kind: optBool},
		}},
		&cmdDef{name: "setvcpu", group: "domain", help: "attach/detach vcpu or groups of threads", needsConn: true, run: cmdSetvcpu, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "vcpulist", kind: optData, required: true}, {name: "enable", kind: optBool}, {name: "disable", kind: optBool}, {name: "config", kind: optBool}, {name: "live", kind: optBool}, {name: "current", kind: optBool},
		}},
		&cmdDef{name: "domblkthreshold", group: "domain", help: "set the threshold for block-threshold event for a given block device or it's backing chain element", needsConn: true, run: cmdDomblkthreshold, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "dev", kind: optData, required: true}, {name: "threshold", kind: optData, required: true},
		}},
		&cmdDef{name: "guestinfo", group: "domain", help: "query information about the guest (via agent)", needsConn: true, run: cmdGuestinfo, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "user", kind: optBool}, {name: "os", kind: optBool}, {name: "timezone", kind: optBool}, {name: "hostname", kind: optBool}, {name: "filesystem", kind: optBool}, {name: "disk", kind: optBool}, {name: "interface", kind: optBool},
		}},
		&cmdDef{name: "domdirtyrate-calc", group: "domain", help: "Calculate a vm's memory dirty rate", needsConn: true, run: cmdDomdirtyrateCalc, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "seconds", kind: optData}, {name: "mode", kind: optData},
		}},
		&cmdDef{name: "dom-fd-associate", group: "domain", help: "associate a FD with a domain", needsConn: true, run: cmdDomFdAssociate, opts: []optDef{
			{name: "domain", kind: optData, required: true}, {name: "name", kind: optData, required: true}, {name: "pass-fds", kind: optData, required: true}, {name: "seclabel-writable", kind: optBool}, {name: "seclabel-restore", kind: optBool},
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

func cmdDumpxml(c *ctl, cmd *parsedCmd) bool {
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
	return c.printXPath(cmd, xml)
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
