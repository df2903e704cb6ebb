package container

import (
	"encoding/json"
	"errors"
	"log/slog"
	"os"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/rt-runtime/rt/libct/child"
	"github.com/rt-runtime/rt/libct/hooks"
	"github.com/rt-runtime/rt/libct/idmap"
	"github.com/rt-runtime/rt/libct/netdev"
	"github.com/rt-runtime/rt/libct/userns"
)

// What the parent does when the init asks, while it sets the container
// up: a creation answers every request (the seccomp listener's when the
// init loads its filter at create, without no_new_privs).
var (
	_ child.CgroupHandler  = (*creation)(nil)
	_ child.HooksHandler   = (*creation)(nil)
	_ child.MountFdHandler = (*creation)(nil)
	_ child.MountsHandler  = (*creation)(nil)
	_ child.SeccompHandler = (*creation)(nil)
)

// Cgroup moves the init into its cgroup (unless it was born there) before
// it builds anything, so that all the container does from here on is
// accounted and limited; what the clone touched so far stays rt's.
func (cr *creation) Cgroup() ([]byte, error) {
	c, spec, pid := cr.c, cr.spec, cr.ch.Pid
	slog.Debug(runcLogChildInNamespaces + ": in its namespaces, moving it into its cgroup")
	// The init is inside its namespaces now.
	if err := userns.CheckJoined(spec, pid); err != nil {
		return nil, err
	}
	if !cr.intoCgroup {
		if err := cr.cg.Apply(pid); err != nil {
			return nil, err
		}
		crashPoint("create: init in cgroup")
	}
	if spec.Linux != nil {
		if err := netdev.Move(spec.Linux.NetDevices, pid); err != nil {
			return nil, err
		}
	}
	// The states the init's hooks get on stdin: creating, and created for
	// the startContainer hooks.
	if h := spec.Hooks; h == nil || len(h.CreateContainer) == 0 && len(h.StartContainer) == 0 {
		return nil, nil
	}
	creating, err := json.Marshal(c.specState(Creating))
	if err != nil {
		return nil, err
	}
	created, err := json.Marshal(c.specState(Created))
	if err != nil {
		return nil, err
	}
	return append(append(creating, 0), created...), nil
}

// Hooks runs the prestart and createRuntime hooks, in the runtime's
// namespaces, once the init's mounts are made.
func (cr *creation) Hooks() error {
	h := cr.spec.Hooks
	st := cr.c.specState(Creating)
	//lint:ignore SA1019 prestart is deprecated but still run, as runc and crun do
	if err := hooks.Run("prestart", h.Prestart, st); err != nil {
		return err
	}
	return hooks.Run("createRuntime", h.CreateRuntime, st)
}

// MountFd makes the idmapped mount, or opens the bind source, of the
// config's mount index (see libct/idmap).
func (cr *creation) MountFd(index int) (*os.File, error) {
	if cr.mounts == nil {
		cr.mounts = &idmap.Server{Spec: cr.spec, Bundle: cr.c.state.Bundle, Pid: cr.ch.Pid}
	}
	return cr.mounts.Open(index)
}

// Mounts lists the host's procfs and sysfs mounts that a --no-pivot
// chroot would leave under the new root, as the init sees them.
func (cr *creation) Mounts() ([]string, error) {
	return hiddenKernelMounts(cr.ch.Pid, cr.c.state.Rootfs)
}

// Seccomp hands the listener of a filter the init loaded at create (one
// without no_new_privs, loaded before the capabilities go) to the agent,
// with the creating state, as runc and crun do.
func (cr *creation) Seccomp(fd int) error {
	return cr.c.sendSeccompListener(fd, cr.ch.Pid, Creating)
}

// failure words a failed set-up: a hook the init ran, or an init that
// died without a word (a memory limit too low to set up the container
// shows as an init SIGKILLed for no visible reason).
func (cr *creation) failure(err error) error {
	var he *child.HookError
	if errors.As(err, &he) {
		return hookFailure(cr.spec.Hooks, he)
	}
	return cr.ch.Failure(err)
}

// hookFailure words a hook the init ran that failed.
func hookFailure(h *specs.Hooks, he *child.HookError) error {
	if h == nil {
		h = &specs.Hooks{}
	}
	switch he.Kind {
	case child.HookCreateContainer:
		return hooks.Failed("createContainer", h.CreateContainer, he.Index, he.StatusText(), he.TimedOut, he.Stderr)
	case child.HookStartContainer:
		return hooks.Failed("startContainer", h.StartContainer, he.Index, he.StatusText(), he.TimedOut, he.Stderr)
	}
	return he
}
