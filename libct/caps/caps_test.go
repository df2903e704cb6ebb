package caps

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestParse(t *testing.T) {
	last, err := Last()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		want    int
		wantErr string
	}{
		{"CAP_CHOWN", 0, ""},
		{"CAP_SYS_ADMIN", 21, ""},
		{"CAP_NET_BIND_SERVICE", 10, ""},
		{"CAP_AUDIT_WRITE", 29, ""},
		{"CAP_SYS_RESOURCE", 24, ""},
		{"CAP_FOO", 0, `unknown capability "CAP_FOO"`},
		{"cap_sys_admin", 0, `unknown capability "cap_sys_admin"`},
		{"SYS_ADMIN", 0, `unknown capability "SYS_ADMIN"`},
		{"", 0, `unknown capability ""`},
		{"CAP_SYS_ADMIN ", 0, "unknown capability"},
	}
	if last >= 40 {
		tests = append(tests, struct {
			name    string
			want    int
			wantErr string
		}{"CAP_CHECKPOINT_RESTORE", 40, ""})
	}
	for _, tt := range tests {
		got, err := Parse(tt.name)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Parse(%q) error = %v, want it to contain %q", tt.name, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("Parse(%q) = %d, %v; want %d", tt.name, got, err, tt.want)
		}
	}
}

func TestCheckKernel(t *testing.T) {
	if _, err := checkKernel("CAP_BPF", 39, 38); err == nil || !strings.Contains(err.Error(), "CAP_BPF") {
		t.Errorf("cap above cap_last_cap: err = %v, want an error naming it", err)
	}
	if n, err := checkKernel("CAP_BPF", 39, 39); err != nil || n != 39 {
		t.Errorf("cap at cap_last_cap: %d, %v", n, err)
	}
}

func TestReadLastCap(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		content string
		want    int
		ok      bool
	}{
		{"40\n", 40, true},
		{"37", 37, true},
		{"", 0, false},
		{"x\n", 0, false},
		{"-1\n", 0, false},
		{"64\n", 0, false},
	}
	for i, tt := range tests {
		p := filepath.Join(dir, "f"+string(rune('a'+i)))
		if err := os.WriteFile(p, []byte(tt.content), 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := readLastCap(p)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("readLastCap(%q) = %d, %v; want %d ok=%v", tt.content, got, err, tt.want, tt.ok)
		}
	}
	if _, err := readLastCap(filepath.Join(dir, "missing")); err == nil {
		t.Error("missing file: want error")
	}
}

func TestName(t *testing.T) {
	for n := range names {
		got, err := Parse(Name(n))
		last, _ := Last()
		if n > last {
			continue
		}
		if err != nil || got != n {
			t.Errorf("Parse(Name(%d)) = %d, %v", n, got, err)
		}
	}
	if Name(-1) != "" || Name(len(names)) != "" {
		t.Error("Name out of range must be empty")
	}
}

func TestNew(t *testing.T) {
	s, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.bounding|s.effective|s.permitted|s.inheritable|s.ambient != 0 {
		t.Errorf("New(nil) must give empty sets, got %+v", s)
	}

	s, err = New(&specs.LinuxCapabilities{
		Bounding:    []string{"CAP_CHOWN", "CAP_KILL", "CAP_KILL"},
		Effective:   []string{"CAP_KILL"},
		Permitted:   []string{"CAP_KILL", "CAP_SYS_ADMIN"},
		Inheritable: []string{"CAP_SYS_ADMIN"},
		Ambient:     []string{"CAP_SYS_ADMIN"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if s.bounding != 1<<0|1<<5 || s.effective != 1<<5 || s.permitted != 1<<5|1<<21 ||
		s.inheritable != 1<<21 || s.ambient != 1<<21 {
		t.Errorf("unexpected masks %+v", s)
	}

	// Unknown names are skipped; ambient keeps only what is both
	// permitted and inheritable (the kernel refuses the rest).
	s, err = New(&specs.LinuxCapabilities{
		Bounding:    []string{"CAP_NOPE", "CAP_KILL"},
		Permitted:   []string{"CAP_KILL", "CAP_CHOWN"},
		Inheritable: []string{"CAP_KILL", "CAP_SYSLOG"},
		Ambient:     []string{"CAP_NOPE", "CAP_KILL", "CAP_CHOWN", "CAP_SYSLOG"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if s.bounding != 1<<5 || s.permitted != 1<<0|1<<5 || s.ambient != 1<<5 {
		t.Errorf("unexpected masks %+v", s)
	}
}

func TestCheck(t *testing.T) {
	unknown, noAmb, err := Check(&specs.LinuxCapabilities{
		Bounding:    []string{"CAP_NOPE", "CAP_KILL", "UNKNOWN_CAP"},
		Effective:   []string{"CAP_NOPE"},
		Permitted:   []string{"CAP_KILL", "CAP_CHOWN"},
		Inheritable: []string{"CAP_KILL", "CAP_SYSLOG"},
		Ambient:     []string{"CAP_KILL", "CAP_CHOWN", "CAP_SYSLOG", "CAP_NOPE"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(unknown, ",") != "CAP_NOPE,UNKNOWN_CAP" {
		t.Errorf("unknown = %q", unknown)
	}
	if strings.Join(noAmb, ",") != "CAP_CHOWN,CAP_SYSLOG" {
		t.Errorf("noAmbient = %q", noAmb)
	}
	if u, n, err := Check(nil); u != nil || n != nil || err != nil {
		t.Errorf("Check(nil) = %v, %v, %v", u, n, err)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"CAP_SYS_ADMIN", "CAP_", "cap_kill", "", "CAP_CHECKPOINT_RESTORE"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := Parse(s)
		if err != nil {
			return
		}
		if Name(n) != s {
			t.Fatalf("Parse(%q) = %d but Name(%d) = %q", s, n, n, Name(n))
		}
	})
}

func TestProbeLastCap(t *testing.T) {
	want, err := readLastCap(capLastCapPath)
	if err != nil {
		t.Skip(err)
	}
	got, ok := probeLastCap()
	if !ok || got != want {
		t.Errorf("probeLastCap = %d, %v; cap_last_cap says %d", got, ok, want)
	}
}
