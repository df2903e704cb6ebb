package main

import (
	"reflect"
	"testing"
)

func TestRepeats(t *testing.T) {
	for _, c := range []struct {
		line string
		want []string
	}{
		// The examples of issue 20.
		{`rt: apply apparmor profile "no-such-profile": write /proc/thread-self/attr/apparmor/exec: write /proc/thread-self/attr/apparmor/exec: no such file or directory`,
			[]string{`"write /proc/thread-self/attr/apparmor/exec"`, "/proc/thread-self/attr/apparmor/exec"}},
		{`rt: write /proc/self/oom_score_adj: write /proc/self/oom_score_adj: invalid argument`,
			[]string{`"write /proc/self/oom_score_adj"`, "/proc/self/oom_score_adj"}},
		{`rt: seccomp: seccomp: load filter: invalid argument`, []string{`"seccomp"`}},
		{`rt: warn: seccomp: seccomp: x`, []string{`"seccomp"`}},
		// The path again under another verb.
		{`rt: open /run/rt/ct/state.json: read /run/rt/ct/state.json: is a directory`,
			[]string{"/run/rt/ct/state.json"}},
		{`rt: rootfs "/b/rootfs": stat /b/rootfs: no such file or directory`, []string{"/b/rootfs"}},
		// Lines that say each thing once.
		{`rt: config.json: process.args must not be empty`, nil},
		{`rt: mount proc on /proc: permission denied`, nil},
		{`rt: bind /etc/hosts on /etc/hosts: no such file or directory`, nil},
		{`rt: mount /a on /a/b: open /a/b/c: not a directory`, nil},
		{`rt: process.cwd "/": chdir /: no such file or directory`, nil},
		{`rt: exec "a: a": a: not found`, nil},
		{`rt: exec "a: \"x\": y": exec "b": z`, nil},
		{`rt: container "ct1" does not exist`, nil},
		// Clauses are separate errors: CRIU's log lines, a cleanup's.
		{`rt: criu dump failed: Error (criu/vdso.c:381): vdso: Unexpected bounds; Error (criu/vdso.c:613): vdso: Failed`, nil},
		{`rt: mount /a: busy; unmount /a: busy`, nil},
		{`rt: seccomp: seccomp: x; y`, []string{`"seccomp"`}},
		{`rt: warn: process.capabilities: ignoring capabilities this kernel does not know: "CAP_UNKNOWN"`, nil},
	} {
		if got := repeats(c.line); !reflect.DeepEqual(got, c.want) {
			t.Errorf("repeats(%q) = %q, want %q", c.line, got, c.want)
		}
	}
}

func TestSplit(t *testing.T) {
	got := split(`a b: "c: \"d: e": f:g: `, ": ")
	want := []string{"a b", `"c: \"d: e"`, "f:g", ""}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("split = %q, want %q", got, want)
	}
}
