package command

import "strings"

func init() {
	RegisterStep("smartcards", buildSmartcards)
}

// defaultSmartcardDB is VIR_DOMAIN_SMARTCARD_DEFAULT_DATABASE.
const defaultSmartcardDB = "/etc/pki/nssdb"

// buildSmartcards is qemuBuildSmartcardCommandLine; QEMU takes one card.
func buildSmartcards(b *Builder) error {
	if b.Def.Devices == nil {
		return nil
	}
	cards := b.Def.Devices.Kind("smartcard")
	if len(cards) == 0 {
		return nil
	}
	sc := cards[0]
	var p *Props
	switch sc.Attr("mode") {
	case "host":
		p = NewProps().Str("driver", "ccid-card-emulated").Str("backend", "nss-emulated")
	case "host-certificates":
		certs := childrenNamed(sc, "certificate")
		cert := func(i int) string {
			if i < len(certs) {
				return strings.TrimSpace(certs[i].Text)
			}
			return ""
		}
		db := defaultSmartcardDB
		if d := sc.Child("database"); d != nil {
			db = strings.TrimSpace(d.Text)
		}
		p = NewProps().Str("driver", "ccid-card-emulated").Str("backend", "certificates").
			Str("cert1", cert(0)).Str("cert2", cert(1)).Str("cert3", cert(2)).Str("db", db)
	case "passthrough":
		chr := "char" + sc.Info.Alias
		if sc.Chr != nil {
			if err := b.addDeviceChardev(sc.Chr, chr, ChardevOptions{Spicevmc: "smartcard"}); err != nil {
				return err
			}
		}
		p = NewProps().Str("driver", "ccid-card-passthru").Str("chardev", chr)
	default:
		return Unsupported("unknown smartcard mode '%s'", sc.Attr("mode"))
	}
	var controller uint64
	if a := sc.Info.Address; a != nil && a.Type == "ccid" {
		controller = a.Controller
	}
	alias, err := findControllerAlias(b.Def, "ccid", controller)
	if err != nil {
		return err
	}
	p.Str("id", sc.Info.Alias).Str("bus", alias+".0")
	return b.AddDevice(p)
}
