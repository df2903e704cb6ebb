package main

import "testing"

func TestParseBoolOrAuto(t *testing.T) {
	for _, c := range []struct {
		in   string
		want string // "auto", "true", "false" or "error"
	}{
		{"", "auto"}, {"auto", "auto"}, {"AUTO", "auto"}, {"Auto", "auto"},
		{"true", "true"}, {"1", "true"}, {"T", "true"}, {"TRUE", "true"},
		{"false", "false"}, {"0", "false"}, {"f", "false"},
		{"yes", "error"}, {"maybe", "error"}, {" true", "error"},
	} {
		b, err := parseBoolOrAuto(c.in)
		got := "auto"
		switch {
		case err != nil:
			got = "error"
		case b != nil && *b:
			got = "true"
		case b != nil:
			got = "false"
		}
		if got != c.want {
			t.Errorf("parseBoolOrAuto(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}
