package container

import (
	"errors"
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/libct/cgroups"
)

// ErrNotRunning is what Signal returns for a container with nothing left
// to signal. Its text is runc's: containerd matches on "container not
// running" to tell a finished container from a failed kill.
var ErrNotRunning = errors.New("container not running")

// notRunning is ErrNotRunning for the other commands, in rt's words with
// the container's id.
type notRunning struct{ id string }

func (e notRunning) Error() string        { return fmt.Sprintf("container %q is not running", e.id) }
func (e notRunning) Is(target error) bool { return target == ErrNotRunning }

// Signal sends sig to the init, or with all to every process in the
// container's cgroup. A SIGKILL reaches every process too when the
// container has no pid namespace of its own: only the init of a pid
// namespace takes the others with it, and without one they would outlive
// the container, also once its init is gone.
func (c *Container) Signal(sig unix.Signal, all bool) error {
	st := c.Status()
	// A rootless container may have no cgroup: only its init can be told.
	noCgroup := len(c.state.CgroupPaths) == 0
	if !noCgroup && (all || (sig == unix.SIGKILL && !c.ownPidNS())) {
		err := c.signalAll(sig)
		if errors.Is(err, cgroups.ErrNoCgroup) || (err == nil && st == Stopped && sig != unix.SIGKILL) {
			// Nothing of it is left, or no init to pass the signal to.
			err = ErrNotRunning
		}
		if err != nil {
			return fmt.Errorf("kill %q: %w", c.state.ID, err)
		}
		return nil
	}
	if st == Stopped {
		return fmt.Errorf("kill %q: %w", c.state.ID, ErrNotRunning)
	}
	if err := signalInit(c.state.Pid, c.state.InitStartTime, sig); err != nil {
		if errors.Is(err, ErrNotRunning) {
			return fmt.Errorf("kill %q: %w", c.state.ID, ErrNotRunning)
		}
		return err
	}
	// On v1 a frozen task acts on SIGKILL only once thawed.
	if sig == unix.SIGKILL && st == Paused {
		if m, err := c.cgroup(); err == nil {
			return m.Thaw()
		}
	}
	return nil
}

// signalAll signals every process of the cgroup (see cgroups.SignalAll).
func (c *Container) signalAll(sig unix.Signal) error {
	m, err := c.cgroup()
	if err != nil {
		return err
	}
	return cgroups.SignalAll(m, sig)
}

// ownPidNS tells whether the container made its own pid namespace (one
// joined by path has an init elsewhere).
func (c *Container) ownPidNS() bool {
	ns := c.stored().Linux.Namespaces
	for _, n := range ns {
		if n.Type == specs.PIDNamespace {
			return n.Path == ""
		}
	}
	return false
}
