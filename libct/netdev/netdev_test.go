package netdev

import "testing"

func TestNameFits(t *testing.T) {
	for _, c := range []struct {
		got, name string
		want      bool
	}{
		{"eth0", "eth0", true},
		{"eth1", "eth0", false},
		{"ctr0", "ctr%d", true},
		{"ctr12", "ctr%d", true},
		{"ctr", "ctr%d", false},
		{"ctrx", "ctr%d", false},
		{"ctr-1", "ctr%d", false},
		{"a3b", "a%db", true},
		{"a3c", "a%db", false},
		{"eth0", "ctr%d", false},
	} {
		if got := nameFits(c.got, c.name); got != c.want {
			t.Errorf("nameFits(%q, %q) = %v, want %v", c.got, c.name, got, c.want)
		}
	}
}
