package web

import "testing"

func TestLocalPath(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		v    string
		want bool
	}{
		{"/", true},
		{"/accounts", true},
		{"/accounts?q=acme&sort=-mrr#timeline", true},
		{"/retention/accounts?from=2026-01-01&product=Core%20Suite", true},
		{"/a/../b", true},
		{"/%2F%2Fevil.example", false}, // harmless encoded, but no page of Tend looks like it
		{"/accounts/1?q=a b", true},

		{"", false},
		{"accounts", false},
		{"//evil.example", false},
		{"///evil.example", false},
		{"/\\evil.example", false},
		{"\\\\evil.example", false},
		{"/a\\..\\..\\evil", false},
		{"/\t/evil.example/x", false}, // the issue's /%09/evil.example/x, decoded
		{"/\n/evil.example", false},
		{"/\r/evil.example", false},
		{"/x\t", false},
		{"/\x00/evil.example", false},
		{"/\x7f", false},
		{" //evil.example", false},
		{"\t//evil.example", false},
		{"https://evil.example", false},
		{"http:/evil.example", false},
		{"javascript:alert(1)", false},
		{"JavaScript:alert(1)", false},
		{"data:text/html,hi", false},
		{"evil.example", false},
		{"@evil.example", false},
		{"/" + string(make([]byte, 3000)), false},
	} {
		if got := localPath(tc.v); got != tc.want {
			t.Errorf("localPath(%q) = %v, want %v", tc.v, got, tc.want)
		}
	}
}
