package initproc

import (
	"errors"
	"fmt"
	"os"
	"strconv"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/libct/hooks"
)

// runStartHooks runs the startContainer hooks right before the execve:
// after the seccomp filter, the credentials and the cwd of the process,
// so a hook runs as the process would. A hook without an env of its own
// gets the process's, as runc has always given it (engines rely on it).
func runStartHooks(cfg *Config, env []string) error {
	c := cfg.Container
	if c == nil || c.Hooks == nil || len(c.Hooks.StartContainer) == 0 || cfg.State == nil {
		return nil
	}
	// The container is created now, not creating as when the state was made.
	st := *cfg.State
	st.Status = specs.StateCreated
	return hooks.Run("startContainer", withEnv(c.Hooks.StartContainer, env), &st)
}

// withEnv is hs with env for the hooks that have none of their own.
func withEnv(hs []specs.Hook, env []string) []specs.Hook {
	out := append([]specs.Hook(nil), hs...)
	for i := range out {
		if len(out[i].Env) == 0 {
			out[i].Env = env
		}
	}
	return out
}

// markCloseOnExec marks every fd from first on close-on-exec. Where
// close_range is missing or filtered (an older kernel, or rt itself
// running under a seccomp profile), it walks /proc/self/fd instead.
func markCloseOnExec(first int) error {
	err := unix.CloseRange(uint(first), ^uint(0), unix.CLOSE_RANGE_CLOEXEC)
	if err == nil {
		return nil
	}
	if !errors.Is(err, unix.ENOSYS) && !errors.Is(err, unix.EPERM) && !errors.Is(err, unix.EINVAL) {
		return fmt.Errorf("mark fds close-on-exec: %w", err)
	}
	return markCloseOnExecByList(first)
}

func markCloseOnExecByList(first int) error {
	d, err := os.Open("/proc/self/fd")
	if err != nil {
		return fmt.Errorf("mark fds close-on-exec: list fds: %w", err)
	}
	names, err := d.Readdirnames(-1)
	d.Close()
	if err != nil {
		return fmt.Errorf("mark fds close-on-exec: list fds: %w", err)
	}
	for _, n := range names {
		fd, perr := strconv.Atoi(n)
		if perr != nil || fd < first {
			continue
		}
		// EBADF: the fd of the listing itself, closed by now.
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_SETFD, unix.FD_CLOEXEC); err != nil && !errors.Is(err, unix.EBADF) {
			return fmt.Errorf("mark fd %d close-on-exec: %w", fd, err)
		}
	}
	return nil
}
