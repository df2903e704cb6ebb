package specjson

import (
	"sort"
	"strconv"
	"unicode/utf8"
)

// AppendString appends s as a JSON string exactly as encoding/json's
// Marshal writes it: HTML's <, > and & escaped, invalid UTF-8 as U+FFFD,
// U+2028 and U+2029 escaped. Small records (state.json, the state that
// `rt state` prints) are written with it rather than with encoding/json,
// whose encoders are built by reflection in every fresh rt process.
func AppendString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// AppendMap appends m as a JSON object with its keys sorted, as
// encoding/json writes a map[string]string.
func AppendMap(dst []byte, m map[string]string) []byte {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	dst = append(dst, '{')
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = AppendString(dst, k)
		dst = append(dst, ':')
		dst = AppendString(dst, m[k])
	}
	return append(dst, '}')
}

// Fields writes the members of an object one after another.
type Fields struct {
	B []byte
	n int
}

func (f *Fields) key(k string) {
	if f.n == 0 {
		f.B = append(f.B, '{')
	} else {
		f.B = append(f.B, ',')
	}
	f.n++
	f.B = append(f.B, '"')
	f.B = append(f.B, k...)
	f.B = append(f.B, '"', ':')
}

// Str adds a string member.
func (f *Fields) Str(k, v string) { f.key(k); f.B = AppendString(f.B, v) }

// Int adds a number member.
func (f *Fields) Int(k string, v int64) { f.key(k); f.B = strconv.AppendInt(f.B, v, 10) }

// Uint adds a number member.
func (f *Fields) Uint(k string, v uint64) { f.key(k); f.B = strconv.AppendUint(f.B, v, 10) }

// Map adds an object member.
func (f *Fields) Map(k string, m map[string]string) { f.key(k); f.B = AppendMap(f.B, m) }

// Raw adds a member whose value is already JSON.
func (f *Fields) Raw(k string, v []byte) { f.key(k); f.B = append(f.B, v...) }

// End closes the object.
func (f *Fields) End() []byte {
	if f.n == 0 {
		f.B = append(f.B, '{')
	}
	return append(f.B, '}')
}
