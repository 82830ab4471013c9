package web

import (
	"net/url"
	"strings"
)

// localPath reports whether v, a destination taken from a request (the
// sign-in page's next, a form's return), is a path on this site, so that
// redirecting to it cannot take anyone elsewhere. It judges v as a
// browser would read it in a Location header: browsers drop tabs and line
// breaks anywhere and read a backslash as a slash, so "/\t/evil.example"
// and "/\evil.example" both mean "//evil.example", another host. Every
// redirect to a destination from a request goes through here.
func localPath(v string) bool {
	if len(v) == 0 || v[0] != '/' || len(v) > 2048 {
		return false
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 || c == 0x7f || c == '\\' {
			return false
		}
	}
	if strings.HasPrefix(v, "//") {
		return false
	}
	u, err := url.Parse(v)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return false
	}
	return strings.HasPrefix(u.Path, "/") && !strings.HasPrefix(u.Path, "//")
}
