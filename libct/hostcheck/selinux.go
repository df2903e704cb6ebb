package hostcheck

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/selinux/go-selinux"
)

// selinuxLabel checks a label against the loaded policy (the kernel
// validates it: /sys/fs/selinux/context). Where SELinux is off, a
// process's label is refused (as runc and crun refuse it: create would
// fail) and a mount label ignored (as crun ignores it): a note.
func selinuxLabel(field, label string, process bool) (problems, notes []Problem) {
	if label == "" {
		return nil, nil
	}
	if !selinux.GetEnabled() {
		if process {
			return []Problem{{field, fmt.Sprintf("%q is set but SELinux is not enabled on this host", label)}}, nil
		}
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
		ps, ns := selinuxLabel("linux.mountLabel", spec.Linux.MountLabel, false)
		problems, notes = append(problems, ps...), append(notes, ns...)
	}
	return problems, notes
}

func processLabels(p *specs.Process) (problems, notes []Problem) {
	problems, notes = apparmorProfile("process.apparmorProfile", p.ApparmorProfile)
	ps, ns := selinuxLabel("process.selinuxLabel", p.SelinuxLabel, true)
	return append(problems, ps...), append(notes, ns...)
}
