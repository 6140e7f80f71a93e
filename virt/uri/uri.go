// Package uri is libvirt's connection URI:
// driver[+transport]://[user@][host][:port]/path[?query][#fragment],
// with libvirt's query parameters, the default URI (LIBVIRT_DEFAULT_URI,
// uri_default) and aliases (uri_aliases) of libvirt.conf.
package uri

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/govirt/govirt/virt/virterr"
)

// Param is one query parameter, in the order the URI gives them.
type Param struct {
	Name  string
	Value string
}

// URI is a parsed connection URI (libvirt's virURI).
type URI struct {
	Scheme   string // "qemu+ssh": driver and transport
	User     string
	Host     string // without the brackets of an IPv6 address
	Port     int    // 0 when absent
	Path     string // unescaped; "" when absent
	RawQuery string // the query as written
	Fragment string
	Params   []Param

	opaque bool // "scheme:rest" without "//"
}

// Parse reads a URI as libvirt's virURIParse does (libxml2's RFC 3986
// reader, then the query split into parameters).
func Parse(s string) (*URI, error) {
	pu, err := url.Parse(s)
	if err != nil || strings.ContainsAny(s, " \t\n\"<>\\^`{|}") {
		return nil, virterr.NewFrom(virterr.FromURI, virterr.InternalError, "Unable to parse URI %s", s)
	}
	u := &URI{
		Scheme:   pu.Scheme,
		Path:     pu.Path,
		RawQuery: pu.RawQuery,
		Fragment: pu.Fragment,
	}
	if pu.Opaque != "" {
		u.opaque = true
		u.Path = pu.Opaque
	}
	if pu.User != nil {
		u.User = pu.User.String()
		if un, err := url.PathUnescape(u.User); err == nil {
			u.User = un
		}
	}
	u.Host = pu.Hostname()
	if p := pu.Port(); p != "" && u.Host != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || n > 65535 {
			return nil, virterr.NewFrom(virterr.FromURI, virterr.InternalError, "Unable to parse URI %s", s)
		}
		u.Port = n
	}
	u.Params = parseParams(u.RawQuery)
	return u, nil
}

// parseParams splits a query as virURIParseParams does: '&' (or, when a
// section has none, ';') separates, "name" alone has an empty value and
// "=value" is ignored.
func parseParams(query string) []Param {
	var out []Param
	for query != "" {
		end := strings.IndexByte(query, '&')
		if end < 0 {
			end = strings.IndexByte(query, ';')
		}
		if end < 0 {
			end = len(query)
		}
		sect := query[:end]
		if sect != "" {
			eq := strings.IndexByte(sect, '=')
			switch {
			case eq < 0:
				out = append(out, Param{unescape(sect), ""})
			case eq == 0:
				// "=value": ignored, as CGI.pm does
			default:
				out = append(out, Param{unescape(sect[:eq]), unescape(sect[eq+1:])})
			}
		}
		query = query[end:]
		if query != "" {
			query = query[1:]
		}
	}
	return out
}

// unescape decodes %XX as libxml2's xmlURIUnescapeString does: '+' stays.
func unescape(s string) string {
	if v, err := url.PathUnescape(s); err == nil {
		return v
	}
	return s
}

// Driver is the scheme's part before '+': the hypervisor driver's name.
func (u *URI) Driver() string {
	d, _, _ := strings.Cut(u.Scheme, "+")
	return d
}

// Transport is the scheme's part after '+' ("ssh", "tls", "unix", …), or "".
func (u *URI) Transport() string {
	_, t, _ := strings.Cut(u.Scheme, "+")
	return t
}

// IsRemote reports whether the URI names a transport or a host, so that
// libvirt hands it to the remote driver rather than a local one.
func (u *URI) IsRemote() bool { return u.Transport() != "" || u.Host != "" }

// Param returns the value of the last query parameter called name.
func (u *URI) Param(name string) (string, bool) {
	for i := len(u.Params) - 1; i >= 0; i-- {
		if u.Params[i].Name == name {
			return u.Params[i].Value, true
		}
	}
	return "", false
}

// String writes the URI back as libvirt's virURIFormat does.
func (u *URI) String() string {
	var b strings.Builder
	if u.Scheme != "" {
		b.WriteString(u.Scheme)
		b.WriteByte(':')
	}
	if u.opaque {
		b.WriteString(u.Path)
	} else {
		if u.Scheme != "" || u.Host != "" || u.User != "" {
			b.WriteString("//")
		}
		if u.User != "" {
			b.WriteString(escapeUser(u.User))
			b.WriteByte('@')
		}
		if strings.Contains(u.Host, ":") {
			b.WriteString("[" + u.Host + "]")
		} else {
			b.WriteString(u.Host)
		}
		if u.Port > 0 {
			b.WriteByte(':')
			b.WriteString(strconv.Itoa(u.Port))
		}
		b.WriteString((&url.URL{Path: u.Path}).EscapedPath())
	}
	if u.RawQuery != "" {
		b.WriteByte('?')
		b.WriteString(u.RawQuery)
	}
	if u.Fragment != "" {
		b.WriteByte('#')
		b.WriteString(url.PathEscape(u.Fragment))
	}
	return b.String()
}

func escapeUser(s string) string {
	return strings.NewReplacer("@", "%40", "/", "%2F", "?", "%3F", "#", "%23").Replace(s)
}

// FormatParams writes the parameters not in skip as a query
// (virURIFormatParams), for handing the rest on to a remote daemon.
func (u *URI) FormatParams(skip ...string) string {
	var b strings.Builder
	for _, p := range u.Params {
		skipped := false
		for _, s := range skip {
			if s == p.Name {
				skipped = true
				break
			}
		}
		if skipped {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.Name)
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(p.Value))
	}
	return b.String()
}
