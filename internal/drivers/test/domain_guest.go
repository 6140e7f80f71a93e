package test

import (
	"context"
	"os"
	"strings"
	"time"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/virt/virterr"
)

// diskTargets lists the definition's disks by target name.
func diskTargets(def *domain.Def) []*domain.Disk {
	if def.Devices == nil {
		return nil
	}
	return def.Devices.Disks
}

func diskTarget(d *domain.Disk) string {
	for _, a := range d.Target {
		if a.Name == "dev" {
			return a.Value
		}
	}
	return ""
}

func diskAttr(d *domain.Disk, name string) string {
	for _, a := range d.Attrs {
		if a.Name == name {
			return a.Value
		}
	}
	return ""
}

// findDisk is virDomainDiskByName: a disk by target, or by source path
// when allowPath.
func findDisk(def *domain.Def, name string, allowPath bool) *domain.Disk {
	for _, d := range diskTargets(def) {
		if diskTarget(d) == name {
			return d
		}
	}
	if allowPath {
		root, err := xmltree.Parse([]byte(def.Format(0)), "(domain)")
		if err == nil && root.Child("devices") != nil {
			disks := root.Child("devices").ChildrenNamed("disk")
			for i, n := range disks {
				if src := n.Child("source"); src != nil && i < len(diskTargets(def)) {
					for _, a := range []string{"file", "dev", "dir", "name"} {
						if v, ok := src.Attr(a); ok && v == name {
							return diskTargets(def)[i]
						}
					}
				}
			}
		}
	}
	return nil
}

// DomainBlockStats makes up counters from the clock.
func (c *conn) DomainBlockStats(ctx context.Context, dom driver.DomainRef, path string) (driver.DomainBlockStatsRet, error) {
	if path == "" {
		return driver.DomainBlockStatsRet{}, errf(virterr.OperationUnsupported, "summary statistics are not supported yet")
	}
	var ret driver.DomainBlockStatsRet
	err := c.read(dom, func(o *domainObj) error {
		if err := checkActive(o); err != nil {
			return err
		}
		if findDisk(o.def, path, false) == nil {
			return errf(virterr.InvalidArg, "invalid path: %s", path)
		}
		base := time.Now().UnixMicro()
		ret = driver.DomainBlockStatsRet{RdReq: base / 10, RdBytes: base / 20, WrReq: base / 30, WrBytes: base / 40, Errs: base / (1000 * 1000 * 2)}
		return nil
	})
	return ret, err
}

// netByName is virDomainNetFind: an interface by MAC address or target
// device name.
func netNode(def *domain.Def, device string) (*xmltree.Node, int, error) {
	root, err := xmltree.Parse([]byte(def.Format(0)), "(domain)")
	if err != nil {
		return nil, -1, err
	}
	if devs := root.Child("devices"); devs != nil {
		for i, n := range devs.ChildrenNamed("interface") {
			if m := n.Child("mac"); m != nil {
				if v, _ := m.Attr("address"); strings.EqualFold(v, device) {
					return n, i, nil
				}
			}
			if t := n.Child("target"); t != nil {
				if v, _ := t.Attr("dev"); v == device {
					return n, i, nil
				}
			}
		}
	}
	return nil, -1, errf(virterr.InvalidArg, "'%s' is not a known interface", device)
}

// DomainInterfaceStats makes up counters from the clock.
func (c *conn) DomainInterfaceStats(ctx context.Context, dom driver.DomainRef, device string) (driver.DomainInterfaceStatsRet, error) {
	var ret driver.DomainInterfaceStatsRet
	err := c.read(dom, func(o *domainObj) error {
		if err := checkActive(o); err != nil {
			return err
		}
		if _, _, err := netNode(o.def, device); err != nil {
			return err
		}
		b := time.Now().UnixMicro()
		ret = driver.DomainInterfaceStatsRet{RxBytes: b / 10, RxPackets: b / 100, RxErrs: b / 1000000, RxDrop: b / 2000000,
			TxBytes: b / 20, TxPackets: b / 110, TxErrs: b / 3000000, TxDrop: b / 4000000}
		return nil
	})
	return ret, err
}

// DomainGetBlockInfo reports fixed sizes for a disk with media.
func (c *conn) DomainGetBlockInfo(ctx context.Context, dom driver.DomainRef, path string, flags uint32) (driver.DomainGetBlockInfoRet, error) {
	if err := unsupportedFlags(flags, 0, "testDomainGetBlockInfo"); err != nil {
		return driver.DomainGetBlockInfoRet{}, err
	}
	var ret driver.DomainGetBlockInfoRet
	err := c.read(dom, func(o *domainObj) error {
		d := findDisk(o.def, path, false)
		if d == nil {
			return errf(virterr.InvalidArg, "invalid path %s not assigned to domain", path)
		}
		if d.Source == nil || (diskAttr(d, "type") != "network" && diskSourcePath(o.def, d) == "") {
			return errf(virterr.InvalidArg, "disk '%s' does not currently have a source assigned", path)
		}
		ret = driver.DomainGetBlockInfoRet{Capacity: 1099506450432, Allocation: 1099511627776, Physical: 1099511627776}
		return nil
	})
	return ret, err
}

func diskSourcePath(def *domain.Def, d *domain.Disk) string {
	root, err := xmltree.Parse([]byte(def.Format(0)), "(domain)")
	if err != nil || root.Child("devices") == nil {
		return ""
	}
	for i, n := range root.Child("devices").ChildrenNamed("disk") {
		if i < len(diskTargets(def)) && diskTargets(def)[i] == d {
			if src := n.Child("source"); src != nil {
				for _, a := range []string{"file", "dev", "dir", "name", "volume"} {
					if v, ok := src.Attr(a); ok {
						return v
					}
				}
			}
		}
	}
	return ""
}

// DomainGetDiskErrors reports a made-up error for each disk.
func (c *conn) DomainGetDiskErrors(ctx context.Context, dom driver.DomainRef, maxerrors uint32, flags uint32) (driver.DomainGetDiskErrorsRet, error) {
	if err := unsupportedFlags(flags, 0, "testDomainGetDiskErrors"); err != nil {
		return driver.DomainGetDiskErrorsRet{}, err
	}
	var ret driver.DomainGetDiskErrorsRet
	err := c.read(dom, func(o *domainObj) error {
		if err := checkActive(o); err != nil {
			return err
		}
		disks := diskTargets(o.def)
		if maxerrors == 0 {
			ret.Nerrors = int32(len(disks))
			return nil
		}
		for i, d := range disks {
			if uint32(i) >= maxerrors {
				break
			}
			ret.Errors = append(ret.Errors, driver.DomainDiskError{Disk: diskTarget(d), Error: int32(i%2 + 1)})
		}
		ret.Nerrors = int32(len(ret.Errors))
		return nil
	})
	return ret, err
}

// DomainGetControlInfo derives a control state from the guest clock, as
// libvirt's test driver does.
func (c *conn) DomainGetControlInfo(ctx context.Context, dom driver.DomainRef, flags uint32) (driver.DomainGetControlInfoRet, error) {
	if err := unsupportedFlags(flags, 0, "testDomainGetControlInfo"); err != nil {
		return driver.DomainGetControlInfoRet{}, err
	}
	var ret driver.DomainGetControlInfoRet
	err := c.read(dom, func(o *domainObj) error {
		if err := checkActive(o); err != nil {
			return err
		}
		s := o.priv.seconds
		switch {
		case s > 0 && s < 10000:
			ret = driver.DomainGetControlInfoRet{State: 1, StateTime: uint64(s)}
		case s >= 10000 && s < 30000:
			ret = driver.DomainGetControlInfoRet{State: 2, StateTime: uint64(s - 10000)}
		case s >= 30000 && s < 60000:
			ret = driver.DomainGetControlInfoRet{State: 3, Details: uint32(s % 4), StateTime: uint64(s - 30000)}
		}
		return nil
	})
	return ret, err
}

// DomainGetHostname is the domain's name followed by "host".
func (c *conn) DomainGetHostname(ctx context.Context, dom driver.DomainRef, flags uint32) (string, error) {
	if err := unsupportedFlags(flags, 0, "testDomainGetHostname"); err != nil {
		return "", err
	}
	err := c.read(dom, checkActive)
	if err != nil {
		return "", err
	}
	return dom.Name + "host", nil
}

// DomainGetTime reads the fake guest clock.
func (c *conn) DomainGetTime(ctx context.Context, dom driver.DomainRef, flags uint32) (driver.DomainGetTimeRet, error) {
	if err := unsupportedFlags(flags, 0, "testDomainGetTime"); err != nil {
		return driver.DomainGetTimeRet{}, err
	}
	var ret driver.DomainGetTimeRet
	err := c.read(dom, func(o *domainObj) error {
		if o.state != stateRunning {
			return errf(virterr.OperationInvalid, "domain is not running")
		}
		ret = driver.DomainGetTimeRet{Seconds: o.priv.seconds, Nseconds: o.priv.nseconds}
		return nil
	})
	return ret, err
}

// DomainSetTime sets the fake guest clock.
func (c *conn) DomainSetTime(ctx context.Context, dom driver.DomainRef, seconds int64, nseconds uint32, flags uint32) error {
	if err := c.denyReadOnly("virDomainSetTime"); err != nil {
		return err
	}
	if err := unsupportedFlags(flags, 1, "testDomainSetTime"); err != nil {
		return err
	}
	return c.update(dom, func(o *domainObj) ([]event, error) {
		if err := checkActive(o); err != nil {
			return nil, err
		}
		o.priv.seconds, o.priv.nseconds = seconds, nseconds
		return nil, nil
	})
}

// DomainGetFSInfo reports / and /boot on the first disk.
func (c *conn) DomainGetFSInfo(ctx context.Context, dom driver.DomainRef, flags uint32) (driver.DomainGetFsinfoRet, error) {
	if err := unsupportedFlags(flags, 0, "testDomainGetFSInfo"); err != nil {
		return driver.DomainGetFsinfoRet{}, err
	}
	var ret driver.DomainGetFsinfoRet
	err := c.read(dom, func(o *domainObj) error {
		if err := checkActive(o); err != nil {
			return err
		}
		for _, d := range diskTargets(o.def) {
			if dev := diskAttr(d, "device"); dev == "" || dev == "disk" {
				name := diskTarget(d)
				ret.Info = []driver.DomainFsinfo{
					{Mountpoint: "/", Name: name + "1", Fstype: "ext4", DevAliases: []string{name}},
					{Mountpoint: "/boot", Name: name + "2", Fstype: "ext4", DevAliases: []string{name}},
				}
				break
			}
		}
		ret.Ret = uint32(len(ret.Info))
		return nil
	})
	return ret, err
}

// fsIndex maps the two fake mount points to their slot.
func fsIndex(mp string) (int, error) {
	switch mp {
	case "/":
		return 0, nil
	case "/boot":
		return 1, nil
	}
	return -1, errf(virterr.OperationInvalid, "mount point not found: %s", mp)
}

func (c *conn) freeze(dom driver.DomainRef, mountpoints []string, to bool, function, cfunction string) (int32, error) {
	if err := c.denyReadOnly(function); err != nil {
		return -1, err
	}
	n := int32(0)
	err := c.update(dom, func(o *domainObj) ([]event, error) {
		if err := checkActive(o); err != nil {
			return nil, err
		}
		next := o.priv.frozen
		if len(mountpoints) == 0 {
			for i := range next {
				if next[i] != to {
					n++
				}
				next[i] = to
			}
		}
		for _, mp := range mountpoints {
			i, err := fsIndex(mp)
			if err != nil {
				return nil, err
			}
			if next[i] != to {
				next[i] = to
				n++
			}
		}
		o.priv.frozen = next
		return nil, nil
	})
	if err != nil {
		return -1, err
	}
	return n, nil
}

// DomainFSFreeze freezes / and /boot.
func (c *conn) DomainFSFreeze(ctx context.Context, dom driver.DomainRef, mountpoints []string, flags uint32) (int32, error) {
	if err := unsupportedFlags(flags, 0, "testDomainFSFreeze"); err != nil {
		return -1, err
	}
	return c.freeze(dom, mountpoints, true, "virDomainFSFreeze", "testDomainFSFreeze")
}

// DomainFSThaw thaws / and /boot.
func (c *conn) DomainFSThaw(ctx context.Context, dom driver.DomainRef, mountpoints []string, flags uint32) (int32, error) {
	if err := unsupportedFlags(flags, 0, "testDomainFSThaw"); err != nil {
		return -1, err
	}
	return c.freeze(dom, mountpoints, false, "virDomainFSThaw", "testDomainFSThaw")
}

// DomainFSTrim accepts / and /boot.
func (c *conn) DomainFSTrim(ctx context.Context, dom driver.DomainRef, mountPoint *string, minimum uint64, flags uint32) error {
	if err := c.denyReadOnly("virDomainFSTrim"); err != nil {
		return err
	}
	if err := unsupportedFlags(flags, 0, "testDomainFSTrim"); err != nil {
		return err
	}
	return c.read(dom, func(o *domainObj) error {
		if err := checkActive(o); err != nil {
			return err
		}
		if mountPoint != nil {
			_, err := fsIndex(*mountPoint)
			return err
		}
		return nil
	})
}

// DomainInjectNMI does nothing to a running domain.
func (c *conn) DomainInjectNMI(ctx context.Context, dom driver.DomainRef, flags uint32) error {
	if err := c.denyReadOnly("virDomainInjectNMI"); err != nil {
		return err
	}
	if err := unsupportedFlags(flags, 0, "testDomainInjectNMI"); err != nil {
		return err
	}
	return c.read(dom, checkActive)
}

// keycodeLimits bound each codeset's valid key codes (the keymaps'
// largest codes), enough to refuse what virKeycodeValueTranslate cannot
// map.
var keycodeSets = []string{"linux", "xt", "atset1", "atset2", "atset3", "os_x", "xt_kbd", "usb", "win32", "qnum"}

// DomainSendKey accepts key codes of a known codeset.
func (c *conn) DomainSendKey(ctx context.Context, dom driver.DomainRef, codeset uint32, holdtime uint32, keycodes []uint32, flags uint32) error {
	if err := c.denyReadOnly("virDomainSendKey"); err != nil {
		return err
	}
	if err := unsupportedFlags(flags, 0, "testDomainSendKey"); err != nil {
		return err
	}
	return c.read(dom, func(o *domainObj) error {
		if err := checkActive(o); err != nil {
			return err
		}
		for _, k := range keycodes {
			if int(codeset) >= len(keycodeSets) || k > 0xffff {
				name := ""
				if int(codeset) < len(keycodeSets) {
					name = keycodeSets[codeset]
				}
				return errf(virterr.InternalError, "invalid keycode %d of %s codeset", k, name)
			}
		}
		return nil
	})
}

// DomainSendProcessSignal accepts signals to pid 1.
func (c *conn) DomainSendProcessSignal(ctx context.Context, dom driver.DomainRef, pid int64, signum uint32, flags uint32) error {
	if err := c.denyReadOnly("virDomainSendProcessSignal"); err != nil {
		return err
	}
	if err := unsupportedFlags(flags, 0, "testDomainSendProcessSignal"); err != nil {
		return err
	}
	if pid != 1 {
		return errf(virterr.InvalidArg, "only sending a signal to pid 1 is supported")
	}
	if signum >= 65 {
		return errf(virterr.InvalidArg, "signum value %d is out of range", signum)
	}
	return c.read(dom, func(*domainObj) error { return nil })
}

// DomainSetUserPassword accepts any password for a running domain.
func (c *conn) DomainSetUserPassword(ctx context.Context, dom driver.DomainRef, user *string, password *string, flags uint32) error {
	if err := c.denyReadOnly("virDomainSetUserPassword"); err != nil {
		return err
	}
	if err := unsupportedFlags(flags, 1, "testDomainSetUserPassword"); err != nil {
		return err
	}
	return c.read(dom, checkActive)
}

const totalCPUTime = 48772617035

// DomainGetCPUStats reports fixed CPU times.
func (c *conn) DomainGetCPUStats(ctx context.Context, dom driver.DomainRef, nparams uint32, startCPU int32, ncpus uint32, flags uint32) (driver.DomainGetCPUStatsRet, error) {
	if err := unsupportedFlags(flags, 1<<2, "testDomainGetCPUStats"); err != nil {
		return driver.DomainGetCPUStatsRet{}, err
	}
	var ret driver.DomainGetCPUStatsRet
	err := c.read(dom, func(o *domainObj) error {
		if err := checkActive(o); err != nil {
			return err
		}
		if startCPU == -1 {
			if nparams == 0 {
				ret.Nparams = 3
				return nil
			}
			all := []driver.TypedParam{ullongParam("cpu_time", totalCPUTime), ullongParam("user_time", 5540000000), ullongParam("system_time", 6460000000)}
			ret.Params = firstN(all, int32(nparams))
			ret.Nparams = int32(len(ret.Params))
			return nil
		}
		total := int32(c.st.node.cores)
		if ncpus == 0 {
			ret.Nparams = total
			return nil
		}
		if nparams == 0 {
			ret.Nparams = 2
			return nil
		}
		if startCPU >= total {
			return errf(virterr.InvalidArg, "start_cpu %d larger than maximum of %d", startCPU, total-1)
		}
		per := uint64(totalCPUTime / int64(total))
		end := startCPU + int32(ncpus)
		if end > total {
			end = total
		}
		for i := startCPU; i < end; i++ {
			ret.Params = append(ret.Params, ullongParam("cpu_time", per+uint64(i)))
			if nparams > 1 {
				ret.Params = append(ret.Params, ullongParam("vcpu_time", per+uint64(i)-1234567890))
			}
		}
		ret.Nparams = 1
		if nparams > 1 {
			ret.Nparams = 2
		}
		return nil
	})
	return ret, err
}

// DomainGetMessages has no messages for the test driver's domains.
func (c *conn) DomainGetMessages(ctx context.Context, dom driver.DomainRef, flags uint32) ([]string, error) {
	if err := unsupportedFlags(flags, 1<<0|1<<1, "testDomainGetMessages"); err != nil {
		return nil, err
	}
	if err := c.read(dom, func(*domainObj) error { return nil }); err != nil {
		return nil, err
	}
	return []string{}, nil
}

// DomainScreenshot sends libvirt's test image, as image/png.
func (c *conn) DomainScreenshot(ctx context.Context, st driver.Stream, dom driver.DomainRef, screen uint32, flags uint32) (*string, error) {
	if err := c.denyReadOnly("virDomainScreenshot"); err != nil {
		return nil, err
	}
	if err := unsupportedFlags(flags, 0, "testDomainScreenshot"); err != nil {
		return nil, err
	}
	data := screenshotImage()
	if _, err := st.Send(ctx, data); err != nil {
		return nil, err
	}
	if err := st.Finish(ctx); err != nil {
		return nil, err
	}
	mime := "image/png"
	return &mime, nil
}

// screenshotPath is where libvirt installs the test driver's screenshot.
const screenshotPath = "/usr/share/libvirt/test-screenshot.png"

func screenshotImage() []byte {
	if data, err := os.ReadFile(screenshotPath); err == nil {
		return data
	}
	return fallbackPNG()
}
