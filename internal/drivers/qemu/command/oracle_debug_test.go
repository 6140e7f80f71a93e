package command_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/drivers/qemu/caps"
	"github.com/govirt/govirt/internal/drivers/qemu/command"
	"github.com/govirt/govirt/internal/drivers/qemu/domaindefaults"
)

// TestLibvirtOracle compares the builder with a real libvirt on the
// corpus inputs, when QEMU_ARGV_ORACLE names a file of libvirt's answers:
// "@@BEGIN NAME" … "@@END NAME" around the output of domxml-to-native
// from libvirt's embedded QEMU driver, made with the installed QEMU:
//
//	mkdir -p ROOT/etc && printf 'user = "root"\ngroup = "root"\n' > ROOT/etc/qemu.conf
//	cd qemuxml2argvdata && for f in *.xml; do n=${f%.xml}
//	  cmds+="echo @@BEGIN $n; domxml-to-native qemu-argv $PWD/$f; echo @@END $n; "
//	done; stdbuf -oL -eL virsh -q -c "qemu:///embed?root=ROOT" "$cmds" > ANSWERS 2>&1
//
// (libvirt refuses to start while its default user libvirt-qemu does not
// exist.) The builder runs with the capabilities libvirt cached under
// ROOT (QEMU_ARGV_ORACLE_ROOT) and a context laid out like the embedded
// driver's. It is a debugging aid: domxml-to-native turns NICs into plain
// taps and opens nothing, so some differences are expected; it reports
// and never fails.
func TestLibvirtOracle(t *testing.T) {
	answers, root := os.Getenv("QEMU_ARGV_ORACLE"), os.Getenv("QEMU_ARGV_ORACLE_ROOT")
	if answers == "" || root == "" {
		t.Skip("QEMU_ARGV_ORACLE and QEMU_ARGV_ORACLE_ROOT not set")
	}
	data, err := os.ReadFile(answers)
	if err != nil {
		t.Fatal(err)
	}
	capsFiles, _ := filepath.Glob(filepath.Join(root, "cache", "qemu", "capabilities", "*.xml"))
	if len(capsFiles) == 0 {
		t.Fatal("no cached capabilities under " + root)
	}
	var filter *regexp.Regexp
	if f := os.Getenv("QEMU_ARGV_ORACLE_FILTER"); f != "" {
		filter = regexp.MustCompile(f)
	}
	dir := os.Getenv("QEMU_ARGV_ORACLE_DIR") // the corpus directory of the inputs
	if dir == "" {
		dir = "qemuxml2argvdata"
	}
	corpus := filepath.Join("..", "..", "..", "..", "..", "shared", "libvirt-tests", dir)
	var same, differ, bothErr, errMismatch int
	var report []string
	// virsh's echo ends no line, so a chunk is NAME, the answer, then
	// "@@END NAME".
	for _, chunk := range strings.Split(string(data), "@@BEGIN ")[1:] {
		end := strings.LastIndex(chunk, "@@END ")
		if end < 0 {
			continue
		}
		name := strings.TrimSpace(chunk[end+len("@@END "):])
		if !strings.HasPrefix(chunk, name) {
			continue
		}
		want := strings.TrimSpace(chunk[len(name):end])
		if filter != nil && !filter.MatchString(name) {
			continue
		}
		in, err := os.ReadFile(filepath.Join(corpus, name+".xml"))
		if err != nil {
			continue
		}
		qc, err := oracleCaps(capsFiles, in)
		if err != nil {
			t.Fatal(err)
		}
		got, buildErr := oracleBuild(in, qc, root)
		wantErr := strings.HasPrefix(want, "error:")
		switch {
		case wantErr && buildErr != nil:
			bothErr++
			w := strings.TrimSpace(strings.TrimPrefix(strings.SplitN(want, "\n", 2)[0], "error: "))
			if w != buildErr.Error() {
				report = append(report, fmt.Sprintf("%s: error text\n    libvirt: %s\n    govirt:  %s", name, w, buildErr))
			}
		case wantErr:
			errMismatch++
			report = append(report, fmt.Sprintf("%s: libvirt fails, govirt builds\n    libvirt: %s", name, want))
		case buildErr != nil:
			errMismatch++
			report = append(report, fmt.Sprintf("%s: govirt fails: %v", name, buildErr))
		default:
			w, g := oracleArgs(want), oracleArgs(got)
			if strings.Join(w, "\n") == strings.Join(g, "\n") {
				same++
				continue
			}
			differ++
			report = append(report, fmt.Sprintf("%s:\n%s", name, oracleDiff(w, g)))
		}
	}
	sort.Strings(report)
	for _, r := range report {
		t.Log(r)
	}
	t.Logf("same %d, differ %d, both fail %d, one fails %d", same, differ, bothErr, errMismatch)
}

func oracleBuild(in []byte, qc *caps.Caps, root string) (s string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	def, err := domaindefaults.Parse(in, domaindefaults.Options{Caps: qc, HostArch: "x86_64", Flags: domain.ParseInactive})
	if err != nil {
		return "", err
	}
	if err := def.Validate(); err != nil {
		return "", err
	}
	ctx := command.TestContext(def.Name)
	short := command.DomainShortName(-1, def.Name)
	lib := filepath.Join(root, "lib", "qemu")
	ctx.LibDir = filepath.Join(lib, "domain-"+short)
	ctx.ChannelTargetDir = filepath.Join(lib, "channel", "target", "domain-"+short)
	ctx.MemoryBackingDir = filepath.Join(lib, "ram", short)
	ctx.NVRAMDir = filepath.Join(lib, "nvram")
	ctx.StateDir = filepath.Join(root, "run", "qemu")
	ctx.ConfigDir = filepath.Join(root, "etc", "qemu")
	ctx.MonitorFD, ctx.MonitorPath = -1, filepath.Join(ctx.LibDir, "monitor.sock")
	ctx.ListenFD, ctx.FileFD, ctx.IsCDROM = nil, nil, nil
	ctx.Firmware = nil
	g := command.TestGraphicsConfig()
	g.SpiceTLS, g.SpicePassword, g.RenderNode = false, false, ""
	ctx.Graphics = g
	cmd, err := command.Build(def, qc, ctx)
	if err != nil {
		return "", err
	}
	return cmd.String(), nil
}

// oracleArgs splits a command line into its options from the binary on,
// one option with its value per element.
func oracleArgs(s string) []string {
	s = strings.ReplaceAll(s, " \\\n", " ")
	if i := strings.Index(s, "/usr/bin/qemu-system-"); i >= 0 {
		s = s[i:]
	}
	parts := regexp.MustCompile(` (-[a-z])`).Split(s, -1)
	flags := regexp.MustCompile(` (-[a-z])`).FindAllStringSubmatch(s, -1)
	out := []string{parts[0]}
	for i, f := range flags {
		out = append(out, f[1]+parts[i+1])
	}
	return out
}

func oracleDiff(want, got []string) string {
	ws, gs := map[string]bool{}, map[string]bool{}
	for _, l := range want {
		ws[l] = true
	}
	for _, l := range got {
		gs[l] = true
	}
	var b strings.Builder
	for _, l := range want {
		if !gs[l] {
			fmt.Fprintf(&b, "    - %s\n", l)
		}
	}
	for _, l := range got {
		if !ws[l] {
			fmt.Fprintf(&b, "    + %s\n", l)
		}
	}
	if b.Len() == 0 {
		b.WriteString("    (same options, other order)\n")
	}
	return b.String()
}

// oracleCaps loads the cached capabilities of the binary libvirt would
// run for the input: its <emulator>, else qemu-system-i386 for an i686
// guest, else the first file.
func oracleCaps(files []string, in []byte) (*caps.Caps, error) {
	want := ""
	if m := regexp.MustCompile(`<emulator>([^<]+)</emulator>`).FindSubmatch(in); m != nil {
		want = string(m[1])
	} else if regexp.MustCompile(`arch=.i686.`).Match(in) {
		want = "/usr/bin/qemu-system-i386"
	}
	var first *caps.Caps
	for _, f := range files {
		qc, err := caps.LoadFile(f)
		if err != nil {
			return nil, err
		}
		if first == nil {
			first = qc
		}
		if want != "" && qc.Binary == want {
			return qc, nil
		}
	}
	return first, nil
}
