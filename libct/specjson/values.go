package specjson

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// The decoders of values the generated code calls, one per kind.

// Str decodes a string.
func Str[T ~string](d *Decoder, p *T) error {
	switch d.peek() {
	case '"':
		s, err := d.str()
		if err != nil {
			return err
		}
		*p = T(s)
		return nil
	case 'n':
		return d.literal("null")
	}
	return d.mismatch("string")
}

// Bool decodes a bool.
func Bool[T ~bool](d *Decoder, p *T) error {
	switch d.peek() {
	case 't':
		*p = true
		return d.literal("true")
	case 'f':
		*p = false
		return d.literal("false")
	case 'n':
		return d.literal("null")
	}
	return d.mismatch("bool")
}

// numberFor reads a number for an integer or float field of type typ;
// null is reported as nil text.
func (d *Decoder) numberFor(typ string) ([]byte, error) {
	switch c := d.peek(); {
	case c == '-' || '0' <= c && c <= '9':
		return d.number()
	case c == 'n':
		return nil, d.literal("null")
	}
	return nil, d.mismatch(typ)
}

// Int decodes a signed integer of the given bit size.
func Int[T ~int | ~int8 | ~int16 | ~int32 | ~int64](d *Decoder, p *T, bits int, typ string) error {
	start := d.pos
	num, err := d.numberFor(typ)
	if num == nil || err != nil {
		return err
	}
	v, perr := strconv.ParseInt(string(num), 10, bits)
	if perr != nil {
		return d.numberError(start, num, typ)
	}
	*p = T(v)
	return nil
}

// numberError reports num, read from start on, as not fitting typ.
func (d *Decoder) numberError(start int, num []byte, typ string) error {
	end := d.pos
	d.pos = start
	d.ws()
	err := d.typeError("number "+string(num), typ)
	d.pos = end
	return err
}

// Uint decodes an unsigned integer of the given bit size.
func Uint[T ~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~uintptr](d *Decoder, p *T, bits int, typ string) error {
	start := d.pos
	num, err := d.numberFor(typ)
	if num == nil || err != nil {
		return err
	}
	v, perr := strconv.ParseUint(string(num), 10, bits)
	if perr != nil {
		return d.numberError(start, num, typ)
	}
	*p = T(v)
	return nil
}

// Float decodes a floating-point number.
func Float[T ~float32 | ~float64](d *Decoder, p *T, bits int, typ string) error {
	num, err := d.numberFor(typ)
	if num == nil || err != nil {
		return err
	}
	v, perr := strconv.ParseFloat(string(num), bits)
	if perr != nil {
		return d.typeError("number "+string(num), typ)
	}
	*p = T(v)
	return nil
}

// Slice decodes an array with elem for each element.
func Slice[T any](d *Decoder, p *[]T, typ string, elem func(*Decoder, *T) error) error {
	null, err := d.BeginArray(typ)
	if err != nil {
		return err
	}
	if null {
		*p = nil
		return nil
	}
	s := []T{}
	for i := 0; ; i++ {
		more, err := d.More()
		if err != nil {
			return err
		}
		if !more {
			break
		}
		var v T
		if err := elem(d, &v); err != nil {
			return AtIndex(err, i)
		}
		s = append(s, v)
	}
	*p = s
	return nil
}

// Map decodes an object with string keys into a map, with elem for each
// value. Like encoding/json, it adds to a map already there.
func Map[T any](d *Decoder, p *map[string]T, typ string, elem func(*Decoder, *T) error) error {
	null, err := d.BeginObject(typ)
	if err != nil {
		return err
	}
	if null {
		*p = nil
		return nil
	}
	if *p == nil {
		*p = map[string]T{}
	}
	for {
		k, ok, err := d.Key()
		if err != nil {
			return err
		}
		if !ok {
			return nil
		}
		key := string(k)
		var v T
		if err := elem(d, &v); err != nil {
			return At(err, key)
		}
		(*p)[key] = v
	}
}

// Ptr decodes into *p, allocating it first; null makes it nil.
func Ptr[T any](d *Decoder, p **T, elem func(*Decoder, *T) error) error {
	if null, err := d.Null(); null || err != nil {
		if null {
			*p = nil
		}
		return err
	}
	if *p == nil {
		*p = new(T)
	}
	return elem(d, *p)
}

// raw skips a value and returns its text.
func (d *Decoder) raw() ([]byte, error) {
	d.ws()
	start := d.pos
	if err := d.Skip(); err != nil {
		return nil, err
	}
	return d.buf[start:d.pos], nil
}

// Any decodes a value of an interface type as encoding/json does (only
// Windows' credentialSpec has one, and rt refuses a windows section).
func Any(d *Decoder, p *any) error {
	b, err := d.raw()
	if err != nil {
		return err
	}
	return json.Unmarshal(b, p)
}

// Time decodes an RFC 3339 time as time.Time's UnmarshalJSON does.
func Time(d *Decoder, p *time.Time) error {
	switch d.peek() {
	case '"':
	case 'n':
		return d.literal("null")
	default:
		return d.mismatch("time.Time")
	}
	start := d.pos
	b, err := d.raw()
	if err != nil {
		return err
	}
	if err := p.UnmarshalJSON(b); err != nil {
		end := d.pos
		d.pos = start
		e := d.errf(strings.TrimPrefix(err.Error(), "parsing time "))
		d.pos = end
		return e
	}
	return nil
}
