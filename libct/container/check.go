package container

import (
	"fmt"
	"log/slog"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/rt-runtime/rt/libct/cgroups"
	"github.com/rt-runtime/rt/libct/hostcheck"
	"github.com/rt-runtime/rt/libct/userns"
)

// Check answers "would create run this bundle here?" without making
// anything: config.json as create validates it (an error), then every
// host check (the result). checkpoint also asks for what checkpoint needs.
func Check(o CreateOpts, checkpoint bool) (*hostcheck.Result, error) {
	bundle, spec, _, err := loadBundle(o, "create")
	if err != nil {
		return nil, err
	}
	if err := userns.CheckRootlessGroups(spec.Process); err != nil {
		return nil, err
	}
	rootfs, err := resolveRootfs(spec, bundle)
	if err != nil {
		return nil, err
	}
	return hostcheck.Bundle(spec, hostOptions(o, bundle, rootfs, spec, checkpoint)), nil
}

func hostOptions(o CreateOpts, bundle, rootfs string, spec *specs.Spec, checkpoint bool) hostcheck.Options {
	cgPath := ""
	if spec.Linux != nil {
		cgPath = spec.Linux.CgroupsPath
	}
	return hostcheck.Options{
		Bundle: bundle, Rootfs: rootfs, Checkpoint: checkpoint,
		Cgroup: cgroups.Config{Path: cgPath, ID: o.ID, Systemd: o.SystemdCgroup, Rootless: o.Rootless},
	}
}

// checkHost is create's side of Check: the first problem is create's
// error, in check's words; what the host ignores is said at debug level.
// It returns the container's cgroup manager, resolved (not made).
func checkHost(o CreateOpts, bundle, rootfs string, spec *specs.Spec) (cgroups.Manager, error) {
	r := hostcheck.Bundle(spec, hostOptions(o, bundle, rootfs, spec, false))
	for _, n := range r.Notes {
		slog.Debug(n.Error())
	}
	if err := r.Err(); err != nil {
		return nil, err
	}
	return r.Cgroup, nil
}

// checkProcessHost is checkHost for a process exec starts: its labels,
// with exec's prefix in place of config.json's.
func checkProcessHost(p *specs.Process) error {
	problems, notes := hostcheck.Process(p)
	for _, n := range notes {
		slog.Debug("exec: " + n.Field + ": " + n.Lack)
	}
	if len(problems) > 0 {
		return fmt.Errorf("exec: %s: %s", problems[0].Field, problems[0].Lack)
	}
	return nil
}
