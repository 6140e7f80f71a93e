package command

import "strings"

func init() { RegisterDomainValidator("pseries-features", validatePSeriesFeatures) }

// validatePSeriesFeatures is qemuValidateDomainDefFeatures for the
// features only pSeries guests have, in libvirt's feature order.
func validatePSeriesFeatures(b *Builder) error {
	f := b.Def.Features
	if f == nil || b.Def.OS == nil {
		return nil
	}
	arch := b.arch()
	if (arch == "ppc64" || arch == "ppc64le") && strings.HasPrefix(b.Def.OS.Machine, "pseries") {
		return nil
	}
	for _, c := range []struct {
		name string
		set  bool
	}{
		{"hpt", f.HPT != nil},
		{"htm", f.HTM != ""},
		{"nested-hv", f.NestedHV != ""},
		{"ccf-assist", f.CCFAssist != ""},
		{"cfpc", f.CFPC != ""},
		{"sbbc", f.SBBC != ""},
		{"ibs", f.IBS != ""},
	} {
		if c.set {
			return Unsupported("The '%s' feature is not supported for architecture '%s' or machine type '%s'", c.name, arch, b.Def.OS.Machine)
		}
	}
	return nil
}
