package test

import (
	"context"
	"fmt"
	"strings"

	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/virt/virterr"
)

// hostObjects are the node's objects other than domains: networks,
// interfaces (with the copy an interface transaction keeps), storage pools
// with their volumes, node devices, and the NUMA cells test:///default
// describes.
type hostObjects struct {
	networks      []*networkObj
	ifaces        []*ifaceObj
	ifaceBackup   []*ifaceObj
	ifaceTxActive bool
	pools         []*poolObj
	devices       []*nodeDeviceObj
	cells         []numaCell
}

// numaCell is one NUMA cell of the fake host (testCell); memory in KiB.
type numaCell struct {
	mem, freeMem uint64
	cpus         int
}

// defaultCells is test:///default's NUMA layout (testOpenDefault): two
// cells of eight CPUs; node files have none.
func defaultCells() []numaCell {
	cells := make([]numaCell, 2)
	for i := range cells {
		cells[i] = numaCell{mem: uint64(i+1) * 2048 * 1024, freeMem: uint64(i+1) * 1024 * 1024, cpus: 8}
	}
	return cells
}

// loadHostObjects reads the node file's networks, interfaces, pools (with
// their volumes) and devices, in testOpenParse's order.
func (st *state) loadHostObjects(root *xmltree.Node, dir string) error {
	if dir == "" {
		st.hostObjs.cells = defaultCells()
	}
	for _, n := range root.ChildrenNamed("network") {
		n, err := fromFile(n, dir, "network")
		if err != nil {
			return err
		}
		if err := st.loadNetwork(n); err != nil {
			return err
		}
	}
	for _, n := range root.ChildrenNamed("interface") {
		n, err := fromFile(n, dir, "interface")
		if err != nil {
			return err
		}
		if err := st.loadInterface(n); err != nil {
			return err
		}
	}
	for _, n := range root.ChildrenNamed("pool") {
		n, err := fromFile(n, dir, "pool")
		if err != nil {
			return err
		}
		// libvirt looks for volumes under the pool element after the
		// file's content replaced it, so a pool read from a file keeps
		// none of the <volume> children written beside its reference.
		if err := st.loadPool(n, n.ChildrenNamed("volume"), dir); err != nil {
			return err
		}
	}
	for _, n := range root.ChildrenNamed("device") {
		n, err := fromFile(n, dir, "device")
		if err != nil {
			return err
		}
		if err := st.loadNodeDevice(n); err != nil {
			return err
		}
	}
	return nil
}

// NodeGetCellsFreeMemory reports the memory of each cell from startCell,
// in bytes as the API counts it (the test driver reports the cells' size).
func (c *conn) NodeGetCellsFreeMemory(ctx context.Context, startCell int32, maxcells int32) ([]uint64, error) {
	c.st.mu.Lock()
	defer c.st.mu.Unlock()
	cells := c.st.hostObjs.cells
	if startCell < 0 || int(startCell) >= len(cells) {
		return nil, virterr.NewFrom(virterr.FromTest, virterr.InvalidArg, "Range exceeds available cells")
	}
	var out []uint64
	for i := int(startCell); i < len(cells) && int32(len(out)) < maxcells; i++ {
		out = append(out, cells[i].mem)
	}
	return out, nil
}

// NodeGetFreeMemory sums the cells' free memory; libvirt's test driver
// adds them in an unsigned int.
func (c *conn) NodeGetFreeMemory(ctx context.Context) (uint64, error) {
	c.st.mu.Lock()
	defer c.st.mu.Unlock()
	var free uint32
	for _, cell := range c.st.hostObjs.cells {
		free += uint32(cell.freeMem)
	}
	return uint64(free), nil
}

// testCPUStats are the fixed counters of testNodeGetCPUStats.
var testCPUStats = []driver.NodeGetCPUStats{
	{Field: "user", Value: 9797400000},
	{Field: "kernel", Value: 34678723400000},
	{Field: "idle", Value: 87264900000},
	{Field: "iowait", Value: 763600000},
}

// NodeGetCPUStats answers the fixed counters, whatever the CPU; asked for
// zero parameters it says how many there are.
func (c *conn) NodeGetCPUStats(ctx context.Context, cpuNum int32, nparams int32, flags uint32) (driver.NodeGetCPUStatsRet, error) {
	if err := unsupportedFlags(flags, 0, "testNodeGetCPUStats"); err != nil {
		return driver.NodeGetCPUStatsRet{}, err
	}
	if nparams == 0 {
		return driver.NodeGetCPUStatsRet{Nparams: int32(len(testCPUStats))}, nil
	}
	n := min(int(nparams), len(testCPUStats))
	return driver.NodeGetCPUStatsRet{Params: append([]driver.NodeGetCPUStats(nil), testCPUStats[:n]...), Nparams: int32(n)}, nil
}

// NodeGetFreePages makes up counts as testNodeGetFreePages does: x = 2x+7
// from 6, for every cell and page size.
func (c *conn) NodeGetFreePages(ctx context.Context, pages []uint32, startCell int32, cellCount uint32, flags uint32) ([]uint64, error) {
	if err := unsupportedFlags(flags, 0, "testNodeGetFreePages"); err != nil {
		return nil, err
	}
	if uint64(cellCount)*uint64(len(pages)) > 1<<20 {
		return nil, virterr.NewFrom(virterr.FromTest, virterr.InvalidArg, "too many pages requested")
	}
	out := make([]uint64, 0, int(cellCount)*len(pages))
	x := uint64(6)
	for i := uint32(0); i < cellCount; i++ {
		for range pages {
			x = x*2 + 7
			out = append(out, x)
		}
	}
	return out, nil
}

// NodeGetCPUMap describes eight CPUs of which 0, 2 and 4 are online.
func (c *conn) NodeGetCPUMap(ctx context.Context, needMap int32, needOnline int32, flags uint32) (driver.NodeGetCPUMapRet, error) {
	if err := unsupportedFlags(flags, 0, "testNodeGetCPUMap"); err != nil {
		return driver.NodeGetCPUMapRet{}, err
	}
	ret := driver.NodeGetCPUMapRet{Ret: 8}
	if needMap != 0 {
		ret.Cpumap = []byte{0x15}
	}
	if needOnline != 0 {
		ret.Online = 3
	}
	return ret, nil
}

// testSysinfo is the SMBIOS data libvirt's test driver reports.
const testSysinfo = `<sysinfo type='smbios'>
  <bios>
    <entry name='vendor'>LENOVO</entry>
    <entry name='version'>G4ETA1WW (2.61 )</entry>
    <entry name='date'>05/07/2014</entry>
    <entry name='release'>2.61</entry>
  </bios>
</sysinfo>
`

// ConnectGetSysinfo is the fixed SMBIOS description.
func (c *conn) ConnectGetSysinfo(ctx context.Context, flags uint32) (string, error) {
	if err := unsupportedFlags(flags, 0, "testConnectGetSysinfo"); err != nil {
		return "", err
	}
	return testSysinfo, nil
}

// Driver features (virDrvFeature) the test driver has.
const (
	featureTypedParamString      int32 = 9  // VIR_DRV_FEATURE_TYPED_PARAM_STRING
	featureNetworkUpdateHasOrder int32 = 16 // VIR_DRV_FEATURE_NETWORK_UPDATE_HAS_CORRECT_ORDER
)

// ConnectSupportsFeature: typed string parameters and the corrected
// net-update argument order.
func (c *conn) ConnectSupportsFeature(ctx context.Context, feature int32) (int32, error) {
	switch feature {
	case featureTypedParamString, featureNetworkUpdateHasOrder:
		return 1, nil
	}
	return 0, nil
}

// ConnectGetCapabilities is the fake host's capabilities
// (testBuildCapabilities): an i686 host with four page sizes, its NUMA
// cells, the test security model, and hvm and xen guests.
func (c *conn) ConnectGetCapabilities(ctx context.Context) (string, error) {
	c.st.mu.Lock()
	cells := append([]numaCell(nil), c.st.hostObjs.cells...)
	c.st.mu.Unlock()
	return formatCapabilities(cells), nil
}

func formatCapabilities(cells []numaCell) string {
	var b strings.Builder
	b.WriteString(`<capabilities>

  <host>
    <cpu>
      <arch>i686</arch>
      <features>
        <pae/>
        <nonpae/>
      </features>
      <pages unit='KiB' size='4'/>
      <pages unit='KiB' size='8'/>
      <pages unit='KiB' size='2048'/>
      <pages unit='KiB' size='1048576'/>
    </cpu>
    <power_management/>
    <iommu support='no'/>
    <topology>
`)
	fmt.Fprintf(&b, "      <cells num='%d'>\n", len(cells))
	cpuID := 0
	for i, cell := range cells {
		first := uint64(4)
		if i == 1 {
			first = 8
		}
		fmt.Fprintf(&b, "        <cell id='%d'>\n", i)
		fmt.Fprintf(&b, "          <memory unit='KiB'>%d</memory>\n", cell.mem)
		fmt.Fprintf(&b, "          <pages unit='KiB' size='%d'>%d</pages>\n", first, cell.mem/first)
		b.WriteString("          <pages unit='KiB' size='2048'>0</pages>\n")
		b.WriteString("          <pages unit='KiB' size='1048576'>0</pages>\n")
		fmt.Fprintf(&b, "          <cpus num='%d'>\n", cell.cpus)
		for j := 0; j < cell.cpus; j++ {
			fmt.Fprintf(&b, "            <cpu id='%d' socket_id='%d' die_id='0' core_id='%d' siblings='%d'/>\n", cpuID, i, j, cpuID)
			cpuID++
		}
		b.WriteString("          </cpus>\n        </cell>\n")
	}
	b.WriteString(`      </cells>
    </topology>
    <secmodel>
      <model>testSecurity</model>
      <doi></doi>
    </secmodel>
  </host>

`)
	for _, osType := range []string{"hvm", "xen"} {
		fmt.Fprintf(&b, `  <guest>
    <os_type>%s</os_type>
    <arch name='i686'>
      <wordsize>32</wordsize>
      <emulator>/usr/bin/test-hv</emulator>
      <domain type='test'/>
    </arch>
    <features>
      <pae/>
      <nonpae/>
    </features>
  </guest>

`, osType)
	}
	b.WriteString("</capabilities>\n")
	return b.String()
}

// cpuArchs are the architecture names libvirt knows (virArch), besides
// "none", which it does not accept here.
var cpuArchs = strings.Fields("alpha armv6l armv7l armv7b aarch64 cris i686 ia64 lm32 m68k microblaze microblazeel " +
	"mips mipsel mips64 mips64el openrisc parisc parisc64 ppc ppcle ppc64 ppc64le ppcemb riscv32 riscv64 " +
	"s390 s390x sh4 sh4eb sparc sparc64 unicore32 x86_64 xtensa xtensaeb")

// cpuModels are the CPU models of libvirt 9.0's CPU map by CPU driver;
// the ARM and s390 drivers accept any model and list none.
var (
	x86CPUModels = strings.Fields("486 pentium pentium2 pentium3 pentiumpro coreduo n270 core2duo qemu32 kvm32 " +
		"cpu64-rhel5 cpu64-rhel6 qemu64 kvm64 Conroe Penryn Nehalem Nehalem-IBRS Westmere Westmere-IBRS " +
		"SandyBridge SandyBridge-IBRS IvyBridge IvyBridge-IBRS Haswell-noTSX Haswell-noTSX-IBRS Haswell " +
		"Haswell-IBRS Broadwell-noTSX Broadwell-noTSX-IBRS Broadwell Broadwell-IBRS Skylake-Client " +
		"Skylake-Client-IBRS Skylake-Client-noTSX-IBRS Skylake-Server Skylake-Server-IBRS " +
		"Skylake-Server-noTSX-IBRS Cascadelake-Server Cascadelake-Server-noTSX Icelake-Client " +
		"Icelake-Client-noTSX Icelake-Server Icelake-Server-noTSX Cooperlake Snowridge athlon phenom " +
		"Opteron_G1 Opteron_G2 Opteron_G3 Opteron_G4 Opteron_G5 EPYC EPYC-IBPB EPYC-Rome EPYC-Milan Dhyana")
	ppc64CPUModels = strings.Fields("POWER6 POWER7 POWER8 POWER9 POWER10 POWERPC_e5500 POWERPC_e6500")
)

// ConnectGetCPUModelNames lists the models of the architecture's CPU
// driver (virCPUGetModels).
func (c *conn) ConnectGetCPUModelNames(ctx context.Context, arch string, needResults int32, flags uint32) (driver.ConnectGetCPUModelNamesRet, error) {
	if err := unsupportedFlags(flags, 0, "testConnectGetCPUModelNames"); err != nil {
		return driver.ConnectGetCPUModelNamesRet{}, err
	}
	known := false
	for _, a := range cpuArchs {
		known = known || a == arch
	}
	if !known {
		return driver.ConnectGetCPUModelNamesRet{}, testErr(virterr.InvalidArg, "cannot find architecture %s", arch)
	}
	var models []string
	switch arch {
	case "i686", "x86_64":
		models = x86CPUModels
	case "ppc64", "ppc64le":
		models = ppc64CPUModels
	case "armv6l", "armv7l", "armv7b", "aarch64", "s390", "s390x":
	default:
		return driver.ConnectGetCPUModelNamesRet{}, virterr.NewFrom(virterr.FromCPU, virterr.NoSupport, "'%s' architecture is not supported by CPU driver", arch)
	}
	ret := driver.ConnectGetCPUModelNamesRet{Ret: int32(len(models))}
	if needResults != 0 {
		ret.Models = append([]string(nil), models...)
	}
	return ret, nil
}
