package domain

import (
	"errors"
	"strings"
	"testing"

	"github.com/govirt/govirt/virt/virterr"
)

// TestMemoryABIUpdate checks virDomainDefPostParseMemory with and without
// VIR_DOMAIN_DEF_PARSE_ABI_UPDATE. The ABI-update results are what
// libvirt 9.0's QEMU driver writes after define (virsh -c
// 'qemu:///embed?root=DIR' define + dumpxml); the plain ones are what its
// test driver writes, which parses without the flag.
func TestMemoryABIUpdate(t *testing.T) {
	const (
		twoCells = "<vcpu>2</vcpu><cpu><numa><cell id='0' cpus='0' memory='1' unit='GiB'/><cell id='1' cpus='1' memory='1' unit='GiB'/></numa></cpu>"
		oneCell  = "<vcpu>2</vcpu><cpu><numa><cell id='0' cpus='0-1' memory='2' unit='GiB'/></numa></cpu>"
		dimm     = "<devices><memory model='dimm'><target><size unit='MiB'>512</size><node>0</node></target></memory></devices>"
		bigDimm  = "<devices><memory model='dimm'><target><size unit='GiB'>2</size><node>0</node></target></memory></devices>"
		slots    = "<maxMemory slots='16' unit='GiB'>8</maxMemory>"
	)
	for _, tc := range []struct {
		name, body string
		abi        bool
		// memory and current are the written <memory> and
		// <currentMemory> in KiB; msg is the error instead.
		memory, current string
		msg             string
	}{
		{"numa bigger, kept", "<memory unit='GiB'>1</memory>" + oneCell, false, "1048576", "1048576", ""},
		{"numa bigger, resized", "<memory unit='GiB'>1</memory>" + oneCell, true, "2097152", "2097152", ""},
		{"numa smaller, balloon clamped", "<memory unit='GiB'>4</memory><currentMemory unit='GiB'>3</currentMemory>" + oneCell, true, "2097152", "2097152", ""},
		{"numa smaller, kept", "<memory unit='GiB'>4</memory><currentMemory unit='GiB'>3</currentMemory>" + oneCell, false, "4194304", "3145728", ""},
		{"cells plus dimm", slots + "<memory unit='GiB'>1</memory><currentMemory unit='MiB'>512</currentMemory>" + twoCells + dimm, true, "2621440", "524288", ""},
		{"dimm over memory, resized", slots + "<memory unit='GiB'>1</memory>" + oneCell + bigDimm, true, "4194304", "4194304", ""},
		{"dimm over memory, refused", slots + "<memory unit='GiB'>1</memory>" + oneCell + bigDimm, false, "", "", "XML error: Total size of memory devices exceeds the total memory size"},
		{"no memory, sized by cells", slots + oneCell + bigDimm, false, "4194304", "4194304", ""},
		{"no memory, sized by cells, new", slots + oneCell + bigDimm, true, "4194304", "4194304", ""},
		{"no numa, kept", "<memory unit='GiB'>1</memory><currentMemory unit='MiB'>512</currentMemory>", true, "1048576", "524288", ""},
		{"no numa, no memory", "", true, "", "", "XML error: Memory size must be specified via <memory> or in the <numa> configuration"},
		{"resized past maxMemory", "<maxMemory slots='16' unit='KiB'>1572864</maxMemory><memory unit='GiB'>1</memory>" + oneCell, true, "", "", "XML error: maximum memory size must be equal or greater than the actual memory size"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := []byte("<domain type='qemu'><name>x</name>" + tc.body + "<os><type arch='x86_64'>hvm</type></os></domain>")
			out, err := defineWith(in, tc.abi)
			if tc.msg != "" {
				var e *virterr.Error
				if !errors.As(err, &e) || e.Code != virterr.XMLError || e.Domain != virterr.FromDomain || e.Message != tc.msg {
					t.Fatalf("got %v, want XML error from the domain: %q", err, tc.msg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{
				"<memory unit='KiB'>" + tc.memory + "</memory>",
				"<currentMemory unit='KiB'>" + tc.current + "</currentMemory>",
			} {
				if !strings.Contains(out, want) {
					t.Errorf("want %s in\n%s", want, out)
				}
			}
			// A definition written after an ABI update reads back
			// the same without one, as a daemon reloading it does.
			again, err := defineWith([]byte(out), false)
			if err != nil {
				t.Fatalf("reloading: %v", err)
			}
			if again != out {
				t.Errorf("reload differs:\n--- first\n%s\n--- reloaded\n%s", out, again)
			}
		})
	}
}

// defineWith is roundTrip with the post-parse of a new definition when
// abi is set.
func defineWith(in []byte, abi bool) (string, error) {
	flags := ParseInactive
	if abi {
		flags |= ParseABIUpdate
	}
	d, err := Parse(in, flags)
	if err != nil {
		return "", err
	}
	opts := testPostParse
	opts.ABIUpdate = flags&ParseABIUpdate != 0
	if err := d.PostParse(opts); err != nil {
		return "", err
	}
	if err := d.Validate(); err != nil {
		return "", err
	}
	return d.Format(FormatInactive), nil
}

// TestMemoryABIUpdateIdempotent: post-parse may run again on a
// definition (an attach re-reads it), and a second ABI update changes
// nothing.
func TestMemoryABIUpdateIdempotent(t *testing.T) {
	in := []byte("<domain type='qemu'><name>x</name><maxMemory slots='4' unit='GiB'>8</maxMemory><memory unit='GiB'>1</memory><vcpu>2</vcpu><cpu><numa><cell id='0' cpus='0-1' memory='1' unit='GiB'/></numa></cpu><os><type>hvm</type></os><devices><memory model='dimm'><target><size unit='GiB'>1</size><node>0</node></target></memory></devices></domain>")
	d, err := Parse(in, ParseInactive|ParseABIUpdate)
	if err != nil {
		t.Fatal(err)
	}
	opts := testPostParse
	opts.ABIUpdate = true
	for i := 0; i < 2; i++ {
		if err := d.PostParse(opts); err != nil {
			t.Fatal(err)
		}
		if d.Memory.Total != 2097152 || d.Memory.Current != 2097152 {
			t.Fatalf("pass %d: memory %d current %d, want 2097152 both", i, d.Memory.Total, d.Memory.Current)
		}
	}
}
