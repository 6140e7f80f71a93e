package conformance

import (
	"context"
	"os"
	"path/filepath"
	"strings"

	"github.com/govirt/govirt/internal/cmdrun"
	"github.com/govirt/govirt/internal/conf/nwfilter"
	"github.com/govirt/govirt/internal/drivers/nwfilter/ebiptables"
	"github.com/govirt/govirt/internal/drivers/nwfilter/gentech"
)

// libvirt's tests/nwfilterxml2firewalltest.c: each X.xml filter, with the
// filters it references read from the same directory and a fixed set of
// variables, is instantiated on vnet0 by the ebiptables driver with
// commands recorded, not run; the set-up commands every case shares are
// stripped as the test strips them and the rest compared with
// X-linux.args.
func init() {
	register(Suite{Name: "nwfilterxml2firewalldata", Run: func(corpus string) ([]Result, error) {
		dir := filepath.Join(corpus, "nwfilterxml2firewalldata")
		names, err := Inputs(corpus, "nwfilterxml2firewalldata", "-linux.args")
		if err != nil {
			return nil, err
		}
		var res []Result
		for _, argsName := range names {
			name := strings.TrimSuffix(argsName, "-linux.args")
			xmlPath := filepath.Join(dir, name+".xml")
			if _, err := os.Stat(xmlPath); err != nil {
				// the expectation's input is not in this corpus
				continue
			}
			res = append(res, Check(name, func() error {
				want, err := os.ReadFile(filepath.Join(dir, argsName))
				if err != nil {
					return err
				}
				got, err := nwfilterFirewallCommands(dir, name)
				if err != nil {
					return err
				}
				return Diff(unwrapArgs(string(want)), got)
			}))
		}
		return res, nil
	}})
}

// fileFilters reads referenced filters from dir/NAME.xml, as the test does.
type fileFilters struct{ dir string }

func (f fileFilters) LookupFilter(name string) (*nwfilter.Def, bool) {
	data, err := os.ReadFile(filepath.Join(f.dir, name+".xml"))
	if err != nil {
		return nil, false
	}
	def, err := nwfilter.Parse(data)
	if err != nil {
		return nil, false
	}
	return def, true
}

// nwfilterTestVars are the variables libvirt's test sets.
func nwfilterTestVars() nwfilter.Params {
	return nwfilter.Params{
		"IPSETNAME": {"tck_test"},
		"A":         {"1.1.1.1", "2.2.2.2", "3.3.3.3", "3.3.3.3"},
		"B":         {"80", "90", "80", "80"},
		"C":         {"1080", "1090", "1100", "1110"},
	}
}

func nwfilterFirewallCommands(dir, name string) (string, error) {
	data, err := os.ReadFile(filepath.Join(dir, name+".xml"))
	if err != nil {
		return "", err
	}
	def, err := nwfilter.Parse(data)
	if err != nil {
		return "", err
	}
	rules, err := gentech.DefToInst(fileFilters{dir}, def, nwfilterTestVars())
	if err != nil {
		return "", err
	}
	rec := cmdrun.NewRecorder()
	if err := ebiptables.New(rec).ApplyNewRules(context.Background(), "vnet0", rules); err != nil {
		return "", err
	}
	var b strings.Builder
	for _, c := range rec.Commands() {
		b.WriteString(cmdrun.ToString(c, false, true))
		b.WriteByte('\n')
	}
	return removeCommonNWFilterRules(b.String()), nil
}

// nwfilterCommonRules are the chain set-up commands every case issues,
// in libvirt's test's blocks.
var nwfilterCommonRules = func() []string {
	eb := func(s string) string { return "ebtables --concurrent -t nat " + s + "\n" }
	ipt := func(tool string) (drop, create string) {
		var d, c strings.Builder
		for _, s := range []string{
			"-D libvirt-out -m physdev --physdev-is-bridged --physdev-out vnet0 -g FP-vnet0",
			"-D libvirt-out -m physdev --physdev-out vnet0 -g FP-vnet0",
			"-D libvirt-in -m physdev --physdev-in vnet0 -g FJ-vnet0",
			"-D libvirt-host-in -m physdev --physdev-in vnet0 -g HJ-vnet0",
			"-F FP-vnet0", "-X FP-vnet0", "-F FJ-vnet0", "-X FJ-vnet0", "-F HJ-vnet0", "-X HJ-vnet0",
		} {
			d.WriteString(tool + " -w " + s + "\n")
		}
		for _, s := range []string{
			"-N libvirt-in", "-N libvirt-out", "-N libvirt-in-post", "-N libvirt-host-in",
			"-D FORWARD -j libvirt-in", "-D FORWARD -j libvirt-out", "-D FORWARD -j libvirt-in-post",
			"-D INPUT -j libvirt-host-in",
			"-I FORWARD 1 -j libvirt-in", "-I FORWARD 2 -j libvirt-out", "-I FORWARD 3 -j libvirt-in-post",
			"-I INPUT 1 -j libvirt-host-in",
			"-N FP-vnet0", "-N FJ-vnet0", "-N HJ-vnet0",
			"-A libvirt-out -m physdev --physdev-is-bridged --physdev-out vnet0 -g FP-vnet0",
			"-A libvirt-in -m physdev --physdev-in vnet0 -g FJ-vnet0",
			"-A libvirt-host-in -m physdev --physdev-in vnet0 -g HJ-vnet0",
			"-D libvirt-in-post -m physdev --physdev-in vnet0 -j ACCEPT",
			"-A libvirt-in-post -m physdev --physdev-in vnet0 -j ACCEPT",
		} {
			c.WriteString(tool + " -w " + s + "\n")
		}
		return d.String(), c.String()
	}
	ip4drop, ip4create := ipt("iptables")
	ip6drop, ip6create := ipt("ip6tables")
	return []string{
		eb("-D PREROUTING -i vnet0 -j libvirt-J-vnet0") + eb("-D POSTROUTING -o vnet0 -j libvirt-P-vnet0") +
			eb("-L libvirt-J-vnet0") + eb("-L libvirt-P-vnet0") +
			eb("-F libvirt-J-vnet0") + eb("-X libvirt-J-vnet0") + eb("-F libvirt-P-vnet0") + eb("-X libvirt-P-vnet0"),
		eb("-N libvirt-J-vnet0") + eb("-N libvirt-P-vnet0"),
		ip4drop, ip4create, ip6drop, ip6create,
		eb("-A PREROUTING -i vnet0 -j libvirt-J-vnet0") + eb("-A POSTROUTING -o vnet0 -j libvirt-P-vnet0"),
	}
}()

// removeCommonNWFilterRules strips each common block once, searching on
// from where the previous one was found (testRemoveCommonRules).
func removeCommonNWFilterRules(s string) string {
	offset := 0
	for _, block := range nwfilterCommonRules {
		if i := strings.Index(s[offset:], block); i >= 0 {
			at := offset + i
			s = s[:at] + s[at+len(block):]
			offset = at
		}
	}
	return s
}

// unwrapArgs joins the continuation lines of an expectation file as
// libvirt's virTestLoadFile does.
func unwrapArgs(s string) string {
	return strings.ReplaceAll(s, "\\\n", "")
}
