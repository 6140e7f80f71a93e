package domain

import (
	"github.com/govirt/govirt/internal/conf/xmltree"
)

func init() {
	kindParse["memballoon"] = parseMemballoonStats
	addSpecs(map[string]elemSpec{
		"memballoon":        {attrs: []string{"model", "autodeflate", "freePageReporting"}, children: []string{"stats", infoPosition, "driver"}},
		"memballoon/stats":  {attrs: []string{"period"}},
		"memballoon/driver": {attrs: []string{"iommu", "ats", "packed", "page_per_vq"}},
	})
}

// parseMemballoonStats reads <stats period> as virXMLPropInt does; a
// period of zero or below means no statistics, and libvirt drops the
// element (negative periods were historically taken as 0).
func parseMemballoonStats(dev *Device, n *xmltree.Node, flags ParseFlags) error {
	stats := dev.Child("stats")
	if stats == nil {
		return nil
	}
	period, present, err := propIntC(stats, "period", 10)
	if err != nil {
		return err
	}
	if present && period > 0 {
		return nil
	}
	kept := dev.children[:0:0]
	for _, c := range dev.children {
		if c != stats {
			kept = append(kept, c)
		}
	}
	dev.children = kept
	return nil
}
