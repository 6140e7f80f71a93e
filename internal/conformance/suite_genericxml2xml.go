package conformance

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/govirt/govirt/internal/conf/domain"
)

// genericCase is one line of libvirt's tests/genericxml2xmltest.c.
type genericCase struct {
	different bool // expected output lives in genericxml2xmloutdata
	inactive  bool // parse and format as a persistent config
	fail      bool // parsing (with validation) must fail
}

// genericCases is libvirt's table: DO_TEST_DIFFERENT, DO_TEST_FAIL_ACTIVE
// and DO_TEST_FAIL_INACTIVE entries. Everything else is DO_TEST (live,
// compared with its own input).
var genericCases = map[string]genericCase{
	"disk-virtio":                                     {different: true},
	"disk-hyperv-physical":                            {different: true},
	"disk-hyperv-virtual":                             {different: true},
	"graphics-vnc-minimal":                            {different: true},
	"graphics-vnc-manual-port":                        {different: true},
	"graphics-vnc-socket":                             {different: true},
	"graphics-vnc-socket-listen":                      {different: true},
	"graphics-listen-back-compat":                     {different: true},
	"graphics-listen-back-compat-mismatch":            {fail: true},
	"graphics-vnc-listen-attr-only":                   {different: true},
	"graphics-vnc-listen-element-minimal":             {different: true},
	"graphics-vnc-listen-element-with-address":        {different: true},
	"graphics-vnc-socket-attr-listen-address":         {different: true},
	"graphics-vnc-socket-attr-listen-socket":          {different: true},
	"graphics-vnc-socket-attr-listen-socket-mismatch": {fail: true},
	"graphics-listen-network-invalid":                 {fail: true, inactive: true},
	"name-slash-fail":                                 {fail: true},
	"network-interface-mac-clear":                     {different: true},
	"chardev-tcp":                                     {different: true},
	"chardev-tcp-missing-host":                        {fail: true},
	"chardev-tcp-missing-service":                     {fail: true},
	"chardev-tcp-multiple-source":                     {fail: true},
	"chardev-udp":                                     {different: true},
	"chardev-udp-missing-connect-service":             {fail: true},
	"chardev-udp-multiple-source":                     {fail: true},
	"chardev-unix":                                    {different: true},
	"chardev-unix-smartcard-missing-path":             {fail: true},
	"chardev-unix-redirdev-missing-path":              {fail: true},
	"chardev-unix-rng-missing-path":                   {fail: true},
	"chardev-reconnect":                               {different: true},
	"chardev-reconnect-missing-timeout":               {fail: true},
	"chardev-reconnect-invalid-mode":                  {fail: true},
	"cachetune-extra-tunes":                           {different: true},
	"cachetune-colliding-allocs":                      {fail: true, inactive: true},
	"cachetune-colliding-tunes":                       {fail: true, inactive: true},
	"cachetune-colliding-types":                       {fail: true, inactive: true},
	"cachetune-colliding-monitor":                     {fail: true, inactive: true},
	"memorytune":                                      {different: true},
	"memorytune-colliding-allocs":                     {fail: true, inactive: true},
	"memorytune-colliding-cachetune":                  {fail: true, inactive: true},
	"cputune":                                         {different: true},
}

// genericRoundTrip is testCompareDomXML2XMLFiles: parse (post-parse and
// validation included, as virDomainDefParseFile does), then format.
func genericRoundTrip(in []byte, inactive bool) (string, error) {
	pflags := domain.ParseFlags(0)
	fflags := domain.FormatSecure
	if inactive {
		pflags |= domain.ParseInactive
		fflags |= domain.FormatInactive
	}
	d, err := domain.Parse(in, pflags)
	if err != nil {
		return "", err
	}
	if err := d.PostParse(genericPostParse); err != nil {
		return "", err
	}
	if err := d.Validate(); err != nil {
		return "", err
	}
	return d.Format(fflags), nil
}

func init() {
	register(Suite{Name: "genericxml2xmlindata", Run: func(corpus string) ([]Result, error) {
		names, err := Inputs(corpus, "genericxml2xmlindata", ".xml")
		if err != nil {
			return nil, err
		}
		var res []Result
		for _, n := range names {
			n := n
			tc := genericCases[strings.TrimSuffix(n, ".xml")]
			res = append(res, Check(n, func() error {
				in, err := os.ReadFile(filepath.Join(corpus, "genericxml2xmlindata", n))
				if err != nil {
					return err
				}
				got, err := genericRoundTrip(in, tc.inactive)
				if tc.fail {
					if err == nil {
						return errors.New("expected a parse failure, parsed fine")
					}
					return nil
				}
				if err != nil {
					return err
				}
				wantFile := filepath.Join(corpus, "genericxml2xmlindata", n)
				if tc.different {
					wantFile = filepath.Join(corpus, "genericxml2xmloutdata", n)
				}
				want, err := os.ReadFile(wantFile)
				if err != nil {
					return fmt.Errorf("expected output: %w", err)
				}
				return Diff(string(want), got)
			}))
		}
		return res, nil
	}})
}

// genericPostParse stands for virTestGenericCapsInit: an x86_64 host whose
// "test" hypervisor runs i686 and x86_64 hvm guests, no machine types.
var genericPostParse = domain.PostParseOptions{
	DefaultArch: func(osType, virtType string) string {
		if osType == "hvm" {
			return "x86_64"
		}
		return ""
	},
}
