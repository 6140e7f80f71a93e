// Package domaindefaults applies the QEMU driver's post-parse defaults to
// a domain definition (libvirt's qemuDomainDefPostParse and
// qemuDomainDeviceDefPostParse, qemu_domain.c): the emulator, the machine
// type, the default CPU model, implicit controllers and devices, and,
// through the address assigners registered by the address files, device
// addresses.
package domaindefaults

import (
	"strings"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/conf/uuid"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/internal/drivers/qemu/caps"
)

// Options select the environment the defaults are computed for.
type Options struct {
	Caps *caps.Caps
	// HostArch is the host's architecture; "" means x86_64.
	HostArch string
	// KeepMachineAliases leaves machine aliases ("pc", "q35") as written
	// instead of resolving them to the versioned machine type. libvirt's
	// test suites run with the aliases stripped from the capabilities,
	// which has the same effect.
	KeepMachineAliases bool
	// Flags are the parse flags; domain.ParseABIUpdate marks a new
	// definition (define, create) whose guest ABI may still change.
	Flags domain.ParseFlags
	// NewUUID, when set, generates the UUIDs libvirt generates at parse
	// time (an empty <genid/>); libvirt's tests mock the random source
	// the same way.
	NewUUID func() uuid.UUID
	// Audio decides the audio backend of guests that name none.
	Audio AudioEnv

	// parsedControllers is how many controllers the document listed;
	// addedControllers counts those the QEMU defaults added after them.
	parsedControllers, addedControllers int
}

// TreeDefault changes the parsed document before the domain is built
// from it: how implicit devices are added while the domain package
// offers no device constructors.
type TreeDefault func(root *xmltree.Node, o *Options) error

// DefDefault changes the built definition after libvirt's generic
// post-parse.
type DefDefault func(def *domain.Def, o *Options) error

var (
	treeDefaults []TreeDefault
	defDefaults  []DefDefault
	assigners    []DefDefault
)

// RegisterTreeDefault adds a document-level default, run in registration
// order before the domain is parsed.
func RegisterTreeDefault(fn TreeDefault) { treeDefaults = append(treeDefaults, fn) }

// RegisterDefDefault adds a definition-level default, run after generic
// post-parse and before address assignment.
func RegisterDefDefault(fn DefDefault) { defDefaults = append(defDefaults, fn) }

// RegisterAddressAssigner adds an address assignment pass
// (qemuDomainAssignAddresses), run last.
func RegisterAddressAssigner(fn DefDefault) { assigners = append(assigners, fn) }

// Parse reads domain XML for the QEMU driver and applies its defaults.
func Parse(data []byte, o Options) (*domain.Def, error) {
	root, err := xmltree.ParseRoot(data, "(domain_definition)", "domain")
	if err != nil {
		return nil, err
	}
	return ParseNode(root, o)
}

// ParseNode is Parse on an already read document; root is modified.
func ParseNode(root *xmltree.Node, o Options) (*domain.Def, error) {
	if o.HostArch == "" {
		o.HostArch = "x86_64"
	}
	for _, fn := range treeDefaults {
		if err := fn(root, &o); err != nil {
			return nil, err
		}
	}
	def, err := domain.ParseNode(root, o.Flags)
	if err != nil {
		return nil, err
	}
	if def.Devices != nil {
		o.parsedControllers = len(def.Devices.Controllers())
	}
	if err := def.PostParse(domain.PostParseOptions{
		DefaultArch: func(osType, virtType string) string {
			return defaultArch(o.HostArch, osType, virtType)
		},
		ABIUpdate: o.abiUpdate(),
	}); err != nil {
		return nil, err
	}
	for _, fn := range defDefaults {
		if err := fn(def, &o); err != nil {
			return nil, err
		}
	}
	for _, fn := range assigners {
		if err := fn(def, &o); err != nil {
			return nil, err
		}
	}
	return def, nil
}

// abiUpdate tells whether the definition is new
// (VIR_DOMAIN_DEF_PARSE_ABI_UPDATE).
func (o *Options) abiUpdate() bool { return o.Flags&domain.ParseABIUpdate != 0 }

// defaultArch is the guest architecture when <os><type> names none: the
// host's, as virCapabilitiesDomainDataLookup picks for QEMU.
func defaultArch(hostArch, osType, virtType string) string {
	if osType != "" && osType != "hvm" {
		return ""
	}
	return hostArch
}

func init() { RegisterTreeDefault(generateGenID) }

// generateGenID fills an empty <genid/> from Options.NewUUID.
func generateGenID(root *xmltree.Node, o *Options) error {
	if o.NewUUID == nil {
		return nil
	}
	g := root.Child("genid")
	if g == nil || strings.TrimSpace(g.Text) != "" {
		return nil
	}
	g.Text = o.NewUUID().String()
	g.Segments = []string{g.Text}
	return nil
}
