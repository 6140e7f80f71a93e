package storage

import "github.com/govirt/govirt/internal/conf/xmlbuf"

// poolTypeOrder is libvirt's virStoragePoolType order, in which storage
// pool capabilities list the types.
var poolTypeOrder = []string{
	PoolDir, PoolFS, PoolNetFS, PoolLogical, PoolDisk, PoolISCSI, PoolISCSIDirect,
	PoolSCSI, PoolMpath, PoolRBD, PoolSheepdog, PoolGluster, PoolZFS, PoolVStorage,
}

// volFormatEnum is what capabilities list as a pool type's volume
// formats: libvirt prints its enum from index 0 ("none" for files) up to
// the type's last format; rbd declares no last format and lists none.
func volFormatEnum(poolType string) []string {
	switch poolType {
	case PoolRBD:
		return nil
	case PoolDisk:
		return diskVolFormats
	}
	return append([]string{"none"}, fileVolFormats...)
}

// FormatPoolCapabilities writes the <storagepoolCapabilities> document
// (virStoragePoolCapsFormat); supported says which pool types the
// running daemon has a backend for.
func FormatPoolCapabilities(supported func(poolType string) bool) string {
	b := xmlbuf.New()
	b.AddLit("<storagepoolCapabilities>\n")
	b.AdjustIndent(2)
	for _, t := range poolTypeOrder {
		opts := poolTypes[t]
		yes := "no"
		if supported != nil && supported(t) {
			yes = "yes"
		}
		b.Asprintf("<pool type='%s' supported='%s'>\n", t, yes)
		b.AdjustIndent(2)
		if opts.poolFormats != nil {
			formatOptions(b, "poolOptions", opts.defaultPoolFormat, "sourceFormatType", opts.poolFormats)
		}
		if opts.volFormats != nil {
			formatOptions(b, "volOptions", opts.defaultVolFormat, "targetFormatType", volFormatEnum(t))
		}
		b.AdjustIndent(-2)
		b.AddLit("</pool>\n")
	}
	b.AdjustIndent(-2)
	b.AddLit("</storagepoolCapabilities>\n")
	return b.String()
}

func formatOptions(b *xmlbuf.Buffer, element, def, enum string, values []string) {
	b.Asprintf("<%s>\n", element)
	b.AdjustIndent(2)
	b.Asprintf("<defaultFormat type='%s'/>\n", def)
	b.Asprintf("<enum name='%s'>\n", enum)
	b.AdjustIndent(2)
	for _, v := range values {
		b.Asprintf("<value>%s</value>\n", xmlbuf.Escape(v))
	}
	b.AdjustIndent(-2)
	b.AddLit("</enum>\n")
	b.AdjustIndent(-2)
	b.Asprintf("</%s>\n", element)
}
