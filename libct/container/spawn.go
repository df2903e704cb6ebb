package container

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/libct/initproc"
)

var (
	exeOnce sync.Once
	exeFile *os.File
	exeErr  error
)

// selfExe returns a handle on rt's own binary through a detached,
// read-only bind mount of it (open_tree + mount_setattr). Children are
// exec'd from it, so their /proc/PID/exe is on a mount nobody can write
// through or remount: a container that reopens it (CVE-2019-5736) gets
// EROFS. It costs three syscalls per command and never copies the binary.
func selfExe() (*os.File, error) {
	exeOnce.Do(func() {
		fd, err := unix.OpenTree(unix.AT_FDCWD, "/proc/self/exe", unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC)
		if errors.Is(err, unix.EPERM) {
			exeFile, exeErr = sealedExeCopy()
			return
		}
		if err != nil {
			exeErr = fmt.Errorf("open_tree /proc/self/exe: %w", err)
			return
		}
		attr := unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY | unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV}
		if err := unix.MountSetattr(fd, "", unix.AT_EMPTY_PATH, &attr); err != nil {
			unix.Close(fd)
			exeErr = fmt.Errorf("make rt's binary read-only: %w", err)
			return
		}
		exeFile = os.NewFile(uintptr(fd), "rt-exe")
	})
	return exeFile, exeErr
}

// nsOp is a namespace change made on the parent's spawning thread just
// before the clone, for a namespace whose membership a child inherits from
// that thread (a joined pid namespace): a multi-threaded Go process may
// setns it per thread, and that thread is thrown away afterwards. (A time
// namespace cannot be done this way: setns refuses a multi-threaded
// process, and the offsets file is per process, not per thread.)
type nsOp struct {
	fd int // setns target
}

// child is a container init or exec process being started.
type child struct {
	cmd             *exec.Cmd
	conn            *initproc.Conn
	cfgW            *os.File
	threadO         []nsOp
	closeAfterStart []*os.File
	// keepThread, when set, holds the spawning thread until closed: see
	// start.
	keepThread chan struct{}
	forkInit   bool
	idmap      *idmapRequest
}

type childOpts struct {
	mode        string // "create" or "exec"
	extraFds    int    // fds 3.. kept for the user's process
	setns       []int  // fds the nsenter constructor joins, in order
	unshare     int    // clone flags the constructor unshares after joining
	forkInit    bool   // unshare has CLONE_NEWPID: the constructor forks the init
	timeOffsets string // timens_offsets lines for CLONE_NEWTIME in unshare
	cloneFlag   uintptr
	uidMaps     []syscall.SysProcIDMap
	gidMaps     []syscall.SysProcIDMap
	startFd     *os.File
	console     *os.File
	stdio       [3]*os.File
	// cgroupDir, when set, is where the child is born (CLONE_INTO_CGROUP).
	cgroupDir *os.File
	// rootless: see rootlessUserNS.
	denySetgroups bool
	idmap         *idmapRequest
}

// newChild prepares (but does not start) the rt init child. Fds are laid
// out as: 0-2 stdio, 3..3+extraFds-1 preserved, then the config pipe, the
// sync socket, the start socket, the console socket and the namespace fds.
func newChild(o childOpts) (*child, *initproc.Config, error) {
	if err := checkPassedFds(o.extraFds); err != nil {
		return nil, nil, err
	}
	// Whatever else our caller left open without close-on-exec (a shell's
	// or a shim's fds) must not reach the init: it would hold them for the
	// container's whole life, and a caller waiting for EOF on a pipe it
	// gave us would wait for that long.
	if err := unix.CloseRange(uint(3+o.extraFds), ^uint(0), unix.CLOSE_RANGE_CLOEXEC); err != nil {
		return nil, nil, fmt.Errorf("mark inherited fds close-on-exec: %w", err)
	}
	exe, err := selfExe()
	if err != nil {
		return nil, nil, err
	}
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("socketpair: %w", err)
	}
	conn, err := initproc.NewPollConn(fds[0], "sync-parent")
	if err != nil {
		unix.Close(fds[1])
		return nil, nil, err
	}
	childSock := os.NewFile(uintptr(fds[1]), "sync-child")
	cfgR, cfgW, err := os.Pipe()
	if err != nil {
		conn.Close()
		childSock.Close()
		return nil, nil, fmt.Errorf("pipe: %w", err)
	}
	extra := make([]*os.File, 0, o.extraFds+8)
	for i := 0; i < o.extraFds; i++ {
		extra = append(extra, os.NewFile(uintptr(3+i), "preserved-fd-"+strconv.Itoa(3+i)))
	}
	next := func(f *os.File) int {
		extra = append(extra, f)
		return 2 + len(extra)
	}
	cfg := &initproc.Config{StartFd: -1, ConsoleFd: -1, ExtraFds: o.extraFds}
	env := []string{
		initproc.EnvInit + "=" + o.mode,
		initproc.EnvCfgFd + "=" + strconv.Itoa(next(cfgR)),
		initproc.EnvSyncFd + "=" + strconv.Itoa(next(childSock)),
		// The init is short-lived and allocates little: a collection
		// would only cost time.
		"GOGC=off",
		"GOMAXPROCS=1",
	}
	if o.startFd != nil {
		cfg.StartFd = next(o.startFd)
	}
	if o.console != nil {
		cfg.ConsoleFd = next(o.console)
	}
	if len(o.setns) > 0 {
		nums := make([]string, 0, len(o.setns))
		for _, fd := range o.setns {
			nums = append(nums, strconv.Itoa(next(os.NewFile(uintptr(fd), "ns"))))
		}
		env = append(env, initproc.EnvSetns+"="+strings.Join(nums, ","))
	}
	if o.unshare != 0 {
		env = append(env, initproc.EnvUnshr+"="+strconv.Itoa(o.unshare))
	}
	if o.idmap != nil {
		env = append(env, envIdmap+"=1")
	}
	if o.forkInit && o.unshare&unix.CLONE_NEWPID == 0 {
		// A joined pid namespace (rootless exec): fork into it all the same.
		env = append(env, envFork+"=1")
	}
	if o.timeOffsets != "" {
		env = append(env, initproc.EnvTimens+"="+o.timeOffsets)
	}
	exeFd, err := exeFdAbove(exe, len(extra))
	if err != nil {
		conn.Close()
		childSock.Close()
		cfgR.Close()
		cfgW.Close()
		return nil, nil, err
	}
	stdio := o.stdio
	if o.console != nil {
		// The process's stdio will be the pty: the caller's stdio must not
		// be held by the init meanwhile (a shim waits for EOF on it, and
		// `rt create | cat` would never end). os/exec gives it /dev/null.
		stdio = [3]*os.File{}
	}
	cmd := &exec.Cmd{
		Path:       "/proc/self/fd/" + strconv.Itoa(int(exeFd.Fd())),
		Args:       []string{"rt", "init"},
		Env:        env,
		ExtraFiles: extra,
		Stdin:      stdio[0],
		Stdout:     stdio[1],
		Stderr:     stdio[2],
		SysProcAttr: &syscall.SysProcAttr{
			Cloneflags:                 o.cloneFlag,
			UidMappings:                o.uidMaps,
			GidMappings:                o.gidMaps,
			GidMappingsEnableSetgroups: true,
		},
	}
	if o.cgroupDir != nil {
		cmd.SysProcAttr.UseCgroupFD = true
		cmd.SysProcAttr.CgroupFD = int(o.cgroupDir.Fd())
	}
	if o.cloneFlag&unix.CLONE_NEWUSER != 0 {
		// Become root of the new user namespace before the exec: the
		// child still has the host's uid 0, unmapped there, and an execve
		// by an unmapped (overflow) uid drops every capability the init
		// needs to build the container.
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: 0, Gid: 0, NoSetGroups: o.denySetgroups}
		cmd.SysProcAttr.GidMappingsEnableSetgroups = !o.denySetgroups
	}
	ch := &child{
		cmd:             cmd,
		conn:            conn,
		cfgW:            cfgW,
		closeAfterStart: []*os.File{cfgR, childSock},
		forkInit:        o.forkInit,
		idmap:           o.idmap,
	}
	if exeFd != exe {
		ch.closeAfterStart = append(ch.closeAfterStart, exeFd)
	}
	return ch, cfg, nil
}

// exeFdAbove returns a handle on rt's binary whose fd number the child's
// fd shuffle cannot reach. The child execs "/proc/self/fd/N" only after
// os/exec has dup2'd stdio and the extra files onto 0..2+nExtra, and moved
// low sources up to the numbers just above those: an exe fd among them
// would be replaced and the exec would run (or fail on) another file.
func exeFdAbove(exe *os.File, nExtra int) (*os.File, error) {
	n := 3 + nExtra
	floor := 2*n + 2 // the dup2 targets, the moved sources, os/exec's pipe
	if int(exe.Fd()) >= floor {
		return exe, nil
	}
	fd, err := unix.FcntlInt(exe.Fd(), unix.F_DUPFD_CLOEXEC, floor)
	if err != nil {
		return nil, fmt.Errorf("duplicate rt's binary fd: %w", err)
	}
	return os.NewFile(uintptr(fd), "rt-exe"), nil
}

// checkPassedFds makes sure fds 3..3+n-1 really were handed to rt: they
// are inherited without close-on-exec, while everything rt opens itself is
// close-on-exec. A caller that claims more fds than it passed must get an
// error, not rt's own lock or binary fd in its container.
func checkPassedFds(n int) error {
	if n < 0 {
		return fmt.Errorf("--preserve-fds %d must not be negative", n)
	}
	for fd := 3; fd < 3+n; fd++ {
		flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
		if err != nil || flags&unix.FD_CLOEXEC != 0 {
			return fmt.Errorf("fd %d was not passed to rt (--preserve-fds %d, LISTEN_FDS)", fd, n)
		}
	}
	return nil
}

// start starts the child from an OS thread of its own, held until
// releaseThread: the child's parent-death signal fires when the thread that
// cloned it exits, and Go ends a thread whenever a goroutine that locked it
// returns without unlocking (as rt's mount-namespace helpers do), so the
// child must not be cloned from a thread the runtime may hand them.
func (ch *child) start() error {
	if ch.forkInit {
		if err := becomeSubreaper(); err != nil {
			return err
		}
	}
	done := make(chan error, 1)
	ch.keepThread = make(chan struct{})
	go func() {
		runtime.LockOSThread()
		for _, op := range ch.threadO {
			if err := op.apply(); err != nil {
				done <- err
				return // the thread is discarded: its namespaces are changed
			}
		}
		done <- ch.cmd.Start()
		<-ch.keepThread
		// A thread that joined the container's namespaces is discarded
		// (no unlock); a clean one goes back to the runtime.
		if len(ch.threadO) == 0 {
			runtime.UnlockOSThread()
		}
	}()
	err := <-done
	for _, f := range ch.closeAfterStart {
		f.Close()
	}
	if err != nil {
		ch.releaseThread()
		ch.cfgW.Close()
		ch.conn.Close()
		return fmt.Errorf("start container init: %w", err)
	}
	// The debug lines of the init protocol carry runc's words, which its
	// tests and people used to its logs look for.
	slog.Debug("nsexec container setup: init started", "pid", ch.cmd.Process.Pid)
	if ch.idmap != nil {
		if err := ch.serveIDMap(); err != nil {
			ch.kill()
			ch.cfgW.Close()
			ch.conn.Close()
			return fmt.Errorf("start container init: %w", err)
		}
	}
	if ch.forkInit {
		return ch.adoptInit()
	}
	return nil
}

// releaseThread lets the spawning thread of start go, once the child no
// longer dies with it (or is to die anyway).
func (ch *child) releaseThread() {
	if ch.keepThread != nil {
		close(ch.keepThread)
		ch.keepThread = nil
	}
}

func (op nsOp) apply() error {
	if err := unix.Setns(op.fd, 0); err != nil {
		return fmt.Errorf("join namespace: %w", err)
	}
	return nil
}

// sendConfig writes the config down the pipe; the child reads to EOF.
func (ch *child) sendConfig(cfg *initproc.Config) error {
	b, err := json.Marshal(cfg)
	if err != nil {
		return err
	}
	_, err = ch.cfgW.Write(b)
	if cerr := ch.cfgW.Close(); err == nil {
		err = cerr
	}
	if errors.Is(err, unix.EPIPE) {
		// The child died before reading: the nsenter constructor failed
		// and said why on the sync socket, which beats "broken pipe".
		if _, _, rerr := ch.conn.Recv(); rerr != nil && rerr != initproc.ErrClosed {
			return rerr
		}
		return ch.failure(initproc.ErrClosed)
	}
	if err != nil {
		return fmt.Errorf("send config to init: %w", err)
	}
	return nil
}

// errInitKilled is an init SIGKILLed before it could report: Create checks
// whether the memory limit did it.
var errInitKilled = errors.New("container init was killed")

// failure turns a closed sync socket into a useful error: the init died
// before it could say why.
func (ch *child) failure(err error) error {
	if err == initproc.ErrClosed {
		if ws, werr := ch.cmd.Process.Wait(); werr == nil {
			if w, ok := ws.Sys().(syscall.WaitStatus); ok && w.Signaled() && w.Signal() == syscall.SIGKILL {
				return fmt.Errorf("%w (%s)", errInitKilled, ws)
			}
			return fmt.Errorf("container init exited unexpectedly (%s)", ws)
		}
		return fmt.Errorf("container init exited unexpectedly")
	}
	return err
}

// kill ends a child that will not be used.
func (ch *child) kill() {
	if ch.cmd.Process != nil {
		ch.cmd.Process.Kill()
		ch.cmd.Process.Wait()
	}
}

// timeOffsets renders linux.timeOffsets as timens_offsets lines.
func timeOffsets(offs map[string]specs.LinuxTimeOffset) string {
	var b strings.Builder
	for clock, o := range offs {
		fmt.Fprintf(&b, "%s %d %d\n", clock, o.Secs, o.Nanosecs)
	}
	return b.String()
}
