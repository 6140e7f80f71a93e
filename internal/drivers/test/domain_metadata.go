package test

import (
	"context"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/virt/virterr"
)

// virDomainMetadataType.
const (
	metadataDescription = domain.MetadataDescription
	metadataTitle       = domain.MetadataTitle
	metadataElement     = domain.MetadataElement
)

func domainErr(code virterr.Code, format string, args ...any) error {
	return virterr.NewFrom(virterr.FromDomain, code, format, args...)
}

// DomainSetMetadata sets or removes the description, the title or an
// application's element in <metadata> (virDomainObjSetMetadata), and
// announces it with METADATA_CHANGE.
func (c *conn) DomainSetMetadata(ctx context.Context, dom driver.DomainRef, typ int32, metadata *string, key *string, uri *string, flags uint32) error {
	if err := c.denyReadOnly("virDomainSetMetadata"); err != nil {
		return err
	}
	if err := unsupportedFlags(flags, affectLive|affectConfig, "testDomainSetMetadata"); err != nil {
		return err
	}
	return c.update(dom, func(o *domainObj) ([]event, error) {
		live, config, err := bothDefs(o, flags)
		if err != nil {
			return nil, err
		}
		change, err := domain.NewMetadataChange(typ, deref(metadata), deref(key), deref(uri))
		if err != nil {
			return nil, err
		}
		if live {
			change.Apply(o.def)
		}
		if config && (!live || o.persistentDef() != o.def) {
			change.Apply(o.persistentDef())
		}
		ref := o.ref()
		var nsuri *string
		if typ == metadataElement && uri != nil {
			u := *uri
			nsuri = &u
		}
		return []event{func() {
			c.st.events.Emit(ref, driver.Event{Kind: driver.EventDomain, ID: eventIDMetadataChange,
				Payload: &driver.DomainEventCallbackMetadataChangeMsg{Dom: ref, Type: typ, Nsuri: nsuri}})
		}}, nil
	})
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// DomainGetMetadata reads the description, the title or an application's
// element (virDomainObjGetMetadata).
func (c *conn) DomainGetMetadata(ctx context.Context, dom driver.DomainRef, typ int32, uri *string, flags uint32) (string, error) {
	if err := unsupportedFlags(flags, affectLive|affectConfig, "testDomainGetMetadata"); err != nil {
		return "", err
	}
	var out string
	err := c.read(dom, func(o *domainObj) error {
		def, _, err := oneDef(o, flags)
		if err != nil {
			return err
		}
		out, err = def.GetMetadata(typ, deref(uri))
		return err
	})
	return out, err
}
