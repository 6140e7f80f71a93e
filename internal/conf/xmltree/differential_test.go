package xmltree

import (
	"bytes"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// corpusDirs are libvirt test directories whose documents seed the
// mutations when ../shared/libvirt-tests is present.
var corpusDirs = []string{"genericxml2xmlindata", "networkxml2xmlin", "storagepoolxml2xmlin", "secretxml2xmlin", "nwfilterxml2xmlin", "qemuxml2argvdata"}

func differentialSeeds(t *testing.T) map[string][]byte {
	seeds := map[string][]byte{}
	files, _ := filepath.Glob("testdata/*.xml")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		seeds[f] = b
	}
	for _, dir := range corpusDirs {
		files, _ := filepath.Glob(filepath.Join("../../../../shared/libvirt-tests", dir, "*.xml"))
		sort.Strings(files)
		for i, f := range files {
			if i%40 != 0 {
				continue
			}
			if b, err := os.ReadFile(f); err == nil {
				seeds[f] = b
			}
		}
	}
	return seeds
}

// convertsEncoding tells whether a document declares an encoding other
// than UTF-8: xmllint, reading a file, converts it, where libvirt's string
// path reads UTF-8 regardless (TestDeclaredEncodingAsLibvirt covers that).
func convertsEncoding(doc []byte) bool {
	m := declaredEncoding.FindSubmatch(doc)
	return m != nil && !strings.EqualFold(string(m[1]), "UTF-8") && !strings.EqualFold(string(m[1]), "UTF8")
}

var declaredEncoding = regexp.MustCompile(`^\s*<\?xml[^>]*encoding\s*=\s*["']([^"']*)`)

var (
	tagName  = regexp.MustCompile(`</?[a-zA-Z][\w:.-]*`)
	attrPair = regexp.MustCompile(`\s[a-zA-Z][\w:.-]*=('[^']*'|"[^"]*")`)
)

// mutate breaks a valid document in one of the ways people and programs
// break XML: truncation, tag mismatches, bad references, duplicate
// attributes, stray text and characters, unterminated markup, junk after
// the root.
func mutate(r *rand.Rand, doc []byte) []byte {
	at := func() int { return r.Intn(len(doc) + 1) }
	insert := func(s string) []byte {
		i := at()
		return append(append(append([]byte{}, doc[:i]...), s...), doc[i:]...)
	}
	switch r.Intn(21) {
	case 0:
		return append([]byte{}, doc[:at()]...)
	case 1:
		tags := tagName.FindAllIndex(doc, -1)
		if len(tags) == 0 {
			return doc
		}
		m := tags[r.Intn(len(tags))]
		return append(append(append([]byte{}, doc[:m[1]]...), "x"...), doc[m[1]:]...)
	case 2:
		return insert([]string{"&foo;", "&amp", "&;", "&#1;", "&#xZZ;", "&#99999999;", "& ", "&lt;"}[r.Intn(8)])
	case 3:
		attrs := attrPair.FindAllIndex(doc, -1)
		if len(attrs) == 0 {
			return doc
		}
		m := attrs[r.Intn(len(attrs))]
		return append(append(append([]byte{}, doc[:m[1]]...), doc[m[0]:m[1]]...), doc[m[1]:]...)
	case 4:
		return append(append([]byte{}, doc...), []string{"junk", "<extra/>", "</domain>", "<!-- c -->x", "<?pi?>", "]]>"}[r.Intn(6)]...)
	case 5:
		return insert(string([]byte{[]byte{0x01, 0x0b, 0x1f, 0xff, 0xc3, 0xe2, 0x80}[r.Intn(7)]}))
	case 6:
		return insert("<!-- unterminated ")
	case 7:
		return insert("<![CDATA[ open ")
	case 8:
		i := r.Intn(len(doc))
		return append(append([]byte{}, doc[:i]...), doc[i+1:]...)
	case 9:
		const chars = "<>&\"'=/!?-[]:;# \n\t"
		return insert(string(chars[r.Intn(len(chars))]))
	case 10:
		return insert("<!-- a -- b -->")
	case 11:
		return insert([]string{"<?xml version='1.0'?>", "<!DOCTYPE x>", "<?xml-stylesheet href='a'?>", "<?XML x?>", "</>", "< a>", "<1/>", "<a b c/>"}[r.Intn(8)])
	case 12:
		// a quote replaced: an attribute value loses its start or end
		out := append([]byte{}, doc...)
		from := r.Intn(len(out))
		if k := bytes.IndexAny(out[from:], "'\""); k >= 0 {
			out[from+k] = '`'
		}
		return out
	case 13:
		return insert("\r")
	case 14:
		return insert(" x='1'y='2'")
	case 16:
		return insert(string([]byte{byte(1 + r.Intn(255))}))
	case 17:
		out := append([]byte{}, doc...)
		if len(out) > 0 {
			out[r.Intn(len(out))] = byte(0x20 + r.Intn(0x5f))
		}
		return out
	case 18:
		return insert([]string{"é", "€", "\u2028", "\uFFFE", "\U0001F600", "\xed\xa0\x80", "\xc0\xaf", "\xf4\x90\x80\x80"}[r.Intn(8)])
	case 19:
		return insert([]string{"<q:x></q:y>", "<q:x></x>", "<x></q:x>", "<q:x/>", "<a:b:c/>", "<:x/>", "<x: y='1'/>", "<x xmlns:q='u' q:a='1' q:a='2'/>", "<x xmlns='u' xmlns='v'/>", "<x q:a='1' r:a='2'/>"}[r.Intn(10)])
	default:
		return append(append([]byte{}, doc[:at()]...), []string{"<", "</", "<!", "<!-", "<a", "<a b", "<a b=", "<a b='", "&", "&#", "&#x", "<![CDATA["}[r.Intn(12)]...)
	}
}

// xmllintFirstError runs xmllint on doc and returns the first fatal error
// as libvirt would show it: "line: message" plus the context and caret
// lines xmllint prints ("" when xmllint accepts the document).
func xmllintFirstError(t *testing.T, lint string, doc []byte) (head string, rest []string) {
	dir := t.TempDir()
	f := filepath.Join(dir, "d.xml")
	if err := os.WriteFile(f, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	out, _ := exec.Command(lint, "--noout", f).CombinedOutput()
	lines := strings.Split(string(out), "\n")
	for i, l := range lines {
		if !strings.Contains(l, ": parser error : ") {
			continue
		}
		switch {
		case strings.HasPrefix(l, f+":"):
			l = strings.TrimPrefix(l, f+":")
		case strings.HasPrefix(l, "Entity: line "):
			// an error inside an entity's replacement text: libvirt
			// words it "at line N: …"
			l = "at line " + strings.TrimPrefix(l, "Entity: line ")
		default:
			continue
		}
		head = strings.Replace(l, " parser error : ", " ", 1)
		// the rest of this error: further message lines, context, caret
		for _, m := range lines[i+1:] {
			if strings.HasPrefix(m, f+":") || strings.HasPrefix(m, "Entity: line ") {
				break
			}
			rest = append(rest, m)
		}
		return head, rest
	}
	return "", nil
}

// TestDifferentialAgainstXmllint mutates valid documents and checks that
// the first fatal error agrees with libxml2's (xmllint's) message, line,
// context and caret; it is skipped where xmllint is not installed.
func TestDifferentialAgainstXmllint(t *testing.T) {
	lint, err := exec.LookPath("xmllint")
	if err != nil {
		t.Skip("xmllint not installed")
	}
	seeds := differentialSeeds(t)
	names := make([]string, 0, len(seeds))
	for n := range seeds {
		names = append(names, n)
	}
	sort.Strings(names)
	seed := int64(1)
	if n, err := strconv.ParseInt(os.Getenv("XMLTREE_DIFFERENTIAL_SEED"), 10, 64); err == nil {
		seed = n
	}
	r := rand.New(rand.NewSource(seed))
	cases := 600
	if n, err := strconv.Atoi(os.Getenv("XMLTREE_DIFFERENTIAL_CASES")); err == nil && n > 0 {
		cases = n
	}
	perSeed := cases / len(names)
	if testing.Short() {
		perSeed = 60 / len(names)
	}
	total, rejected, agree, agreeFull := 0, 0, 0, 0
	var mismatches []string
	for _, name := range names {
		for i := 0; i < perSeed+1; i++ {
			doc := mutate(r, seeds[name])
			for extra := r.Intn(3); extra > 0 && len(doc) > 0; extra-- {
				doc = mutate(r, doc)
			}
			if bytes.IndexByte(doc, 0) >= 0 || convertsEncoding(doc) {
				continue
			}
			total++
			wantHead, wantRest := xmllintFirstError(t, lint, doc)
			if wantHead != "" {
				rejected++
			}
			_, gotErr := Parse(doc, "")
			gotHead, gotRest := "", []string(nil)
			if gotErr != nil {
				msg := strings.TrimPrefix(gotErr.Error(), "(document):")
				lines := strings.Split(msg, "\n")
				gotHead, gotRest = lines[0], lines[1:]
			}
			if gotHead != wantHead {
				mismatches = append(mismatches, fmt.Sprintf("%s #%d:\n  xmllint: %q\n  xmltree: %q\n  doc: %q", name, i, wantHead, gotHead, clip(doc)))
				continue
			}
			agree++
			if gotErr == nil || sameContext(gotRest, wantRest) {
				agreeFull++
			} else {
				mismatches = append(mismatches, fmt.Sprintf("%s #%d context:\n  xmllint: %q\n  xmltree: %q\n  doc: %q", name, i, wantRest, gotRest, clip(doc)))
			}
		}
	}
	t.Logf("first error agrees with xmllint in %d/%d mutated documents, %d of them malformed (with context and caret: %d/%d)", agree, total, rejected, agreeFull, total)
	for i, m := range mismatches {
		if i == 40 {
			break
		}
		t.Log(m)
	}
	if total > 0 && agree*100 < total*97 {
		t.Errorf("agreement %d/%d is below 97%%", agree, total)
	}
}

// sameContext compares libvirt's context and caret lines with xmllint's:
// xmllint pads the caret with spaces where libvirt uses '-', and cuts
// lines to 80 bytes, so only shorter lines are compared.
func sameContext(got, want []string) bool {
	for len(want) > 0 && want[len(want)-1] == "" {
		want = want[:len(want)-1]
	}
	if len(got) < 2 || len(want) < 2 {
		return len(got) == len(want)
	}
	gctx, gcaret := got[len(got)-2], got[len(got)-1]
	wctx, wcaret := want[len(want)-2], want[len(want)-1]
	if strings.Join(got[:len(got)-2], "\n") != strings.Join(want[:len(want)-2], "\n") {
		return false
	}
	if len(gctx) >= 80 || gctx == "(null)" {
		return true
	}
	return gctx == wctx && strings.ReplaceAll(gcaret, "-", " ") == wcaret
}

func clip(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "…"
	}
	return string(b)
}
