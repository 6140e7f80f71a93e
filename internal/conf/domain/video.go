package domain

import "github.com/govirt/govirt/internal/conf/xmltree"

func init() {
	addSpecs(map[string]elemSpec{
		"video":                    {children: []string{"driver", "model"}},
		"video/driver":             {attrs: []string{"name", "vgaconf", "iommu", "ats", "packed", "page_per_vq"}},
		"video/model":              {attrs: []string{"type", "ram", "vram", "vram64", "vgamem", "heads", "primary", "blob"}, children: []string{"acceleration", "resolution"}},
		"video/model/acceleration": {attrs: []string{"accel3d", "accel2d", "rendernode"}},
		"video/model/resolution":   {attrs: []string{"x", "y"}},
	})
}

// setPrimaryVideo marks the first video primary unless one already is,
// as libvirt's parser does.
func (d *Devices) setPrimaryVideo() {
	videos := d.ByKind["video"]
	if len(videos) == 0 {
		return
	}
	for _, v := range videos {
		if m := v.Child("model"); m != nil && m.Prop("primary") == "yes" {
			return
		}
	}
	v := videos[0]
	m := v.Child("model")
	if m == nil {
		m = newNode("model", "type", "default")
	}
	v.setChild(withAttrDefault(m, "primary", "yes", false))
}

// videoDefaultVRAM is libvirt's virDomainVideoDefaultRAM, KiB.
var videoDefaultVRAM = map[string]string{
	"vga": "16384", "cirrus": "16384", "vmvga": "4096", "xen": "4096", "qxl": "65536",
}

// videoDefaults fills a video model's default memory and head count.
func (d *Devices) videoDefaults() {
	for _, v := range d.ByKind["video"] {
		m := v.Child("model")
		if m == nil {
			continue
		}
		typ := m.Prop("type")
		if vram, ok := videoDefaultVRAM[typ]; ok {
			if cur, has := m.Attr("vram"); !has || cur == "0" {
				m = withAttrDefault(m, "vram", vram, false)
			}
		}
		if typ == "qxl" {
			m = withAttrDefault(m, "ram", "65536", false)
		}
		if typ != "none" && typ != "" {
			m = withAttrDefault(m, "heads", "1", false)
		}
		v.setChild(m)
	}
}

// addImplicitVideo gives a guest with graphics but no video the default
// video libvirt adds.
func (d *Devices) addImplicitVideo() {
	if len(d.ByKind["graphics"]) == 0 || len(d.ByKind["video"]) > 0 {
		return
	}
	v := &Device{Kind: "video"}
	v.children = []*xmltree.Node{newNode("model", "type", "default", "heads", "1")}
	d.ByKind["video"] = []*Device{v}
}
