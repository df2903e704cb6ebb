package user

import (
	"strings"
	"testing"
)

func TestParseUserGroup(t *testing.T) {
	tests := []struct {
		in       string
		uid, gid uint32
		hasGID   bool
		wantErr  bool
	}{
		{"0", 0, 0, false, false},
		{"1", 1, 0, false, false},
		{"1000", 1000, 0, false, false},
		{"1000:1001", 1000, 1001, true, false},
		{"0:0", 0, 0, true, false},
		{"007:010", 7, 10, true, false},
		{"4294967294:4294967294", 4294967294, 4294967294, true, false},
		{"4294967295", 0, 0, false, true},
		{"1:4294967295", 0, 0, false, true},
		{"4294967296", 0, 0, false, true},
		{"99999999999999999999999", 0, 0, false, true},
		{"", 0, 0, false, true},
		{":", 0, 0, false, true},
		{"1:", 0, 0, false, true},
		{":1", 0, 0, false, true},
		{"-1", 0, 0, false, true},
		{"1:-1", 0, 0, false, true},
		{"+1", 0, 0, false, true},
		{" 1", 0, 0, false, true},
		{"1 ", 0, 0, false, true},
		{"0x10", 0, 0, false, true},
		{"root", 0, 0, false, true},
		{"1:root", 0, 0, false, true},
		{"1:2:3", 0, 0, false, true},
		{"1_000", 0, 0, false, true},
		{"١", 0, 0, false, true},
	}
	for _, tt := range tests {
		uid, gid, hasGID, err := ParseUserGroup(tt.in)
		if tt.wantErr {
			if err == nil {
				t.Errorf("ParseUserGroup(%q) = %d, %d, %v; want error", tt.in, uid, gid, hasGID)
			}
			continue
		}
		if err != nil || uid != tt.uid || gid != tt.gid || hasGID != tt.hasGID {
			t.Errorf("ParseUserGroup(%q) = %d, %d, %v, %v; want %d, %d, %v", tt.in, uid, gid, hasGID, err, tt.uid, tt.gid, tt.hasGID)
		}
	}
}

func FuzzParseUserGroup(f *testing.F) {
	for _, s := range []string{"1", "1:2", "", ":", "-1", "4294967295", "0:0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		uid, gid, hasGID, err := ParseUserGroup(s)
		if err != nil {
			return
		}
		if strings.Count(s, ":") > 1 || hasGID != strings.Contains(s, ":") {
			t.Fatalf("ParseUserGroup(%q) accepted a malformed string", s)
		}
		if uid == 1<<32-1 || gid == 1<<32-1 {
			t.Fatalf("ParseUserGroup(%q) returned the reserved id", s)
		}
	})
}
