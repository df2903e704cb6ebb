package signal

import (
	"testing"

	"golang.org/x/sys/unix"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want unix.Signal
		ok   bool
	}{
		{"KILL", unix.SIGKILL, true},
		{"SIGKILL", unix.SIGKILL, true},
		{"sigkill", unix.SIGKILL, true},
		{"kill", unix.SIGKILL, true},
		{"SigTerm", unix.SIGTERM, true},
		{"9", unix.SIGKILL, true},
		{"15", unix.SIGTERM, true},
		{"09", unix.SIGKILL, true},
		{"1", unix.SIGHUP, true},
		{"64", unix.Signal(64), true},
		{"HUP", unix.SIGHUP, true},
		{"CHLD", unix.SIGCHLD, true},
		{"CLD", unix.SIGCHLD, true},
		{"IOT", unix.SIGABRT, true},
		{"POLL", unix.SIGIO, true},
		{"PWR", unix.SIGPWR, true},
		{"WINCH", unix.SIGWINCH, true},
		{"RTMIN", unix.Signal(34), true},
		{"RTMIN+3", unix.Signal(37), true},
		{"SIGRTMIN+3", unix.Signal(37), true},
		{"rtmin+30", unix.Signal(64), true},
		{"RTMAX", unix.Signal(64), true},
		{"RTMAX-2", unix.Signal(62), true},
		{"RTMAX-30", unix.Signal(34), true},
		{"RTMIN+31", 0, false},
		{"RTMAX-31", 0, false},
		{"RTMIN+", 0, false},
		{"RTMIN+-1", 0, false},
		{"RTMIN++1", 0, false},
		{"RTMIN+0003", 0, false},
		{"RTMIN-1", 0, false},
		{"RTMAX+1", 0, false},
		{"0", 0, false},
		{"00", 0, false},
		{"65", 0, false},
		{"-9", 0, false},
		{"+9", 0, false},
		{" 9", 0, false},
		{"9 ", 0, false},
		{"99999999999999999999999", 0, false},
		{"", 0, false},
		{"SIG", 0, false},
		{"SIGSIGKILL", 0, false},
		{"NOPE", 0, false},
		{"SIGKILL\x00", 0, false},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("Parse(%q) = %d, %v; want %d ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"KILL", "sigterm", "9", "0", "RTMIN+3", "RTMAX-1", "65"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sig, err := Parse(s)
		if err != nil {
			return
		}
		if sig < 1 || sig > 64 {
			t.Fatalf("Parse(%q) = %d, outside 1..64", s, sig)
		}
	})
}

func TestRealtime(t *testing.T) {
	rt := Realtime()
	if len(rt) != 31 || rt[0] != 34 || rt[30] != 64 {
		t.Fatalf("Realtime() = %v", rt)
	}
	for _, name := range []string{"RTMIN", "RTMAX", "RTMIN+3"} {
		s, err := Parse(name)
		if err != nil || s < rt[0] || s > rt[30] {
			t.Errorf("%s = %d, %v: outside Realtime()", name, s, err)
		}
	}
}
