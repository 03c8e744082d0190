package probe

import (
	"fmt"
	"strings"
)

// unreservedPunctuation is what escape leaves alone besides ASCII letters and digits.
// It matches Python's urllib.parse.quote(value, safe="/:,+@"), which the Python probe
// uses, so both probes print byte-identical lines.
const unreservedPunctuation = "_.-~/:,+@"

const upperHex = "0123456789ABCDEF"

func escape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isUnreserved(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(upperHex[c>>4])
		b.WriteByte(upperHex[c&15])
	}
	return b.String()
}

func isUnreserved(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte(unreservedPunctuation, c) >= 0
}

// unescape reverses escape and rejects anything escape would not have produced, so a
// line mangled on its way out of a VM fails loudly instead of parsing differently.
func unescape(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '%' {
			if !isUnreserved(c) {
				return "", fmt.Errorf("unescaped byte %q in %q", c, s)
			}
			b.WriteByte(c)
			continue
		}
		decoded, err := decodeHexPair(s, i+1)
		if err != nil {
			return "", err
		}
		b.WriteByte(decoded)
		i += 2
	}
	return b.String(), nil
}

func decodeHexPair(s string, at int) (byte, error) {
	if at+2 > len(s) {
		return 0, fmt.Errorf("truncated escape in %q", s)
	}
	high := strings.IndexByte(upperHex, s[at])
	low := strings.IndexByte(upperHex, s[at+1])
	if high < 0 || low < 0 {
		return 0, fmt.Errorf("invalid escape %q in %q", s[at-1:at+2], s)
	}
	return byte(high<<4 | low), nil
}
