package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// groups2Cases run through govirsh and the stock virsh on
// test:///default (see runBoth). Each line leaves the in-process test
// driver as it found it, since every govirsh run of this test binary
// shares one driver state. Files come from testdata/groups2.
var groups2Cases = []string{
	// Secret: test:///default has no secret driver.
	"secret-list --ephemeral", "secret-list --no-private", "secret-define cpu.xml",
	"secret-define /nonexistent", "secret-dumpxml 0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f", "secret-dumpxml x --xpath ''",
	"secret-get-value x", "secret-get-value 0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f --plain",
	"secret-set-value x --base64 aGk=", "secret-set-value x --file a --base64 b", "secret-set-value x --interactive --plain",
	"secret-set-value x --interactive --file f", "secret-undefine x", "secret-event lifecycle",
	"secret-event --event foo", "secret-set-value 0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f",
	// Network Filter: no nwfilter driver either.
	"nwfilter-dumpxml x", "nwfilter-dumpxml 0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f", "nwfilter-define cpu.xml",
	"nwfilter-define cpu.xml --validate", "nwfilter-undefine x", "nwfilter-edit x",
	"nwfilter-binding-dumpxml x --xpath //x", "nwfilter-binding-create cpu.xml",
	"nwfilter-define /nonexistent",
	// Node Device.
	"nodedev-dumpxml scsi_host1 --xpath //capability/@type", "nodedev-dumpxml nope",
	"nodedev-dumpxml computer --xpath //vendor --wrap", "nodedev-dumpxml nosuch --xpath ''", "nodedev-info nosuch",
	"nodedev-detach computer --driver vfio", "nodedev-dettach computer",
	"nodedev-autostart computer --disable", "nodedev-define cpu.xml", "nodedev-detach a,b",
	"nodedev-undefine a,b", "nodedev-info a,b", "nodedev-dumpxml a,b", "nodedev-destroy a,b,c",
	"nodedev-dumpxml 1234567890abcdef,1234567890abcdef", "nodedev-dumpxml 0x1234567890abcdef,12", "nodedev-autostart a,b",
	"nodedev-list --cap foo", "nodedev-list --all --inactive", "nodedev-list --tree --inactive", "nodedev-list --cap system,,pci",
	"nodedev-list --cap foo --tree", "nodedev-event", "nodedev-event --event bad", "nodedev-event --event update --timeout 1",
	"nodedev-event --event lifecycle --device nosuch --timeout 1", "nodedev-create /nonexistent", "nodedev-event --timeout 0 --event update",
	// Interface.
	"iface-name nosuch", "iface-name 00:11:22:33:44:55",
	"iface-dumpxml aa:bb:cc:dd:ee:ff", "iface-dumpxml eth1 --xpath //ip/@* --wrap", "iface-dumpxml eth1 --xpath ''",
	"iface-begin; iface-rollback",
	"iface-undefine eth1; iface-list --all; iface-define eth1.xml; iface-start eth1; iface-list --all",
	"iface-bridge eth1 br0", "iface-bridge eth1 br0 --delay -1", "iface-bridge eth1 eth1", "iface-unbridge br0",
	"iface-define br0.xml; iface-list --all; iface-dumpxml br0; iface-unbridge br0; iface-undefine br0",
	"iface-define eth9.xml; iface-bridge eth9 br9; iface-undefine eth9", "iface-edit nosuch", "iface-define /nonexistent",
	// Host.
	"freecell 0", "freecell --cellno 5", "freecell --cellno -1",
	"freecell --all --cellno 0", "freepages --pagesize 4",
	"freepages --cellno 0", "freepages --pagesize 2M --cellno 0", "freepages --all --pagesize 4", "freepages --cellno -2 --pagesize 4",
	"freepages --cellno x", "allocpages 4 100", "allocpages 4 100 --all", "allocpages 4 100 --cellno 0 --add", "allocpages x 10",
	"nodecpustats --cpu x", "nodememstats --cell 0", "nodememstats --cell x",
	"cpu-models x86_64", "cpu-models foo", "cpu-models aarch64", "cpu-models ''",
	"node-memory-tune --shm-pages-to-scan 10", "node-memory-tune --shm-pages-to-scan -1",
	"nodesuspend foo 60", "nodesuspend mem -5", "nodesuspend mem x", "nodesevinfo",
	"cpu-compare cpu.xml", "cpu-compare caps.xml --error", "cpu-compare /etc/hostname", "cpu-compare /nonexistent",
	"cpu-baseline /etc/hostname", "hypervisor-cpu-compare cpu.xml", "hypervisor-cpu-compare /etc/hostname",
	"hypervisor-cpu-baseline", "hypervisor-cpu-baseline cpu.xml", "hypervisor-cpu-baseline --model Westmere",
	"hypervisor-cpu-baseline cpu.xml --model Westmere", "hypervisor-cpu-baseline cpu.xml --virttype ''",
	// --xpath on the other groups' dumpxml commands.
	`net-dumpxml default --xpath /network/name`, `net-dumpxml default --xpath //@address --wrap`,
	`net-dumpxml default --xpath "count(//ip)"`, `net-dumpxml default --xpath "///"`, `net-dumpxml default --xpath "foo bar"`,
	`net-dumpxml default --xpath "foo("`, `net-dumpxml default --xpath / --wrap`, `net-dumpxml default --xpath "//text()" --wrap`,
	`net-dumpxml default --xpath "//range/ancestor::*"`, `net-dumpxml default --xpath "(//*)[3]"`, `net-dumpxml nosuch --xpath ''`,
	`net-dumpxml default --xpath "//*[contains(name(),'u')]" --wrap`, `net-dumpxml default --xpath "//x:y"`,
	`pool-dumpxml default-pool --xpath //target`, `vol-dumpxml default-vol --pool default-pool --xpath //capacity/@unit`,
}

func TestGroups2AgainstStockVirsh(t *testing.T) {
	if _, err := os.Stat(stockVirsh); err != nil {
		t.Skip("stock virsh not installed")
	}
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	t.Setenv("XDG_CACHE_HOME", dir)
	files, err := filepath.Glob("testdata/groups2/*.xml")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	wd, _ := os.Getwd()
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)
	runAllBoth(t, dir, onDefault(groups2Cases))
}

// TestXPathGolden checks --xpath output against what the stock virsh
// printed for the same document (testdata/groups2/xpath-golden.txt:
// each expression without and with --wrap, virsh's blank lines kept).
func TestXPathGolden(t *testing.T) {
	doc, err := os.ReadFile("testdata/groups2/mixed-dump.xml")
	if err != nil {
		t.Fatal(err)
	}
	golden, err := os.ReadFile("testdata/groups2/xpath-golden.txt")
	if err != nil {
		t.Fatal(err)
	}
	sections := strings.Split("\n"+string(golden), "\n-- ")[1:]
	if len(sections) == 0 {
		t.Fatal("no golden sections")
	}
	for _, sec := range sections {
		expr, want, _ := strings.Cut(sec, "\n")
		var out, errb bytes.Buffer
		c := &ctl{ctx: context.Background(), stdout: &out, stderr: &errb}
		c.dumpXML(string(doc), expr, false)
		out.WriteString("\n")
		c.dumpXML(string(doc), expr, true)
		out.WriteString("\n")
		if got := out.String(); got != want+"\n" && got != want {
			t.Errorf("%s:\n--- virsh\n%s--- govirsh\n%s", expr, want, got)
		}
	}
}

func TestXPathErrors(t *testing.T) {
	doc := "<a x='1'><b>t</b><b/></a>"
	for _, tc := range []struct{ expr, stderr, err string }{
		{"///", "XPath error : Invalid expression\n", ""},
		{"foo bar", "XPath error : Invalid expression\nfoo bar\n    ^\n", ""},
		{"foo()", "xmlXPathCompOpEval: function foo not found\nXPath error : Unregistered function\n", ""},
		{"count(//b)", "", "internal error: Incorrect xpath 'count(//b)'"},
		{"'abc", "XPath error : Unfinished literal\n", ""},
		{"//b[1", "XPath error : Invalid predicate\n", ""},
		{"//b[]", "XPath error : Invalid expression\n//b[]\n    ^\n", ""},
	} {
		var out, errb bytes.Buffer
		c := &ctl{ctx: context.Background(), stdout: &out, stderr: &errb}
		ok := c.dumpXML(doc, tc.expr, false)
		want := tc.stderr
		if tc.err != "" {
			want = "error: " + tc.err + "\n"
		}
		if errb.String() != want || ok != (tc.err == "") {
			t.Errorf("%q: stderr %q ok %v, want %q", tc.expr, errb.String(), ok, want)
		}
	}
}

func FuzzXPath(f *testing.F) {
	for _, s := range []string{"/a/b", "//b[2]", "//@x", "count(//*)", "//b[text()='t'] | /a", "(//*)[last()]", "foo(", "a[", "-1 div 0"} {
		f.Add("<a x='1'><b>t</b><b/><!--c--></a>", s)
	}
	f.Fuzz(func(t *testing.T, doc, expr string) {
		root, err := lxParse(doc)
		if err != nil {
			return
		}
		nodes, _ := xpSelect(root, expr)
		for _, n := range nodes {
			_ = lxDump(n)
		}
		// Serialising and parsing again keeps the document.
		again, err := lxParse(lxDump(root))
		if err == nil && lxDump(again) != lxDump(root) {
			t.Errorf("dump not a fixed point:\n%s\n%s", lxDump(root), lxDump(again))
		}
	})
}
