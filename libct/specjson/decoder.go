// Package specjson decodes config.json into the runtime-spec types with
// code generated from those types (zz_generated.go, made by ./gen), not
// with encoding/json's reflection: encoding/json builds a codec for every
// type a runtime-spec Spec reaches the first time it meets it, about 1 ms
// in every fresh rt process, where this decoder walks the document once.
//
// It decodes as encoding/json does, which the tests compare it with:
// object keys match field names exactly or else case-insensitively,
// unknown keys are skipped (their values still checked), null leaves a
// value as it was (and makes pointers, slices and maps nil), a number
// must fit its field and an integer field takes no fraction or exponent,
// invalid UTF-8 in a string becomes U+FFFD, and anything after the
// document is an error. Only the errors' words differ: they name the
// value by its path in the document ("process.args[0]").
package specjson

import (
	"bytes"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// Decoder reads one JSON document from memory.
type Decoder struct {
	buf []byte
	pos int
	// first is set by BeginObject and BeginArray for the Key or More
	// right after them.
	first bool
	// depth is how many objects and arrays are open: encoding/json's
	// bound on it holds here too, for the stack's sake.
	depth int
	// scratch holds a string or key that needed unescaping.
	scratch []byte
}

// Error is a decoding error: where in the document (Path, as a JSON path
// without the leading "$."; Offset, in bytes) and what.
type Error struct {
	Path   string
	Offset int
	Msg    string
}

func (e *Error) Error() string {
	if e.Path == "" {
		return "json: " + e.Msg
	}
	return "json: " + e.Path + ": " + e.Msg
}

// At prefixes err's path with the object key name (generated code calls
// it while an error unwinds, so the path costs nothing otherwise).
func At(err error, name string) error {
	if e, ok := err.(*Error); ok {
		switch {
		case e.Path == "":
			e.Path = name
		case e.Path[0] == '[':
			e.Path = name + e.Path
		default:
			e.Path = name + "." + e.Path
		}
	}
	return err
}

// AtIndex prefixes err's path with the array index i.
func AtIndex(err error, i int) error {
	return At(err, "["+strconv.Itoa(i)+"]")
}

func (d *Decoder) errf(msg string) error { return &Error{Offset: d.pos, Msg: msg} }

// syntaxError reports the byte at d.pos as unexpected where what was.
func (d *Decoder) syntaxError(what string) error {
	if d.pos >= len(d.buf) {
		return d.errf("unexpected end of JSON input")
	}
	return d.errf("invalid character " + quoteChar(d.buf[d.pos]) + " " + what)
}

func quoteChar(c byte) string {
	switch {
	case c == '\'':
		return `'\''`
	case c == '"':
		return `'"'`
	case c < 0x20 || c >= 0x7f:
		return strconv.QuoteRune(rune(c))
	}
	return "'" + string(c) + "'"
}

// typeError is encoding/json's UnmarshalTypeError, in words: got is what
// the document has ("string", "number -1"), typ the Go type.
func (d *Decoder) typeError(got, typ string) error {
	return d.errf("cannot unmarshal " + got + " into a value of type " + typ)
}

// Init starts decoding b.
func (d *Decoder) Init(b []byte) { d.buf, d.pos = b, 0 }

// End checks that nothing but white space follows the document.
func (d *Decoder) End() error {
	d.ws()
	if d.pos < len(d.buf) {
		return d.syntaxError("after top-level value")
	}
	return nil
}

func (d *Decoder) ws() {
	for d.pos < len(d.buf) {
		switch d.buf[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

// peek returns the first byte of the next value (0 at the end).
func (d *Decoder) peek() byte {
	d.ws()
	if d.pos < len(d.buf) {
		return d.buf[d.pos]
	}
	return 0
}

// Null consumes a null if one comes next.
func (d *Decoder) Null() (bool, error) {
	if d.peek() != 'n' {
		return false, nil
	}
	return true, d.literal("null")
}

func (d *Decoder) literal(lit string) error {
	for i := 0; i < len(lit); i++ {
		if d.pos >= len(d.buf) || d.buf[d.pos] != lit[i] {
			return d.syntaxError("in literal " + lit + " (expecting " + quoteChar(lit[i]) + ")")
		}
		d.pos++
	}
	return nil
}

// kindAt names the kind of value starting at d.pos, for type errors.
func (d *Decoder) kindAt() string {
	switch d.peek() {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "bool"
	}
	return "number"
}

// mismatch skips a value of the wrong kind for typ and reports it. Like
// encoding/json, the value must still be well-formed.
func (d *Decoder) mismatch(typ string) error {
	start := d.pos
	got := d.kindAt()
	if err := d.Skip(); err != nil {
		return err
	}
	if got == "number" {
		got = "number " + string(d.buf[start:d.pos])
	}
	end := d.pos
	d.pos = start
	err := d.typeError(got, typ)
	d.pos = end
	return err
}

// BeginObject starts an object; null instead is reported as such (and
// consumed). Key must follow.
func (d *Decoder) BeginObject(typ string) (null bool, err error) {
	switch d.peek() {
	case '{':
		return false, d.open()
	case 'n':
		return true, d.literal("null")
	}
	return false, d.mismatch(typ)
}

// maxDepth is encoding/json's.
const maxDepth = 10000

// open enters the object or array at d.pos.
func (d *Decoder) open() error {
	d.depth++
	if d.depth > maxDepth {
		return d.errf("exceeded max depth")
	}
	d.pos++
	d.first = true
	return nil
}

// Key reads the next key of the object BeginObject started, and the colon
// after it; ok is false at the end of the object. The key is only valid
// until the next call.
func (d *Decoder) Key() (key []byte, ok bool, err error) {
	d.ws()
	if d.pos >= len(d.buf) {
		return nil, false, d.syntaxError("")
	}
	if d.first {
		d.first = false
		if d.buf[d.pos] == '}' {
			d.pos++
			d.depth--
			return nil, false, nil
		}
	} else {
		switch d.buf[d.pos] {
		case ',':
			d.pos++
			d.ws()
		case '}':
			d.pos++
			d.depth--
			return nil, false, nil
		default:
			return nil, false, d.syntaxError("after object key:value pair")
		}
	}
	if d.pos >= len(d.buf) || d.buf[d.pos] != '"' {
		return nil, false, d.syntaxError("looking for beginning of object key string")
	}
	key, err = d.str()
	if err != nil {
		return nil, false, err
	}
	d.ws()
	if d.pos >= len(d.buf) || d.buf[d.pos] != ':' {
		return nil, false, d.syntaxError("after object key")
	}
	d.pos++
	return key, true, nil
}

// BeginArray starts an array; null instead is reported as such. More
// must follow.
func (d *Decoder) BeginArray(typ string) (null bool, err error) {
	switch d.peek() {
	case '[':
		return false, d.open()
	case 'n':
		return true, d.literal("null")
	}
	return false, d.mismatch(typ)
}

// More moves to the next element of the array BeginArray started; it is
// false at the end of the array.
func (d *Decoder) More() (bool, error) {
	d.ws()
	if d.pos >= len(d.buf) {
		return false, d.syntaxError("")
	}
	if d.first {
		d.first = false
		if d.buf[d.pos] == ']' {
			d.pos++
			d.depth--
			return false, nil
		}
		return true, nil
	}
	switch d.buf[d.pos] {
	case ',':
		d.pos++
		return true, nil
	case ']':
		d.pos++
		d.depth--
		return false, nil
	}
	return false, d.syntaxError("after array element")
}

// str reads a string literal at d.pos ('"'); the result aliases the
// document or d.scratch.
func (d *Decoder) str() ([]byte, error) {
	d.pos++
	start := d.pos
	ascii := true
	for d.pos < len(d.buf) {
		c := d.buf[d.pos]
		switch {
		case c == '"':
			s := d.buf[start:d.pos]
			d.pos++
			if !ascii && !utf8.Valid(s) {
				d.scratch = appendValid(d.scratch[:0], s)
				return d.scratch, nil
			}
			return s, nil
		case c == '\\':
			return d.unescape(start)
		case c < 0x20:
			return nil, d.syntaxError("in string literal")
		case c >= utf8.RuneSelf:
			ascii = false
		}
		d.pos++
	}
	return nil, d.syntaxError("")
}

// appendValid appends s with every invalid UTF-8 byte as U+FFFD.
func appendValid(dst, s []byte) []byte {
	for len(s) > 0 {
		r, n := utf8.DecodeRune(s)
		if r == utf8.RuneError && n == 1 {
			dst = utf8.AppendRune(dst, utf8.RuneError)
		} else {
			dst = append(dst, s[:n]...)
		}
		s = s[n:]
	}
	return dst
}

// unescape finishes a string with escapes that started at start.
func (d *Decoder) unescape(start int) ([]byte, error) {
	out := appendValid(d.scratch[:0], d.buf[start:d.pos])
	for d.pos < len(d.buf) {
		c := d.buf[d.pos]
		switch {
		case c == '"':
			d.pos++
			d.scratch = out
			return out, nil
		case c < 0x20:
			return nil, d.syntaxError("in string literal")
		case c == '\\':
			d.pos++
			if d.pos >= len(d.buf) {
				return nil, d.syntaxError("")
			}
			switch e := d.buf[d.pos]; e {
			case '"', '\\', '/':
				out = append(out, e)
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'u':
				r, err := d.hex4()
				if err != nil {
					return nil, err
				}
				if utf16.IsSurrogate(r) {
					// A pair, or U+FFFD.
					r2 := rune(-1)
					if d.pos+6 < len(d.buf) && d.buf[d.pos+1] == '\\' && d.buf[d.pos+2] == 'u' {
						save := d.pos
						d.pos += 2
						if r2, err = d.hex4(); err != nil {
							return nil, err
						}
						if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
							r = dec
						} else {
							d.pos = save
							r = utf8.RuneError
						}
					} else {
						r = utf8.RuneError
					}
				}
				out = utf8.AppendRune(out, r)
			default:
				return nil, d.syntaxError("in string escape code")
			}
			d.pos++
		case c < utf8.RuneSelf:
			out = append(out, c)
			d.pos++
		default:
			r, n := utf8.DecodeRune(d.buf[d.pos:])
			if r == utf8.RuneError && n == 1 {
				out = utf8.AppendRune(out, utf8.RuneError)
			} else {
				out = append(out, d.buf[d.pos:d.pos+n]...)
			}
			d.pos += n
		}
	}
	return nil, d.syntaxError("")
}

// hex4 reads the 4 hex digits after "\u" (d.pos is at 'u') and leaves
// d.pos on the last.
func (d *Decoder) hex4() (rune, error) {
	var r rune
	for i := 0; i < 4; i++ {
		d.pos++
		if d.pos >= len(d.buf) {
			return 0, d.syntaxError("")
		}
		c := d.buf[d.pos]
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, d.syntaxError("in \\u hexadecimal character escape")
		}
		r = r<<4 | rune(c)
	}
	return r, nil
}

// number reads a number literal and returns its text.
func (d *Decoder) number() ([]byte, error) {
	start := d.pos
	b := d.buf
	i := d.pos
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && '1' <= b[i] && b[i] <= '9':
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			i++
		}
	default:
		d.pos = i
		return nil, d.syntaxError("in numeric literal")
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			d.pos = i
			return nil, d.syntaxError("after decimal point in numeric literal")
		}
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			i++
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			d.pos = i
			return nil, d.syntaxError("in exponent of numeric literal")
		}
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			i++
		}
	}
	d.pos = i
	return b[start:i], nil
}

// Skip skips one value, checking its syntax.
func (d *Decoder) Skip() error {
	switch d.peek() {
	case '{':
		if _, err := d.BeginObject(""); err != nil {
			return err
		}
		for {
			_, ok, err := d.Key()
			if err != nil || !ok {
				return err
			}
			if err := d.Skip(); err != nil {
				return err
			}
		}
	case '[':
		if _, err := d.BeginArray(""); err != nil {
			return err
		}
		for {
			more, err := d.More()
			if err != nil || !more {
				return err
			}
			if err := d.Skip(); err != nil {
				return err
			}
		}
	case '"':
		_, err := d.str()
		return err
	case 't':
		return d.literal("true")
	case 'f':
		return d.literal("false")
	case 'n':
		return d.literal("null")
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		_, err := d.number()
		return err
	}
	return d.syntaxError("looking for beginning of value")
}

// Match returns the index of the name in names that key matches
// case-insensitively (the exact matches are the generated switches'),
// or -1.
func Match(key []byte, names []string) int {
	for i, n := range names {
		if len(n) == len(key) || !isASCII(key) {
			if bytes.EqualFold(key, []byte(n)) {
				return i
			}
		}
	}
	return -1
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
