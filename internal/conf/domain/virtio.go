package domain

import (
	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
)

// VirtioOptions are the virtio transport settings a device's <driver>
// carries (virDomainVirtioOptions): each "on", "off" or "" when absent.
// Values outside on/off are kept for Validate to refuse.
type VirtioOptions struct {
	IOMMU     string
	ATS       string
	Packed    string
	PagePerVQ string
}

// parseVirtioOptions is virDomainVirtioOptionsParseXML; driver may be nil.
func parseVirtioOptions(driver *xmltree.Node) VirtioOptions {
	if driver == nil {
		return VirtioOptions{}
	}
	return VirtioOptions{
		IOMMU:     driver.Prop("iommu"),
		ATS:       driver.Prop("ats"),
		Packed:    driver.Prop("packed"),
		PagePerVQ: driver.Prop("page_per_vq"),
	}
}

// format writes the options as <driver> attributes
// (virDomainVirtioOptionsFormat).
func (v VirtioOptions) format(b *xmlbuf.Buffer) {
	b.AttrIf("iommu", v.IOMMU)
	b.AttrIf("ats", v.ATS)
	b.AttrIf("packed", v.Packed)
	b.AttrIf("page_per_vq", v.PagePerVQ)
}

func (v VirtioOptions) isSet() bool { return v != VirtioOptions{} }

// validate refuses values libvirt's parser does not read.
func (v VirtioOptions) validate() error {
	for _, a := range []struct{ name, value string }{{"iommu", v.IOMMU}, {"ats", v.ATS}, {"packed", v.Packed}, {"page_per_vq", v.PagePerVQ}} {
		if err := checkEnum("driver", a.name, a.value, tristateSwitch...); err != nil {
			return err
		}
	}
	return nil
}
