package conformance

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/govirt/govirt/internal/conf/network"
)

// networkExpect is what libvirt's tests/networkxml2xmltest.c expects of a
// case.
type networkExpect int

const (
	networkSuccess networkExpect = iota
	networkFailParse
)

// networkXML2XMLCases is libvirt 9.0's networkxml2xmltest.c table: the
// format flags of each case and whether it must fail to parse. Inputs not
// listed here run as plain DO_TEST cases when an expected output exists
// and as parse-failure cases otherwise.
var networkXML2XMLCases = map[string]struct {
	flags  network.FormatFlags
	expect networkExpect
}{
	"routed-network-no-dns-extra-elements": {0, networkFailParse},
	"open-network-with-forward-dev":        {0, networkFailParse},
	"passthrough-pf":                       {network.FormatInactive, networkSuccess},
	"hostdev-pf":                           {network.FormatInactive, networkSuccess},
	"hostdev-pf-driver-model":              {network.FormatInactive, networkSuccess},
	"hostdev-duplicate":                    {0, networkFailParse},
	"passthrough-duplicate":                {0, networkFailParse},
}

func init() {
	register(Suite{Name: "networkxml2xmlin", Run: runNetworkXML2XML})
	register(Suite{Name: "networkxml2xmlupdatein", Run: runNetworkUpdate})
}

func parseNetwork(in []byte) (*network.Def, error) {
	def, err := network.Parse(in)
	if err != nil {
		return nil, err
	}
	// libvirt's parser rejects unknown enum values that govirt keeps
	// until validation.
	if err := def.CheckKnownValues(); err != nil {
		return nil, err
	}
	return def, nil
}

func runNetworkXML2XML(corpus string) ([]Result, error) {
	names, err := Inputs(corpus, "networkxml2xmlin", ".xml")
	if err != nil {
		return nil, err
	}
	var res []Result
	for _, n := range names {
		n := n
		base := strings.TrimSuffix(n, ".xml")
		res = append(res, Check(n, func() error {
			in, err := os.ReadFile(filepath.Join(corpus, "networkxml2xmlin", n))
			if err != nil {
				return err
			}
			want, outErr := os.ReadFile(filepath.Join(corpus, "networkxml2xmlout", n))
			tc, listed := networkXML2XMLCases[base]
			if !listed && outErr != nil {
				tc.expect = networkFailParse
			}
			def, err := parseNetwork(in)
			if tc.expect == networkFailParse {
				if err == nil {
					return errors.New("parsed, but libvirt rejects this network")
				}
				return nil
			}
			if err != nil {
				return err
			}
			if outErr != nil {
				return outErr
			}
			return Diff(string(want), def.Format(tc.flags))
		}))
	}
	return res, nil
}

// networkUpdateCase is one row of libvirt's
// tests/networkxml2xmlupdatetest.c.
type networkUpdateCase struct {
	name      string
	update    string // networkxml2xmlupdatein/<update>.xml
	net       string // networkxml2xmlin/<net>.xml
	out       string // networkxml2xmlupdateout/<out>.xml; "" expects failure
	command   network.UpdateCommand
	section   network.UpdateSection
	index     int // the index column; see runNetworkUpdate
	withIndex bool
}

// networkUpdateCases is libvirt 9.0's test table, in its order.
var networkUpdateCases = func() []networkUpdateCase {
	const (
		addFirst = network.UpdateAddFirst
		addLast  = network.UpdateAddLast
		modify   = network.UpdateModify
		del      = network.UpdateDelete
	)
	var cs []networkUpdateCase
	var section network.UpdateSection
	test := func(name, update, net, out string, cmd network.UpdateCommand) {
		cs = append(cs, networkUpdateCase{name, update, net, out, cmd, section, 0, false})
	}
	fail := func(name, update, net string, cmd network.UpdateCommand) { test(name, update, net, "", cmd) }
	testIndex := func(name, update, net, out string, cmd network.UpdateCommand, index int) {
		cs = append(cs, networkUpdateCase{name, update, net, out, cmd, section, index, true})
	}
	failIndex := func(name, update, net string, cmd network.UpdateCommand, index int) {
		testIndex(name, update, net, "", cmd, index)
	}

	section = network.SectionIPDHCPHost
	failIndex("add-host-incomplete", "host-incomplete", "nat-network", addLast, 0)
	failIndex("add-host-new-incomplete", "host-new-incomplete", "nat-network", addLast, 0)
	failIndex("add-host-existing", "host-existing", "nat-network", addLast, 0)
	testIndex("add-host-new", "host-new", "nat-network", "nat-network-hosts", addLast, 0)
	failIndex("modify-host-missing", "host-new", "nat-network", modify, 0)
	failIndex("modify-host-incomplete", "host-incomplete", "nat-network", modify, 0)
	testIndex("modify-host", "host-updated", "nat-network", "nat-network-host-updated", modify, 0)
	testIndex("delete-host-incomplete", "host-incomplete", "nat-network", "nat-network-one-host", del, 0)
	testIndex("delete-host-existing", "host-existing", "nat-network", "nat-network-one-host", del, 0)
	failIndex("delete-host-missing", "host-new", "nat-network", del, 0)

	section = network.SectionIPDHCPRange
	testIndex("add-dhcp-range", "dhcp-range", "dhcp6host-routed-network", "dhcp6host-routed-network-range", addFirst, 0)
	failIndex("add-dhcp-range-outside-net", "dhcp-range-10", "dhcp6host-routed-network", addFirst, 0)
	testIndex("append-dhcp-range", "dhcp-range", "dhcp6host-routed-network", "dhcp6host-routed-network-another-range", addLast, 1)
	testIndex("delete-dhcp-range", "dhcp-range-existing", "nat-network", "nat-network-no-range", del, 0)
	failIndex("delete-dhcp-range", "dhcp-range", "nat-network", del, 0)

	section = network.SectionForwardInterface
	test("insert-forward-interface", "interface-eth47", "nat-network-dns-srv-record", "nat-network-forward-ifaces", addFirst)
	test("delete-forward-interface", "interface-eth1", "nat-network-dns-srv-record", "nat-network-no-forward-ifaces", del)
	fail("delete-forward-interface", "interface-eth47", "nat-network-dns-srv-record", del)

	section = network.SectionPortGroup
	test("insert-portgroup", "portgroup-alison", "openvswitch-net", "openvswitch-net-more-portgroups", addFirst)
	fail("append-duplicate-portgroup", "portgroup-alice-new", "openvswitch-net", addLast)
	test("modify-portgroup", "portgroup-alice-new", "openvswitch-net", "openvswitch-net-modified", modify)
	fail("modify-missing-portgroup", "portgroup-alison", "openvswitch-net", modify)
	test("delete-portgroup", "portgroup-alice-new", "openvswitch-net", "openvswitch-net-without-alice", del)
	fail("delete-missing-portgroup", "portgroup-alice-new", "nat-network-dns-srv-record", del)

	section = network.SectionDNSHost
	fail("insert-incomplete-host", "dns-host-gateway-incomplete", "nat-network-dns-hosts", addFirst)
	test("insert-host", "dns-host-pudding", "nat-network-dns-hosts", "nat-network-dns-more-hosts", addFirst)
	fail("delete-missing-unparsable-dns-host", "unparsable-dns-host", "nat-network", del)
	test("delete-dns-host", "dns-host-gateway-incomplete", "nat-network-dns-hosts", "nat-network-no-hosts", del)

	section = network.SectionDNSTxt
	test("insert-dns-txt-record", "dns-txt-record-snowman", "nat-network-dns-txt-record", "nat-network-dns-txt-records", addFirst)
	fail("append-duplicate-dns-txt-record", "dns-txt-record-example", "nat-network-dns-txt-record", addLast)
	test("delete-dns-txt-record", "dns-txt-record-example", "nat-network-dns-txt-record", "nat-network-dns-txt-none", del)
	fail("delete-missing-dns-txt-record", "dns-txt-record-snowman", "nat-network-dns-txt-record", del)

	section = network.SectionDNSSrv
	test("insert-first-srv-record-service", "srv-record", "nat-network", "nat-network-dns-srv-record", addFirst)
	test("append-first-srv-record-service", "srv-record", "nat-network", "nat-network-dns-srv-record", addLast)
	fail("add-existing-dns-srv-record", "srv-record", "nat-network-dns-srv-record", addLast)
	test("append-srv-record-service", "srv-record-donkey", "nat-network-dns-srv-record", "nat-network-dns-srv-records", addLast)
	fail("delete-missing-srv-record-service", "srv-record-service", "nat-network", del)
	fail("delete-srv-record-invalid", "srv-record-invalid", "nat-network-dns-srv-record", del)
	test("delete-srv-record-donkey", "srv-record-donkey", "nat-network-dns-srv-records", "nat-network-dns-srv-record", del)
	fail("delete-ambiguous-srv-record-service", "srv-record-service", "nat-network-dns-srv-records", del)
	test("delete-srv-record-protocol", "srv-record-protocol", "nat-network-dns-srv-record", "nat-network", del)
	return cs
}()

// runNetworkUpdate applies each case's edit. libvirt's test macro fills
// its struct out of order, so every case runs with parent index 0 and with
// the index column as format flags (the DO_TEST ones pass -12435, whose
// low bit is VIR_NETWORK_XML_INACTIVE); the suite reproduces that. Cases
// whose files the corpus lacks are left out.
func runNetworkUpdate(corpus string) ([]Result, error) {
	if _, err := os.Stat(filepath.Join(corpus, "networkxml2xmlupdatein")); err != nil {
		return nil, err
	}
	seen := map[string]int{}
	var res []Result
	for _, c := range networkUpdateCases {
		c := c
		netPath := filepath.Join(corpus, "networkxml2xmlin", c.net+".xml")
		updPath := filepath.Join(corpus, "networkxml2xmlupdatein", c.update+".xml")
		outPath := filepath.Join(corpus, "networkxml2xmlupdateout", c.out+".xml")
		if !exists(netPath) || !exists(updPath) || (c.out != "" && !exists(outPath)) {
			continue
		}
		name := c.name
		if seen[name]++; seen[name] > 1 {
			name = fmt.Sprintf("%s#%d", name, seen[name])
		}
		flags := network.FormatFlags(0)
		if !c.withIndex || c.index&1 != 0 {
			flags = network.FormatInactive
		}
		res = append(res, Check(name, func() error {
			in, err := os.ReadFile(netPath)
			if err != nil {
				return err
			}
			upd, err := os.ReadFile(updPath)
			if err != nil {
				return err
			}
			def, err := network.Parse(in)
			if err == nil {
				err = def.UpdateSection(c.command, c.section, 0, upd)
			}
			if c.out == "" {
				if err == nil {
					return errors.New("update succeeded, but libvirt fails it")
				}
				return nil
			}
			if err != nil {
				return err
			}
			want, err := os.ReadFile(outPath)
			if err != nil {
				return err
			}
			return Diff(string(want), def.Format(flags))
		}))
	}
	return res, nil
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
