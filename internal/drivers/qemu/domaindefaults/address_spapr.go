package domaindefaults

import "github.com/govirt/govirt/internal/conf/domain"

// Default spapr-vio register addresses (VIO_ADDR_*).
const (
	vioAddrNet    = 0x1000
	vioAddrSCSI   = 0x2000
	vioAddrNVRAM  = 0x3000
	vioAddrTPM    = 0x4000
	vioAddrSerial = 0x30000000
)

// assignSpaprVIOAddresses is qemuDomainAssignSpaprVIOAddresses: the
// devices that sit on the sPAPR VIO bus (spapr-vlan NICs, ibmvscsi
// controllers, pSeries serials, NVRAM and TPMs) get a register address,
// the kind's default or the next free one after it.
func assignSpaprVIOAddresses(def *domain.Def) {
	toVIO := func(info *domain.DeviceInfo) {
		if info.Address == nil || info.Address.Type == "" {
			info.Address = &domain.Address{Type: "spapr-vio"}
		}
	}
	for _, r := range devicesOf(def, "interface") {
		if netModel(r) == "spapr-vlan" {
			toVIO(r.info())
		}
		assignSpaprVIOAddress(def, r.info(), vioAddrNet)
	}
	for _, r := range devicesOf(def, "controller") {
		if r.attr("type") == "scsi" && r.attr("model") == "ibmvscsi" {
			toVIO(r.info())
		}
		assignSpaprVIOAddress(def, r.info(), vioAddrSCSI)
	}
	for _, r := range devicesOf(def, "serial") {
		if isPSeries(def) && chrTargetType(r) == "spapr-vio-serial" {
			toVIO(r.info())
		}
		assignSpaprVIOAddress(def, r.info(), vioAddrSerial)
	}
	for _, r := range devicesOf(def, "nvram") {
		if isPSeries(def) {
			toVIO(r.info())
		}
		assignSpaprVIOAddress(def, r.info(), vioAddrNVRAM)
	}
	for _, r := range devicesOf(def, "tpm") {
		if r.attr("model") == "tpm-spapr" {
			toVIO(r.info())
		}
		assignSpaprVIOAddress(def, r.info(), vioAddrTPM)
	}
}

// assignSpaprVIOAddress is qemuDomainAssignSpaprVIOAddress.
func assignSpaprVIOAddress(def *domain.Def, info *domain.DeviceInfo, reg uint64) {
	a := info.Address
	if a == nil || a.Type != "spapr-vio" || a.Reg != nil {
		return
	}
	for spaprVIORegTaken(def, info, reg) {
		reg++
	}
	a.Reg = &reg
}

func spaprVIORegTaken(def *domain.Def, self *domain.DeviceInfo, reg uint64) bool {
	for _, r := range allDevices(def) {
		info := r.info()
		if info == self || info.Address == nil || info.Address.Type != "spapr-vio" || info.Address.Reg == nil {
			continue
		}
		if *info.Address.Reg == reg {
			return true
		}
	}
	return false
}
