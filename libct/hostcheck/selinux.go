package hostcheck

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/selinux/go-selinux"
)

// selinuxLabel checks a label against the loaded policy (the kernel
// validates it: /sys/fs/selinux/context). Where SELinux is off a mount
// label is ignored, as crun does: a note. (A process label never gets
// here then: validate refuses it, as runc.)
func selinuxLabel(field, label string) (problems, notes []Problem) {
	if label == "" {
		return nil, nil
	}
	if !selinux.GetEnabled() {
		return nil, []Problem{{field, "SELinux is disabled on this host: the label is ignored"}}
	}
	if err := selinux.SecurityCheckContext(label); err != nil {
		return []Problem{{field, fmt.Sprintf("SELinux label %q is not valid in the loaded policy", label)}}, nil
	}
	return nil, nil
}

// Labels checks process.apparmorProfile, process.selinuxLabel and
// linux.mountLabel.
func Labels(spec *specs.Spec) (problems, notes []Problem) {
	if spec.Process != nil {
		problems, notes = processLabels(spec.Process)
	}
	if spec.Linux != nil {
		ps, ns := selinuxLabel("linux.mountLabel", spec.Linux.MountLabel)
		problems, notes = append(problems, ps...), append(notes, ns...)
	}
	return problems, notes
}

func processLabels(p *specs.Process) (problems, notes []Problem) {
	problems, notes = apparmorProfile("process.apparmorProfile", p.ApparmorProfile)
	ps, ns := selinuxLabel("process.selinuxLabel", p.SelinuxLabel)
	return append(problems, ps...), append(notes, ns...)
}
