package nodedev

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"

	"github.com/govirt/govirt/virt/virterr"
)

// wwnOUIs are the IEEE OUIs libvirt's virRandomGenerateWWN puts in the
// names it generates, by hypervisor.
var wwnOUIs = map[string]string{
	"QEMU":     "001a4a",
	"nodedev":  "001a4a", // the split node device daemon picks QEMU's
	"Xen":      "00163e",
	"xenlight": "00163e",
	"ESX":      "000569",
	"VMWARE":   "000569",
	"HYPER-V":  "0050f2",
	"TEST":     "100000",
}

// GenerateWWN returns a random NAA type 5 World Wide Name with the OUI of
// virtType, as libvirt generates names for a new vHBA.
func GenerateWWN(virtType string) (string, error) {
	if virtType == "" {
		return "", nodedevErr(virterr.InvalidArg, "argument virt_type must not be NULL")
	}
	oui, ok := wwnOUIs[virtType]
	if !ok {
		return "", nodedevErr(virterr.InternalError, "Unsupported virt type")
	}
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", virterr.Wrap(virterr.InternalError, err, "reading random bytes")
	}
	return fmt.Sprintf("5%s%09x", oui, binary.BigEndian.Uint64(b[:])&(1<<36-1)), nil
}

// Defaults fills in what libvirt generates for a device to create: the
// World Wide Names a vHBA's fc_host capability leaves out. virtType is
// the hypervisor the names are generated for ("QEMU", …).
func (def *Def) Defaults(virtType string) error {
	for _, c := range def.Caps {
		h, ok := c.(*SCSIHostCap)
		if !ok || !h.FCHost {
			continue
		}
		var err error
		if h.WWNN == "" {
			if h.WWNN, err = GenerateWWN(virtType); err != nil {
				return nodedevErr(virterr.InternalError, "no WWNN supplied for '%s', and auto-generation failed", def.Name)
			}
		}
		if h.WWPN == "" {
			if h.WWPN, err = GenerateWWN(virtType); err != nil {
				return nodedevErr(virterr.InternalError, "no WWPN supplied for '%s', and auto-generation failed", def.Name)
			}
		}
	}
	return nil
}
