// Package hostcheck asks the host, without making anything, whether it can
// run a container as its (already validated) config.json asks: the
// namespaces exist and may be made, every limit has its cgroup controller
// and it is ours, the kernel knows the seccomp actions, the idmapped
// mounts' filesystems can be idmapped, the AppArmor profile is loaded and
// the SELinux labels are valid, process.args[0] is in the rootfs, the
// helper programs a rootless mapping or a checkpoint needs are there.
//
// `rt check` prints every problem; create stops at the first, before it
// claims anything, so both say the same words. One file per facility.
package hostcheck

import (
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/rt-runtime/rt/libct/cgroups"
)

// Problem is one thing the host lacks for one field.
type Problem struct {
	// Field is the config.json field ("process.apparmorProfile",
	// "linux.namespaces[2]") or, for what no field asks, rt's own flag
	// ("--systemd-cgroup", "--checkpoint").
	Field string `json:"field"`
	// Lack says what the host lacks, in words that stand on their own.
	Lack string `json:"problem"`
}

// Error is the problem as one line: "config.json: FIELD: LACK", or
// "--flag: LACK".
func (p Problem) Error() string {
	if strings.HasPrefix(p.Field, "--") {
		return p.Field + ": " + p.Lack
	}
	return "config.json: " + p.Field + ": " + p.Lack
}

// Options are what the checks need besides the config.
type Options struct {
	// Bundle is the bundle's absolute path; Rootfs is root.path resolved.
	Bundle, Rootfs string
	// Cgroup is how the container's cgroup is found (create's flags).
	Cgroup cgroups.Config
	// Checkpoint also asks for what `rt checkpoint` needs.
	Checkpoint bool
}

// Result is what the host lacks for a config.
type Result struct {
	// Problems would each make create fail.
	Problems []Problem
	// Notes are what create leaves out or ignores on this host (an
	// SELinux label where SELinux is off), and runs anyway.
	Notes []Problem
	// Cgroup is the manager the cgroup check resolved (nil when it
	// could not), for create to go on with: resolving it again would
	// ask the host (and systemd) twice.
	Cgroup cgroups.Manager
}

// Err is the first problem, as create reports it, or nil.
func (r *Result) Err() error {
	if len(r.Problems) == 0 {
		return nil
	}
	return r.Problems[0]
}

func (r *Result) add(ps ...Problem)  { r.Problems = append(r.Problems, ps...) }
func (r *Result) note(ps ...Problem) { r.Notes = append(r.Notes, ps...) }

// Bundle runs every check on spec, which validate.Spec has accepted.
func Bundle(spec *specs.Spec, o Options) *Result {
	r := &Result{}
	r.add(Namespaces(spec)...)
	r.add(RootlessMappings(spec)...)
	var res *specs.LinuxResources
	if spec.Linux != nil {
		res = spec.Linux.Resources
	}
	var ps []Problem
	r.Cgroup, ps = Cgroups(o.Cgroup, res)
	r.add(ps...)
	if spec.Linux != nil {
		ps, notes := Seccomp(spec.Linux.Seccomp)
		r.add(ps...)
		r.note(notes...)
	}
	r.add(IDMappedMounts(spec, o.Bundle)...)
	ps, notes := Labels(spec)
	r.add(ps...)
	r.note(notes...)
	r.add(Executable(spec, o.Rootfs)...)
	if o.Checkpoint {
		r.add(CRIU()...)
	}
	return r
}

// Process runs the checks that apply to a process exec starts in a
// running container, with exec's prefix on the problem.
func Process(p *specs.Process) (problems, notes []Problem) {
	return processLabels(p)
}
