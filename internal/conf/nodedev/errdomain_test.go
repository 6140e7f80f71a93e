package nodedev

import (
	"testing"

	"github.com/govirt/govirt/virt/virterr"
	"github.com/govirt/govirt/virt/virterr/virterrtest"
)

// libvirtNodeDeviceErrors are definitions libvirt 9.0 refuses, with the code, error domain
// and message python3-libvirt reported for them (get_error_code,
// get_error_domain, get_error_message) from virNodeDeviceCreateXML on test:///default.
var libvirtNodeDeviceErrors = []struct {
	name, xml string
	code      virterr.Code
	from      virterr.Domain
	msg       string
}{
	{"cap type", "<device><name>new</name><parent>scsi_host1</parent><capability type='bogus'/></device>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'type' in element 'capability': 'bogus'."},
	{"no cap", "<device><name>new</name><parent>scsi_host1</parent></device>", virterr.InternalError, virterr.FromNodedev, "internal error: no device capabilities for 'new device'"},
	{"cap notype", "<device><name>new</name><parent>scsi_host1</parent><capability/></device>", virterr.XMLError, virterr.FromXML, "XML error: Missing required attribute 'type' in element 'capability'"},
	{"subcap type", "<device><name>new</name><parent>scsi_host1</parent><capability type='scsi_host'><capability type='bogus'/></capability></device>", virterr.InternalError, virterr.FromNodedev, "internal error: unknown SCSI host capability type 'bogus' for 'new device'"},
	{"pci domain", "<device><name>new</name><parent>scsi_host1</parent><capability type='pci'><domain>x</domain><bus>0</bus><slot>0</slot><function>0</function><product id='0x1'/><vendor id='0x1'/></capability></device>", virterr.InternalError, virterr.FromNodedev, "internal error: invalid PCI domain ID supplied for 'new device'"},
	{"pci class", "<device><name>new</name><parent>scsi_host1</parent><capability type='pci'><class>x</class><domain>0</domain><bus>0</bus><slot>0</slot><function>0</function><product id='0x1'/><vendor id='0x1'/></capability></device>", virterr.InternalError, virterr.FromNodedev, "internal error: invalid PCI class supplied for 'new device'"},
	{"usb bus", "<device><name>new</name><parent>scsi_host1</parent><capability type='usb_device'><bus>x</bus><device>1</device><product id='0x1'/><vendor id='0x1'/></capability></device>", virterr.InternalError, virterr.FromNodedev, "internal error: invalid USB bus number supplied for 'new device'"},
	{"net link speed", "<device><name>new</name><parent>scsi_host1</parent><capability type='net'><interface>eth0</interface><link speed='x'/></capability></device>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'speed' in element 'link': 'x'. Expected non-negative integer value"},
	{"net link state", "<device><name>new</name><parent>scsi_host1</parent><capability type='net'><interface>eth0</interface><link state='bogus'/></capability></device>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'state' in element 'link': 'bogus'."},
	{"net feature", "<device><name>new</name><parent>scsi_host1</parent><capability type='net'><interface>eth0</interface><feature name='bogus'/></capability></device>", virterr.XMLError, virterr.FromNodedev, "XML error: unknown network device feature 'bogus'"},
	{"storage size", "<device><name>new</name><parent>scsi_host1</parent><capability type='storage'><block>/dev/sda</block><size>x</size></capability></device>", virterr.InternalError, virterr.FromNodedev, "internal error: invalid size supplied for 'new device'"},
	{"mdev iommu", "<device><name>new</name><parent>scsi_host1</parent><capability type='mdev'><type id='x'/><iommuGroup number='x'/></capability></device>", virterr.InternalError, virterr.FromNodedev, "internal error: invalid iommuGroup number attribute for 'new device'"},
	{"ccw cssid", "<device><name>new</name><parent>scsi_host1</parent><capability type='ccw'><cssid>x</cssid><ssid>0</ssid><devno>0</devno></capability></device>", virterr.ConfigUnsupported, virterr.FromNodedev, "unsupported configuration: invalid cssid value 'x' for 'new device'"},
	{"pci iommu", "<device><name>new</name><parent>scsi_host1</parent><capability type='pci'><domain>0</domain><bus>0</bus><slot>0</slot><function>0</function><product id='0x1'/><vendor id='0x1'/><iommuGroup number='x'/></capability></device>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'number' in element 'iommuGroup': 'x'. Expected non-negative integer value"},
	{"scsi bus", "<device><name>new</name><parent>scsi_host1</parent><capability type='scsi'><host>x</host><bus>0</bus><target>0</target><lun>0</lun><type>disk</type></capability></device>", virterr.InternalError, virterr.FromNodedev, "internal error: invalid SCSI host ID supplied for 'new device'"},
	{"pci vendor id", "<device><name>new</name><parent>scsi_host1</parent><capability type='pci'><domain>0</domain><bus>0</bus><slot>0</slot><function>0</function><product id='x'/><vendor id='0x1'/></capability></device>", virterr.InternalError, virterr.FromNodedev, "internal error: invalid PCI product ID supplied for 'new device'"},
	{"drm type", "<device><name>new</name><parent>scsi_host1</parent><capability type='drm'><type>bogus</type></capability></device>", virterr.ConfigUnsupported, virterr.FromNodedev, "unsupported configuration: unknown drm type 'bogus' for 'new device'"},
	{"malformed", "<device>", virterr.XMLDetail, virterr.FromNodedev, "(node_device_definition):1: Premature end of data in tag device line 1\n<device>\n--------^"},
	{"net link empty speed", "<device><name>new</name><parent>scsi_host1</parent><capability type='net'><interface>eth0</interface><link speed=''/></capability></device>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'speed' in element 'link': ''. Expected non-negative integer value"},
	{"pci numa", "<device><name>new</name><parent>scsi_host1</parent><capability type='pci'><domain>0</domain><bus>0</bus><slot>0</slot><function>0</function><product id='0x1'/><vendor id='0x1'/><numa node='x'/></capability></device>", virterr.InternalError, virterr.FromNodedev, "internal error: invalid NUMA node ID supplied for 'new device'"},
	{"pci addr iommu", "<device><name>new</name><parent>scsi_host1</parent><capability type='pci'><domain>0</domain><bus>0</bus><slot>0</slot><function>0</function><product id='0x1'/><vendor id='0x1'/><iommuGroup number='1'><address domain='x' bus='0' slot='0' function='0'/></iommuGroup></capability></device>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'domain' in element 'address': 'x'. Expected non-negative integer value"},
	{"pci virt_functions maxCount", "<device><name>new</name><parent>scsi_host1</parent><capability type='pci'><domain>0</domain><bus>0</bus><slot>0</slot><function>0</function><product id='0x1'/><vendor id='0x1'/><capability type='virt_functions' maxCount='x'/></capability></device>", virterr.XMLError, virterr.FromNodedev, "XML error: Malformed 'maxCount' parameter"},
	{"pci phys addr", "<device><name>new</name><parent>scsi_host1</parent><capability type='pci'><domain>0</domain><bus>0</bus><slot>0</slot><function>0</function><product id='0x1'/><vendor id='0x1'/><capability type='phys_function'><address domain='0' bus='x' slot='0' function='0'/></capability></capability></device>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'bus' in element 'address': 'x'. Expected non-negative integer value"},
	{"pci link speed", "<device><name>new</name><parent>scsi_host1</parent><capability type='pci'><domain>0</domain><bus>0</bus><slot>0</slot><function>0</function><product id='0x1'/><vendor id='0x1'/><pci-express><link validity='cap' port='x' speed='2.5' width='1'/></pci-express></capability></device>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'port' in element 'link': 'x'. Expected integer value"},
	{"mdev uuid", "<device><name>new</name><parent>scsi_host1</parent><capability type='mdev'><type id='x'/><uuid>bad</uuid></capability></device>", virterr.InternalError, virterr.FromNodedev, "internal error: Invalid uuid 'bad' for new mdev device"},
	{"mdev no type", "<device><name>new</name><parent>scsi_host1</parent><capability type='mdev'/></device>", virterr.ConfigUnsupported, virterr.FromNodedev, "unsupported configuration: missing type id attribute for 'new device'"},
	{"scsi_target", "<device><name>new</name><parent>scsi_host1</parent><capability type='scsi_target'><target>t</target><capability type='bogus'/></capability></device>", virterr.InternalError, virterr.FromNodedev, "internal error: unknown SCSI target capability type 'bogus' for 'new device'"},
	{"storage cap", "<device><name>new</name><parent>scsi_host1</parent><capability type='storage'><block>/dev/sda</block><capability type='bogus'/></capability></device>", virterr.InternalError, virterr.FromNodedev, "internal error: unknown storage capability type 'bogus' for 'new device'"},
	{"vdpa", "<device><name>new</name><parent>scsi_host1</parent><capability type='vdpa'/></device>", virterr.InternalError, virterr.FromNodedev, "internal error: unknown capability type '17' for 'new device'"},
	{"usb iface", "<device><name>new</name><parent>scsi_host1</parent><capability type='usb'><number>x</number><class>0</class><subclass>0</subclass><protocol>0</protocol></capability></device>", virterr.InternalError, virterr.FromNodedev, "internal error: invalid USB interface number supplied for 'new device'"},
	{"system", "<device><name>new</name><parent>scsi_host1</parent><capability type='system'><hardware><uuid>bad</uuid></hardware></capability></device>", virterr.InternalError, virterr.FromNodedev, "internal error: malformed uuid element for 'new device'"},
	{"fc parent_wwnn", "<device><name>new</name><parent wwnn='x'/><capability type='scsi_host'><capability type='fc_host'/></capability></device>", virterr.XMLError, virterr.FromNodedev, "XML error: when providing parent wwnn='x', the wwpn must also be provided"},
	{"devnode type", "<device><name>new</name><parent>scsi_host1</parent><devnode type='bogus'>/dev/x</devnode><capability type='scsi_host'><capability type='fc_host'/></capability></device>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'type' in element 'devnode': 'bogus'."},
	{"devnode notype", "<device><name>new</name><parent>scsi_host1</parent><devnode>/dev/x</devnode><capability type='scsi_host'><capability type='fc_host'/></capability></device>", virterr.XMLError, virterr.FromXML, "XML error: Missing required attribute 'type' in element 'devnode'"},
}

func TestParseErrorsAsLibvirt(t *testing.T) {
	for _, tc := range libvirtNodeDeviceErrors {
		def, err := ParseMode([]byte(tc.xml), Create)
		if err == nil {
			err = def.Validate()
		}
		virterrtest.Check(t, tc.name, err, tc.code, tc.from, tc.msg)
	}
}
