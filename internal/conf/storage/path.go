package storage

import "strings"

// sanitizePath removes redundant slashes from a path as libvirt's
// virFileSanitizePath does: "//" stays a leading pair (POSIX allows it),
// runs of slashes collapse, a trailing slash goes; URIs are left alone.
func sanitizePath(path string) string {
	if u := strings.Index(path, "://"); u >= 0 && strings.IndexByte(path, '/') > u {
		return path
	}
	var out []byte
	cur := 0
	if len(path) >= 2 && path[0] == '/' && path[1] == '/' && (len(path) == 2 || path[2] != '/') {
		out = append(out, '/', '/')
		cur = 2
	}
	for cur < len(path) {
		if path[cur] != '/' {
			out = append(out, path[cur])
			cur++
			continue
		}
		for cur < len(path) && path[cur] == '/' {
			cur++
		}
		if len(out) != 0 && cur == len(path) {
			break
		}
		out = append(out, '/')
	}
	return string(out)
}
