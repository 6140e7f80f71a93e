// Package netdev holds the pieces of network-device configuration that
// libvirt shares between domain <interface>, <network>, <portgroup> and
// <networkport>: <bandwidth> (netdev_bandwidth_conf.c), <vlan>
// (netdev_vlan_conf.c), <virtualport> (netdev_vport_profile_conf.c) and
// the yes/no tristate used by <port isolated>.
//
// Each element has a Parse function that checks syntax as libvirt's parser
// does, a Format method writing libvirt's canonical XML into an
// xmlbuf.Buffer, and, where libvirt checks meaning rather than syntax, a
// Validate method.
package netdev
