// Package parseerrors checks, across the XML packages, that a malformed
// document is reported in the error domain libvirt's parser for that
// document uses: virXMLParse takes the VIR_FROM_THIS of the conf file that
// calls it, and python3-libvirt or go-libvirt clients read it back.
package parseerrors

import (
	"errors"
	"testing"

	"github.com/govirt/govirt/internal/conf/backup"
	"github.com/govirt/govirt/internal/conf/capabilities"
	"github.com/govirt/govirt/internal/conf/checkpoint"
	"github.com/govirt/govirt/internal/conf/domaincaps"
	"github.com/govirt/govirt/internal/conf/encryption"
	"github.com/govirt/govirt/internal/conf/iface"
	"github.com/govirt/govirt/internal/conf/network"
	"github.com/govirt/govirt/internal/conf/networkport"
	"github.com/govirt/govirt/internal/conf/nodedev"
	"github.com/govirt/govirt/internal/conf/nwfilter"
	"github.com/govirt/govirt/internal/conf/secret"
	"github.com/govirt/govirt/internal/conf/snapshot"
	"github.com/govirt/govirt/internal/conf/storage"
	"github.com/govirt/govirt/virt/virterr"
)

// The domains for node devices, snapshots, checkpoints, volumes and network
// updates were read from python3-libvirt against libvirt 9.0's test driver;
// the others follow the same VIR_FROM_THIS rule.
func TestMalformedDocumentErrorDomain(t *testing.T) {
	malformed := []byte("<x>\n<y>\n")
	parsers := []struct {
		name   string
		parse  func([]byte) error
		domain virterr.Domain
	}{
		{"network", func(b []byte) error { _, err := network.Parse(b); return err }, virterr.FromNetwork},
		{"network port", func(b []byte) error { _, err := networkport.Parse(b); return err }, virterr.FromNetwork},
		{"storage pool", func(b []byte) error { _, err := storage.ParsePool(b); return err }, virterr.FromStorage},
		{"storage pool source", func(b []byte) error { _, err := storage.ParsePoolSource(b, "logical"); return err }, virterr.FromStorage},
		{"storage volume", func(b []byte) error { _, err := storage.ParseVolume(b, nil, 0); return err }, virterr.FromStorage},
		{"encryption", func(b []byte) error { _, err := encryption.Parse(b); return err }, virterr.FromStorage},
		{"secret", func(b []byte) error { _, err := secret.Parse(b); return err }, virterr.FromSecret},
		{"nwfilter", func(b []byte) error { _, err := nwfilter.Parse(b); return err }, virterr.FromNwfilter},
		{"nwfilter binding", func(b []byte) error { _, err := nwfilter.ParseBinding(b); return err }, virterr.FromNwfilter},
		{"node device", func(b []byte) error { _, err := nodedev.Parse(b); return err }, virterr.FromNodedev},
		{"interface", func(b []byte) error { _, err := iface.Parse(b); return err }, virterr.FromInterface},
		{"snapshot", func(b []byte) error { _, err := snapshot.Parse(b, 0); return err }, virterr.FromDomainSnapshot},
		{"checkpoint", func(b []byte) error { _, err := checkpoint.Parse(b, 0); return err }, virterr.FromDomainCheckpoint},
		{"backup", func(b []byte) error { _, err := backup.Parse(b, 0); return err }, virterr.FromDomain},
		{"capabilities", func(b []byte) error { _, err := capabilities.Parse(b); return err }, virterr.FromCapabilities},
		{"domain capabilities", func(b []byte) error { _, err := domaincaps.Parse(b); return err }, virterr.FromCapabilities},
	}
	for _, p := range parsers {
		err := p.parse(malformed)
		var e *virterr.Error
		if !errors.As(err, &e) {
			t.Errorf("%s: %v is not a *virterr.Error", p.name, err)
			continue
		}
		if e.Code != virterr.XMLDetail || e.Domain != p.domain {
			t.Errorf("%s: code %v domain %v, want VIR_ERR_XML_DETAIL in %v", p.name, e.Code, e.Domain, p.domain)
		}
	}
}
