package hostcheck

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/rt-runtime/rt/libct/seccomp"
)

// Seccomp checks that the kernel knows every action the profile uses (it
// lists them in /proc/sys/kernel/seccomp/actions_avail) and can hand over
// a notify listener; flags it does not know are notes, since the filter
// is loaded without them, as runc does.
func Seccomp(cfg *specs.LinuxSeccomp) (problems, notes []Problem) {
	ps, ns := seccomp.KernelLacks(cfg)
	return seccompProblems(ps), seccompProblems(ns)
}

func seccompProblems(ls []seccomp.FieldLack) []Problem {
	var out []Problem
	for _, l := range ls {
		field := "linux.seccomp"
		if l.Field != "" {
			field += "." + l.Field
		}
		out = append(out, Problem{field, l.Why})
	}
	return out
}
