package domain

func init() {
	addSpecs(map[string]elemSpec{
		"memballoon":        {attrs: []string{"model", "autodeflate", "freePageReporting"}, children: []string{"stats", infoPosition, "driver"}},
		"memballoon/stats":  {attrs: []string{"period"}},
		"memballoon/driver": {attrs: []string{"iommu", "ats", "packed", "page_per_vq"}},
	})
}
