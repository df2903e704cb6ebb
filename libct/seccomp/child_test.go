package seccomp

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// The load tests re-execute the test binary: a seccomp filter cannot be
// removed, so it must be installed in a process of its own.
const (
	envChild = "RT_SECCOMP_TEST_CHILD" // set: run childMain instead of the tests
	envProg  = "RT_SECCOMP_TEST_PROG"  // file holding Program.Bytes(); empty: load nothing
	envDir   = "RT_SECCOMP_TEST_DIR"   // scratch directory for mkdir ops
	envOps   = "RT_SECCOMP_TEST_OPS"   // comma-separated ops, see childOp
	envAgent = "RT_SECCOMP_TEST_AGENT" // listener socket to send the notify fd to
	envExec  = "RT_SECCOMP_TEST_EXEC"  // argv joined by \x1f (env cannot hold NUL) to exec at the end

	// highFd is above the "dirfd > 1000" condition used by the tests and
	// below the usual 1024 soft RLIMIT_NOFILE.
	highFd = 1010
)

func TestMain(m *testing.M) {
	if os.Getenv(envChild) != "" {
		os.Exit(childMain())
	}
	os.Exit(m.Run())
}

func childMain() int {
	runtime.LockOSThread() // the filter may cover only this thread
	// A killed child must not leave a core file in the package directory.
	_ = unix.Setrlimit(unix.RLIMIT_CORE, &unix.Rlimit{})
	_ = unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0)
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		fmt.Fprintln(os.Stderr, "no_new_privs:", err)
		return 2
	}
	if err := childLoad(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	dir := os.Getenv(envDir)
	lo, err := unix.Open(dir, unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		fmt.Fprintln(os.Stderr, "open dir:", err)
		return 2
	}
	if err := unix.Dup3(lo, highFd, unix.O_CLOEXEC); err != nil {
		fmt.Fprintln(os.Stderr, "dup3:", err)
		return 2
	}
	if ops := os.Getenv(envOps); ops != "" {
		for i, op := range strings.Split(ops, ",") {
			errno, err := childOp(op, dir, lo, i)
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 2
			}
			fmt.Printf("%s=%d\n", op, errno)
		}
	}
	if argv := os.Getenv(envExec); argv != "" {
		args := strings.Split(argv, "\x1f")
		err := syscall.Exec(args[0], args, os.Environ())
		fmt.Fprintln(os.Stderr, "exec:", err)
		return 3
	}
	return 0
}

func childLoad() error {
	path := os.Getenv(envProg)
	if path == "" {
		return nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	p, err := FromBytes(b)
	if err != nil {
		return err
	}
	fd, err := p.Load()
	if err != nil {
		return err
	}
	agent := os.Getenv(envAgent)
	if agent == "" {
		return nil
	}
	st := &specs.ContainerProcessState{
		Pid:      os.Getpid(),
		Metadata: "test-metadata",
		State:    specs.State{Version: specs.Version, ID: "seccomp-test", Status: specs.StateCreating, Pid: os.Getpid()},
	}
	if err := SendToAgent(agent, st, fd); err != nil {
		return err
	}
	return unix.Close(fd)
}

// childOp runs one op and returns its errno (0 on success):
//
//	mkdir:MODE            mkdir(dir/N, MODE)
//	mkdirat:lo|hi:MODE    mkdirat(fd, "N", MODE), fd a low or a >1000 dirfd
//	nr:NUM                raw syscall NUM with zero arguments
func childOp(op, dir string, lo, i int) (unix.Errno, error) {
	f := strings.Split(op, ":")
	name := []byte(strconv.Itoa(i) + "\x00")
	path := []byte(filepath.Join(dir, strconv.Itoa(i)) + "\x00")
	var errno unix.Errno
	switch {
	case f[0] == "mkdir" && len(f) == 2:
		mode, err := strconv.ParseUint(f[1], 8, 32)
		if err != nil {
			return 0, err
		}
		_, _, errno = unix.Syscall(unix.SYS_MKDIR, uintptr(unsafe.Pointer(&path[0])), uintptr(mode), 0)
	case f[0] == "mkdirat" && len(f) == 3:
		mode, err := strconv.ParseUint(f[2], 8, 32)
		if err != nil {
			return 0, err
		}
		fd := lo
		if f[1] == "hi" {
			fd = highFd
		}
		_, _, errno = unix.Syscall(unix.SYS_MKDIRAT, uintptr(fd), uintptr(unsafe.Pointer(&name[0])), uintptr(mode))
	case f[0] == "nr" && len(f) == 2:
		nr, err := strconv.Atoi(f[1])
		if err != nil {
			return 0, err
		}
		_, _, errno = unix.Syscall(uintptr(nr), 0, 0, 0)
	default:
		return 0, fmt.Errorf("bad op %q", op)
	}
	runtime.KeepAlive(name)
	runtime.KeepAlive(path)
	return errno, nil
}

// childResult is what a child reported and how it ended.
type childResult struct {
	errnos map[string]unix.Errno
	state  *os.ProcessState
	stderr string
}

// startChild starts the test binary as a child that loads p (nil: no
// filter), then runs ops and optionally execs argv.
func startChild(t *testing.T, p *Program, ops []string, argv []string, extraEnv ...string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	tmp := t.TempDir()
	progPath := ""
	if p != nil {
		progPath = filepath.Join(tmp, "prog")
		if err := os.WriteFile(progPath, p.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	work := filepath.Join(tmp, "work")
	if err := os.Mkdir(work, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envChild+"=1", envProg+"="+progPath, envDir+"="+work,
		envOps+"="+strings.Join(ops, ","), envExec+"="+strings.Join(argv, "\x1f"))
	cmd.Env = append(cmd.Env, extraEnv...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start child: %v", err)
	}
	return cmd, &stdout, &stderr
}

func waitChild(t *testing.T, cmd *exec.Cmd, stdout, stderr *bytes.Buffer) childResult {
	t.Helper()
	res, err := collectChild(cmd, stdout, stderr)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// collectChild waits for the child and parses its "op=errno" lines; it
// does not touch t so it can run on another goroutine.
func collectChild(cmd *exec.Cmd, stdout, stderr *bytes.Buffer) (childResult, error) {
	err := cmd.Wait()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		return childResult{}, fmt.Errorf("wait child: %w", err)
	}
	res := childResult{errnos: map[string]unix.Errno{}, state: cmd.ProcessState, stderr: stderr.String()}
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		n, err := strconv.Atoi(v)
		if !ok || err != nil {
			return childResult{}, fmt.Errorf("child printed %q", sc.Text())
		}
		res.errnos[k] = unix.Errno(n)
	}
	return res, nil
}

func runChild(t *testing.T, p *Program, ops []string, argv ...string) childResult {
	t.Helper()
	cmd, out, errb := startChild(t, p, ops, argv)
	return waitChild(t, cmd, out, errb)
}

// expectExit0 fails unless the child exited normally with status 0.
func (r childResult) expectExit0(t *testing.T) {
	t.Helper()
	if !r.state.Exited() || r.state.ExitCode() != 0 {
		t.Fatalf("child ended with %v; stderr:\n%s", r.state, r.stderr)
	}
}

func (r childResult) expect(t *testing.T, want map[string]unix.Errno) {
	t.Helper()
	for op, w := range want {
		got, ok := r.errnos[op]
		if !ok {
			t.Errorf("op %s: no result (child %v, stderr %q)", op, r.state, r.stderr)
			continue
		}
		if got != w {
			t.Errorf("op %s: errno %d (%v), want %d (%v)", op, int(got), got, int(w), w)
		}
	}
}

func (r childResult) expectSignal(t *testing.T, sig syscall.Signal) {
	t.Helper()
	ws, ok := r.state.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() || ws.Signal() != sig {
		t.Fatalf("child ended with %v, want death by %v; stderr:\n%s", r.state, sig, r.stderr)
	}
}
