package difftest

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseScript(t *testing.T) {
	src := `# What it covers,
# on two lines.

# a comment between commands
list --all
! dominfo nosuch
[direct] ! 'destroy test; \
  start test'
-r -c test:///default 'echo "a;b"; list'

-- foo.xml --
<domain/>
-- sub/bar.xml --
x
`
	s, err := ParseScript("x.txtar", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if s.About != "What it covers, on two lines." {
		t.Errorf("about %q", s.About)
	}
	if len(s.Lines) != 4 {
		t.Fatalf("lines %+v", s.Lines)
	}
	l := s.Lines[1]
	if !l.ExpectFail || l.DirectOnly || l.Num != 6 || !reflect.DeepEqual(l.Args, []string{"dominfo", "nosuch"}) {
		t.Errorf("line 2 %+v", l)
	}
	l = s.Lines[2]
	if !l.ExpectFail || !l.DirectOnly || !reflect.DeepEqual(l.Args, []string{"destroy test;  start test"}) {
		t.Errorf("line 3 %+v", l)
	}
	if got := l.Commands(); !reflect.DeepEqual(got, []string{"destroy", "start"}) {
		t.Errorf("commands %q", got)
	}
	if got := s.Lines[3].Commands(); !reflect.DeepEqual(got, []string{"echo", "list"}) {
		t.Errorf("commands %q", got)
	}
	if len(s.Files) != 2 || s.Files[1].Name != "sub/bar.xml" || string(s.Files[0].Data) != "<domain/>\n" {
		t.Errorf("files %+v", s.Files)
	}
}

func TestParseScriptErrors(t *testing.T) {
	for _, src := range []string{"list 'open\n", "echo \"open\n", "!\n"} {
		if _, err := ParseScript("bad.txtar", []byte(src)); err == nil {
			t.Errorf("%q: no error", src)
		}
	}
}

func TestShellSplit(t *testing.T) {
	cases := map[string][]string{
		`a b  c`:                 {"a", "b", "c"},
		`'a b' "c d"`:            {"a b", "c d"},
		`x'y'"z"`:                {"xyz"},
		`"a \"q\" \\ \n"`:        {`a "q" \ \n`},
		`a\ b`:                   {"a b"},
		`''`:                     {""},
		`echo --xml '<a b="c">'`: {"echo", "--xml", `<a b="c">`},
	}
	for in, want := range cases {
		got, err := shellSplit(in)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %q %v, want %q", in, got, err, want)
		}
	}
}

func TestNormaliser(t *testing.T) {
	now := time.Unix(1795360856, 0).UTC()
	n := NewNormaliser("<uuid>4f7c1d2a-6f1b-4c7e-9a51-0e8e6a5d7b10</uuid> 52:54:00:12:34:56", now, now)
	n.Aliases = []string{"test+unix:///default?socket=/tmp/x/sock"}
	in := strings.Join([]string{
		"CPU time:       1795360765.1s",
		"vda rd_req 179536076509360",
		" number of read operations:      179536115840502",
		"<creationTime>1795360856</creationTime>",
		" s1     2026-11-22 15:20:56 +0000   running",
		"capacity 1073741824 and 1795360856123",
		"uuid 4f7c1d2a-6f1b-4c7e-9a51-0e8e6a5d7b10 kept, 6695eb01-f6a4-8304-79aa-97f2502e193f kept",
		"uuid 0a1b2c3d-0000-4000-8000-000000000001 then 0A1B2C3D-0000-4000-8000-000000000001 and 0a1b2c3d-0000-4000-8000-000000000002",
		"mac 52:54:00:12:34:56 kept, 52:54:00:ab:cd:ef generated, aa:bb:cc:dd:ee:ff kept",
		"test+unix:///default?socket=/tmp/x/sock",
		"vda rd_req 12 extra",
		"Screenshot saved to test-2026-11-22-15:41:38.png, with type of image/png",
	}, "\n")
	want := strings.Join([]string{
		"CPU time:       <cpu-time>",
		"vda rd_req <counter>",
		" number of read operations:      <counter>",
		"<creationTime><now></creationTime>",
		" s1     <date>   running",
		"capacity 1073741824 and <now>",
		"uuid 4f7c1d2a-6f1b-4c7e-9a51-0e8e6a5d7b10 kept, 6695eb01-f6a4-8304-79aa-97f2502e193f kept",
		"uuid UUID#1 then UUID#1 and UUID#2",
		"mac 52:54:00:12:34:56 kept, MAC#1 generated, aa:bb:cc:dd:ee:ff kept",
		"test:///default",
		"vda rd_req 12 extra",
		"Screenshot saved to test-<date>.png, with type of image/png",
	}, "\n")
	if got := n.Apply(in); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	// A date a year away is a value, not "now".
	if got := n.Apply("2025-01-01 00:00:00 +0000"); got != "2025-01-01 00:00:00 +0000" {
		t.Errorf("old date masked: %q", got)
	}
}

func TestParseGroups(t *testing.T) {
	help := "Grouped commands:\n\n Domain Management (help keyword 'domain'):\n" +
		"    attach-device                  attach device from an XML file\n\n" +
		" Virsh itself (help keyword 'virsh'):\n    echo                           echo arguments\n"
	g := ParseGroups(help)
	if g.Of("attach-device") != "domain" || g.Of("echo") != "virsh" || g.Of("nosuch") != "virsh" {
		t.Errorf("%v", g)
	}
}

func TestBaseline(t *testing.T) {
	path := filepath.Join(t.TempDir(), "baseline.txt")
	b, err := ReadBaseline(path)
	if err != nil || len(b) != 0 {
		t.Fatal(b, err)
	}
	results := []LineResult{
		{Key: "a.txtar: list", Identical: true},
		{Key: "a.txtar: dominfo test", Identical: false},
		{Key: "a.txtar: skipped", Skipped: "[direct] line"},
	}
	b[baselineKey("m", "a.txtar: dominfo test")] = true
	regressed, fresh := b.Check("m", results)
	if len(regressed) != 1 || regressed[0].Key != "a.txtar: dominfo test" {
		t.Errorf("regressed %+v", regressed)
	}
	if !reflect.DeepEqual(fresh, []string{"m\ta.txtar: list"}) {
		t.Errorf("fresh %q", fresh)
	}
	b[fresh[0]] = true
	if err := b.Write(path); err != nil {
		t.Fatal(err)
	}
	again, err := ReadBaseline(path)
	if err != nil || !reflect.DeepEqual(again, b) {
		t.Errorf("round trip %v %v", again, err)
	}
}

func TestSummarise(t *testing.T) {
	g := Groups{"list": "domain", "net-list": "network"}
	rs := []LineResult{
		{Script: "a", Line: Line{Args: []string{"list; net-list"}}, Identical: true},
		{Script: "a", Line: Line{Args: []string{"list", "--all"}}, Identical: false},
		{Script: "b", Line: Line{Args: []string{"--version"}}, Identical: true},
	}
	s := Summarise("m", rs, g)
	if s.Overall != (Tally{2, 3}) || s.Invocations != 4 || *s.Scripts["a"] != (Tally{1, 2}) {
		t.Errorf("%+v", s)
	}
	if d := s.Groups["domain"]; d.Lines != (Tally{1, 2}) || d.Invocations != 2 || len(d.Commands) != 1 {
		t.Errorf("domain %+v", d)
	}
	if !strings.Contains(s.Report(), "difftest m: 2/3 lines identical (4 invocations)") {
		t.Error(s.Report())
	}
}

// The project's own scripts must all parse.
func TestProjectScriptsParse(t *testing.T) {
	dir := "../../cmd/govirsh/testdata/script"
	if _, err := os.Stat(dir); err != nil {
		t.Skip(err)
	}
	scripts, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, s := range scripts {
		if s.About == "" {
			t.Errorf("%s: no header comment saying what it covers", s.Name)
		}
		for _, l := range s.Lines {
			total += len(l.Commands())
		}
	}
	if total < 200 {
		t.Errorf("only %d invocations", total)
	}
}

func FuzzParseScript(f *testing.F) {
	if names, _ := filepath.Glob("../../cmd/govirsh/testdata/script/*.txtar"); len(names) > 0 {
		for _, n := range names {
			if data, err := os.ReadFile(n); err == nil {
				f.Add(data)
			}
		}
	}
	f.Add([]byte("! 'a; b' \"c\\\"\" \\\n d\n-- f --\nx\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseScript("fuzz.txtar", data)
		if err != nil {
			return
		}
		for _, l := range s.Lines {
			l.Commands()
		}
		NewNormaliser(scriptText(s), time.Unix(0, 0), time.Unix(0, 0)).Apply(string(data))
	})
}

// TestOracleHangIsInconclusive: when the stock virsh hangs on every
// attempt there is nothing to compare, so the line neither regresses nor
// counts as a wrong '!' marker; a line the oracle answers still differs.
func TestOracleHangIsInconclusive(t *testing.T) {
	dir := t.TempDir()
	hanging := filepath.Join(dir, "hanging-virsh")
	answering := filepath.Join(dir, "answering-virsh")
	if err := os.WriteFile(hanging, []byte("#!/bin/sh\nexec sleep 10\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(answering, []byte("#!/bin/sh\necho \"$3\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	s, err := ParseScript("hang.txtar", []byte("save test test.save\n"))
	if err != nil {
		t.Fatal(err)
	}
	subject := Direct{Subject: Client{Label: "subject", Binary: answering, URI: DefaultURI}}
	oracle := Client{Label: "virsh", Binary: hanging, URI: DefaultURI, Timeout: 100 * time.Millisecond}
	res, err := RunScript(context.Background(), s, oracle, subject, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || res[0].Inconclusive == "" || res[0].ScriptError != "" {
		t.Fatalf("hung oracle: got %+v, want one inconclusive line without a script error", res)
	}
	if _, fresh := (Baseline{}).Check("subject", res); len(fresh) != 0 {
		t.Errorf("an inconclusive line was offered for the baseline: %v", fresh)
	}

	oracle = Client{Label: "virsh", Binary: answering, URI: DefaultURI}
	subject = Direct{Subject: Client{Label: "subject", Binary: hanging, URI: DefaultURI, Timeout: 100 * time.Millisecond}}
	res, err = RunScript(context.Background(), s, oracle, subject, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || res[0].Identical || res[0].Inconclusive != "" {
		t.Fatalf("hung subject against an answering oracle: got %+v, want a plain difference", res)
	}
}
