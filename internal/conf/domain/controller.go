package domain

import (
	"strconv"
	"strings"

	"github.com/govirt/govirt/virt/virterr"

	"github.com/govirt/govirt/internal/conf/xmltree"
)

func init() {
	addSpecs(map[string]elemSpec{
		"controller": {
			attrs:    []string{"type", "index", "model", "ports", "vectors", "maxGrantFrames", "maxEventChannels"},
			children: []string{"model", "target", "pcihole64", "driver"},
		},
		"controller/target": {attrs: []string{"chassisNr", "chassis", "port", "busNr", "index", "hotplug", "memReserve"}},
		"controller/driver": {attrs: []string{"queues", "cmd_per_lun", "max_sectors", "ioeventfd", "iothread", "iommu", "ats", "packed", "page_per_vq"}},
	})
	kindParse["controller"] = parseControllerDefaults
}

func parseControllerDefaults(dev *Device, n *xmltree.Node, flags ParseFlags) error {
	if dev.Attr("type") == "" {
		// libvirt's default controller type
		dev.SetAttr("type", "ide")
	}
	if s, ok := dev.attrs.get("index"); ok {
		idx, err := parseControllerIndex(s)
		if err != nil {
			return err
		}
		dev.attrs.set("index", strconv.FormatInt(idx, 10))
	}
	if dev.Attr("type") == "usb" && dev.Info.MasterStartPort == "" {
		// the UHCI companions of an ICH9 EHCI sit on its ports 0, 2
		// and 4 (virDomainControllerDefParseXML)
		switch dev.Attr("model") {
		case "ich9-uhci1":
			dev.Info.MasterStartPort = "0"
		case "ich9-uhci2":
			dev.Info.MasterStartPort = "2"
		case "ich9-uhci3":
			dev.Info.MasterStartPort = "4"
		}
	}
	if ph := dev.Child("pcihole64"); ph != nil {
		// kept in KiB, as libvirt prints it
		v, err := scaledBytes(ph, 1024)
		if err != nil {
			return err
		}
		dev.setChild(&xmltree.Node{Name: "pcihole64", Attrs: []xmltree.Attr{{Name: "unit", Value: "KiB"}},
			Text: strconv.FormatUint(v/1024, 10), Segments: []string{strconv.FormatUint(v/1024, 10)}})
	}
	return nil
}

// parseControllerIndex reads <controller index> as virXMLPropInt with
// VIR_XML_PROP_NONNEGATIVE does: a base-10 int.
func parseControllerIndex(s string) (int64, error) {
	t := strings.TrimLeft(s, " \t\n\v\f\r")
	v, err := strconv.ParseInt(t, 10, 32)
	if err != nil {
		return 0, virterr.New(virterr.XMLError, "Invalid value for attribute 'index' in element 'controller': '%s'. Expected integer value", s)
	}
	return v, nil
}

// validateControllerIndexes refuses negative indexes, which the parser
// keeps so that saved configs still load.
func (d *Devices) validateControllerIndexes() error {
	for _, c := range d.ByKind["controller"] {
		if s, ok := c.attrs.get("index"); ok {
			if v, err := parseControllerIndex(s); err == nil && v < 0 {
				return virterr.New(virterr.XMLError, "Invalid value for attribute 'index' in element 'controller': '%s'. Expected non-negative value", s)
			}
		}
	}
	return nil
}

// controllerIndex is <controller index>, -1 when absent or unreadable.
func controllerIndex(c *Device) int {
	s, ok := c.attrs.get("index")
	if !ok {
		return -1
	}
	v, err := parseUintC(s, 31)
	if err != nil {
		return -1
	}
	return int(v)
}

// insertController adds a controller where libvirt's
// virDomainControllerInsert puts it: grouped with its type, by index.
func insertController(list []*Device, c *Device) []*Device {
	insertAt := -1
	idx := controllerIndex(c)
	for i := len(list) - 1; i >= 0; i-- {
		cur := list[i]
		if cur.Attr("type") != c.Attr("type") {
			continue
		}
		if idx == -1 {
			insertAt = i + 1
			break
		}
		if controllerIndex(cur) > idx {
			insertAt = i
		} else if c.Info.MasterStartPort == "" && cur.Info.MasterStartPort != "" && controllerIndex(cur) == idx {
			// a USB master goes before its companions
			insertAt = i
		} else if insertAt == -1 {
			insertAt = i + 1
		}
	}
	if insertAt == -1 {
		return append(list, c)
	}
	list = append(list, nil)
	copy(list[insertAt+1:], list[insertAt:])
	list[insertAt] = c
	return list
}

// hasController reports whether a controller of type and index exists.
func (d *Devices) hasController(typ string, idx int) bool {
	for _, c := range d.ByKind["controller"] {
		if c.Attr("type") == typ && controllerIndex(c) == idx {
			return true
		}
	}
	return false
}

// maybeAddController adds an implicit controller as libvirt's
// virDomainDefMaybeAddController does.
func (d *Devices) maybeAddController(typ string, idx int, model string) {
	if d.hasController(typ, idx) {
		return
	}
	c := &Device{Kind: "controller"}
	c.SetAttr("type", typ)
	c.SetAttr("index", strconv.Itoa(idx))
	if model != "" {
		c.SetAttr("model", model)
	}
	// virDomainDefAddController appends; only parsing sorts
	d.ByKind["controller"] = append(d.ByKind["controller"], c)
}

// assignControllerIndexes gives controllers without an index the lowest
// unused index of their type (virDomainControllerFindUnusedIndex).
func (d *Devices) assignControllerIndexes() {
	for _, c := range d.ByKind["controller"] {
		if _, ok := c.attrs.get("index"); ok {
			continue
		}
		idx := 0
		for d.hasController(c.Attr("type"), idx) {
			idx++
		}
		c.setIndexFirst(idx)
	}
}

// setIndexFirst sets index right after type, where libvirt prints it.
func (c *Device) setIndexFirst(idx int) {
	c.attrs.set("index", strconv.Itoa(idx))
}
