package user

import (
	"os"
	"path/filepath"
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

const passwd = `root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
# comment:x:5:5::/comment:
short:x:7
nohome:x:8:8:::/bin/sh
alice:x:1000:1000:Alice,,,:/home/alice:/bin/bash
dup:x:1000:1000::/home/dup:/bin/sh
last:x:1001:1001::/home/last:/bin/sh`

func TestHomeDir(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "passwd")
	if err := os.WriteFile(p, []byte(passwd), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		uid  uint32
		want string
	}{
		{0, "/root"},
		{1, "/usr/sbin"},
		{5, "/"}, // only in a malformed line
		{7, "/"}, // too few fields
		{8, "/"}, // empty home
		{1000, "/home/alice"},
		{1001, "/home/last"}, // no trailing newline
		{4242, "/"},
	}
	for _, tt := range tests {
		got, err := HomeDir(p, tt.uid)
		if err != nil || got != tt.want {
			t.Errorf("HomeDir(uid %d) = %q, %v; want %q", tt.uid, got, err, tt.want)
		}
	}
	if got, err := HomeDir(filepath.Join(dir, "missing"), 0); err != nil || got != "/" {
		t.Errorf("missing passwd: %q, %v; want \"/\"", got, err)
	}
	if _, err := HomeDir(dir, 0); err == nil {
		t.Error("passwd is a directory: want error")
	}
}

func TestHomeDirSkipsLongLines(t *testing.T) {
	long := "evil:x:0:0::/" + strings.Repeat("a", 3*maxLine) + ":/bin/sh\n"
	in := long + "root:x:0:0::/root:/bin/sh\n" + long
	got, err := homeFrom(strings.NewReader(in), 0)
	if err != nil || got != "/root" {
		t.Errorf("homeFrom = %q, %v; want /root", got, err)
	}
	got, err = homeFrom(strings.NewReader(long), 0)
	if err != nil || got != "/" {
		t.Errorf("only a long line: %q, %v; want /", got, err)
	}
}

func FuzzHomeFrom(f *testing.F) {
	f.Add(passwd, uint32(1000))
	f.Add("a:b:0:0::/x:\n\n::::::::\n", uint32(0))
	f.Fuzz(func(t *testing.T, data string, uid uint32) {
		home, err := homeFrom(strings.NewReader(data), uid)
		if err != nil {
			t.Fatalf("homeFrom on a reader that cannot fail: %v", err)
		}
		if home == "" || strings.Contains(home, "\n") {
			t.Fatalf("bad home %q", home)
		}
	})
}
