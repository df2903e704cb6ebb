package container

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/user"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/libct/cgroups"
	"github.com/rt-runtime/rt/libct/console"
	"github.com/rt-runtime/rt/libct/hooks"
	"github.com/rt-runtime/rt/libct/validate"
)

// Restore as a lifecycle operation: a container whose process is brought
// back by someone else (CRIU, driven by libct/checkpoint) instead of rt's
// child, with its state directory, cgroup and records made the way
// Create makes them. Saved is the other half: the state a dump reads.

// Saved returns a copy of the container's stored state.
func (c *Container) Saved() State { return *c.state }

// Restoring is a container being restored from a checkpoint: its state
// directory (locked) and its cgroup exist, its process does not yet.
// Exactly one of Finish or Abort ends it.
type Restoring struct {
	c    *Container
	cg   cgroups.Manager
	opts CreateOpts
	pid  int
}

// BeginRestore does for a restore what Create does before it clones the
// init: it validates the bundle's config, claims the state directory and
// makes the cgroup with its limits.
func BeginRestore(o CreateOpts) (_ *Restoring, err error) {
	if err := validate.ID(o.ID); err != nil {
		return nil, err
	}
	bundle, spec, _, err := loadBundle(o, "restore")
	if err != nil {
		return nil, err
	}
	rootfs, err := resolveRootfs(spec, bundle)
	if err != nil {
		return nil, err
	}
	dir, err := makeStateDir(o.Root, o.ID)
	if err != nil {
		return nil, err
	}
	r := &Restoring{c: &Container{root: o.Root, dir: dir}, opts: o}
	defer func() {
		if err != nil {
			r.Abort()
		}
	}()
	if r.c.lock, err = lockDir(dir); err != nil {
		return nil, err
	}
	owner := ""
	if u, uerr := user.Current(); uerr == nil {
		owner = u.Username
	}
	r.c.state = &State{
		OCIVersion: spec.Version, ID: o.ID, Status: Creating, Bundle: bundle,
		Rootfs: rootfs, Owner: owner, Annotations: spec.Annotations, Spec: spec,
	}
	cgPath := ""
	if spec.Linux != nil {
		cgPath = spec.Linux.CgroupsPath
	}
	if r.cg, err = cgroups.New(cgroups.Config{Path: cgPath, ID: o.ID, Systemd: o.SystemdCgroup}); err != nil {
		return nil, err
	}
	if err := makeCgroup(r.c, r.cg, spec); err != nil {
		return nil, err
	}
	return r, nil
}

// Spec is the bundle's config the container is restored with; changes
// made to it before Finish are saved.
func (r *Restoring) Spec() *specs.Spec { return r.c.state.Spec }

// Rootfs is the resolved host path of the container's root filesystem.
func (r *Restoring) Rootfs() string { return r.c.state.Rootfs }

// Dir is the container's state directory.
func (r *Restoring) Dir() string { return r.c.dir }

// CgroupPaths are the container's cgroup directories (controller -> path).
func (r *Restoring) CgroupPaths() map[string]string {
	return cgroups.DirPaths(r.c.state.CgroupPaths)
}

// JoinCgroup moves pid (CRIU, whose restored tasks inherit its cgroup)
// into the container's cgroup.
func (r *Restoring) JoinCgroup(pid int) error {
	if err := r.cg.Apply(pid); err != nil {
		return err
	}
	// The systemd driver knows its paths only once the unit exists.
	r.c.state.CgroupPaths = r.cg.Paths()
	return nil
}

// RunCreateHooks runs the prestart and createRuntime hooks for the
// restored init pid, whose namespaces exist but which does not run yet.
func (r *Restoring) RunCreateHooks(pid int) error {
	h := r.c.state.Spec.Hooks
	if h == nil {
		return nil
	}
	st := r.c.specState(Creating)
	st.Pid = pid
	//lint:ignore SA1019 prestart is deprecated but still run, as runc and crun do
	if err := hooks.Run("prestart", h.Prestart, st); err != nil {
		return err
	}
	return hooks.Run("createRuntime", h.CreateRuntime, st)
}

// SendConsole hands the restored terminal's master to the console socket,
// as create does with a new one.
func (r *Restoring) SendConsole(master *os.File) error {
	sock := r.opts.Console
	if sock == nil {
		if r.opts.ConsoleSocket == "" {
			return errors.New("the checkpoint has a terminal: --console-socket is required")
		}
		var err error
		if sock, err = dialUnix(r.opts.ConsoleSocket, "console socket"); err != nil {
			return err
		}
		defer sock.Close()
	}
	return console.Send(sock, master)
}

// Finish records pid as the running container's init: state.json and
// config.json as create writes them, then the pid file.
func (r *Restoring) Finish(pid int) error {
	st := r.c.state
	r.pid = pid
	st.Pid = pid
	var err error
	if _, st.InitStartTime, err = procStat(pid); err != nil {
		return fmt.Errorf("read init start time: %w", err)
	}
	st.Created = time.Now().UTC()
	st.Status = Running
	if err := r.c.saveState(); err != nil {
		return err
	}
	if r.opts.PidFile != "" {
		return writePidFile(r.opts.PidFile, pid)
	}
	return nil
}

// Container returns the restored container (after Finish); the caller
// unlocks it.
func (r *Restoring) Container() *Container { return r.c }

// Abort undoes the restore: whatever CRIU restored is killed, the cgroup
// and the state directory are removed.
func (r *Restoring) Abort() {
	if r.cg != nil {
		if pids, _ := r.cg.GetPids(); len(pids) > 0 {
			for _, p := range pids {
				unix.Kill(p, unix.SIGKILL)
			}
		}
		if r.pid > 0 {
			killInit(r.pid, r.c.state.InitStartTime, 10*time.Second)
		}
		if err := r.cg.Destroy(); err != nil {
			slog.Warn("remove cgroup after failed restore", "err", err)
		}
	}
	os.RemoveAll(r.c.dir)
	r.c.Unlock()
}
