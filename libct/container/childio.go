package container

import (
	"fmt"
	"os"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/libct/seccomp"
)

// childIO is what create and exec open before they start a child, so that
// a bad socket or profile fails the command with nothing made yet: the
// console socket the terminal's master goes to, the --pidfd-socket peer,
// and the compiled seccomp filter.
type childIO struct {
	console     *os.File // nil without a terminal
	ownsConsole bool
	pidfdSock   *os.File
	seccomp     *seccomp.Program
}

// openChildIO dials the sockets and compiles the seccomp profile: console
// is an already connected console socket (a foreground run or exec makes
// its own), consoleSocket the path of --console-socket, cacheDir
// CreateOpts.CacheDir.
func openChildIO(p *specs.Process, console *os.File, consoleSocket, pidfdSocket string, sc *specs.LinuxSeccomp, cacheDir string) (*childIO, error) {
	io := &childIO{console: console}
	if p.Terminal && console == nil && consoleSocket == "" {
		return nil, fmt.Errorf("process.terminal is set: --console-socket is required (or run in the foreground)")
	}
	ok := false
	defer func() {
		if !ok {
			io.close()
		}
	}()
	if console == nil && consoleSocket != "" {
		var err error
		if io.console, err = dialUnix(consoleSocket, "console socket"); err != nil {
			return nil, err
		}
		io.ownsConsole = true
	}
	if pidfdSocket != "" {
		var err error
		if io.pidfdSock, err = dialUnix(pidfdSocket, "pidfd socket"); err != nil {
			return nil, err
		}
	}
	if sc != nil {
		prog, err := seccomp.Compile(sc, seccompCache(cacheDir))
		if err != nil {
			return nil, err
		}
		io.seccomp = prog
	}
	ok = true
	return io, nil
}

func (io *childIO) close() {
	if io.ownsConsole && io.console != nil {
		io.console.Close()
	}
	if io.pidfdSock != nil {
		io.pidfdSock.Close()
	}
}

// sendPidfd hands a pidfd of pid to the --pidfd-socket peer (conmon, a
// shim), as runc does: one SCM_RIGHTS fd, with "standard" (a container's
// init) or "setns" (an exec) as the payload. pid is our unreaped child, so
// it cannot have been recycled: the pidfd is the process we started.
func (io *childIO) sendPidfd(pid int, kind string) error {
	if io.pidfdSock == nil {
		return nil
	}
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return fmt.Errorf("--pidfd-socket: pidfd_open %d: %w", pid, err)
	}
	defer unix.Close(fd)
	if err := unix.Sendmsg(int(io.pidfdSock.Fd()), []byte(kind), unix.UnixRights(fd), nil, 0); err != nil {
		return fmt.Errorf("--pidfd-socket: send pidfd: %w", err)
	}
	return nil
}

// dialUnix connects to the unix stream socket at path before anything is
// made, so that a socket nobody listens on fails the command with nothing
// left behind.
func dialUnix(path, what string) (*os.File, error) {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if err := unix.Connect(fd, &unix.SockaddrUnix{Name: path}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("connect to %s %s: %w", what, path, err)
	}
	return os.NewFile(uintptr(fd), what), nil
}
