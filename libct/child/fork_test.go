package child

import (
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/libct/seccomp"
)

func TestExecChild(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	p, err := Compile(&Config{
		Mode:        Exec,
		ThreadPidNS: -1,
		Process: &specs.Process{
			Args: []string{"sh", "-c", "echo hello from $X in $(pwd); ls /proc/self/fd | wc -l"},
			Env:  []string{"X=child", "PATH=/usr/bin:/bin"},
			Cwd:  "/tmp",
		},
		Stdio: [3]*os.File{nil, w, os.Stderr},
	})
	if err != nil {
		t.Fatal(err)
	}
	b, ws := runExec(t, p, r, w)
	// stdin, stdout, stderr and the fd ls reads /proc/self/fd with: the
	// child's own fds are close-on-exec and nothing else was inherited.
	if got := strings.TrimSpace(b); got != "hello from child in /tmp\n4" {
		t.Errorf("child printed %q", b)
	}
	if ws.ExitStatus() != 0 {
		t.Errorf("wait: %v", ws)
	}
}

func TestExecChildReportsFailedStep(t *testing.T) {
	p, err := Compile(&Config{
		Mode:        Exec,
		ThreadPidNS: -1,
		Process:     &specs.Process{Args: []string{"true"}, Cwd: "/nonexistent-dir-for-rt"},
	})
	if err != nil {
		t.Fatal(err)
	}
	ch, err := p.Start(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ch.Release()
	if _, err := ch.Conn.Serve(nil, KindReady); err != nil {
		t.Fatal(err)
	}
	ch.Conn.Send(Msg{Kind: KindOK})
	_, err = ch.Conn.Serve(nil, 0)
	want := `chdir to cwd "/nonexistent-dir-for-rt": no such file or directory`
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %q", err, want)
	}
	if ws, _ := ch.Wait(); ws.ExitStatus() != 1 {
		t.Errorf("exit status %v", ws)
	}
}

// LISTEN_FDS and LISTEN_PID: the fds 3.. a caller passed go to the
// process, with its own pid. Go's own fds are above those given to a
// process at its start, so the test runs again with fd 3 a pipe.
func TestExecChildListenFDs(t *testing.T) {
	if os.Getenv("RT_CHILD_TEST_RUN") == "listenfds" {
		listenFDsChild(t)
		return
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^TestExecChildListenFDs$", "-test.v")
	cmd.Env = append(os.Environ(), "RT_CHILD_TEST_RUN=listenfds")
	cmd.ExtraFiles = []*os.File{w}
	out, err := cmd.CombinedOutput()
	w.Close()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if !strings.Contains(string(out), "LISTEN_FDS=1 LISTEN_PID=1 pid=1 fd3=pipe") {
		t.Errorf("the process said: %s", out)
	}
	ranOpsMu.Lock()
	ranOps[opListenPid] = true
	ranOpsMu.Unlock()
}

func listenFDsChild(t *testing.T) {
	needRoot(t)
	r, w, _ := os.Pipe()
	defer r.Close()
	p, err := Compile(&Config{
		Mode: Exec, ThreadPidNS: -1, ListenFDs: 1, Join: nil,
		Process: &specs.Process{Args: []string{"sh", "-c", `echo LISTEN_FDS=$LISTEN_FDS LISTEN_PID=$LISTEN_PID pid=$$ fd3=$(readlink /proc/self/fd/3 | cut -d: -f1)`},
			Env: []string{"PATH=/bin:/usr/bin"}, Cwd: "/"},
		Stdio: [3]*os.File{nil, w, w},
	})
	if err != nil {
		t.Fatal(err)
	}
	// A pid namespace of its own, so that its pid is 1.
	p.cloneFlags = unix.CLONE_NEWPID
	out, _ := runExec(t, p, r, w)
	t.Log(out)
}

// An exec into the namespaces of a process made by unshare(1): joined by
// setns, the pid one by the child, which forks into it.
func TestExecChildJoinsAndForks(t *testing.T) {
	needRoot(t)
	holder := exec.Command("unshare", "--pid", "--uts", "--fork", "sh", "-c", "hostname held; exec sleep 1000")
	// A group of its own, all of it killed after: unshare's forked child
	// would outlive a kill of unshare alone.
	holder.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := holder.Start(); err != nil {
		t.Skip("unshare:", err)
	}
	defer func() { syscall.Kill(-holder.Process.Pid, syscall.SIGKILL); holder.Wait() }()
	// The forked child is the one in the namespaces; once it runs sleep,
	// the hostname is set.
	children := func(pid string) string {
		b, _ := os.ReadFile("/proc/" + pid + "/task/" + pid + "/children")
		return strings.TrimSpace(string(b))
	}
	var pid string
	for i := 0; i < 200; i++ {
		if pid = children(itoa(holder.Process.Pid)); pid != "" {
			if b, _ := os.ReadFile("/proc/" + pid + "/comm"); string(b) == "sleep\n" {
				break
			}
		}
		unix.Nanosleep(&unix.Timespec{Nsec: 10e6}, nil)
	}
	var join []Namespace
	for _, ns := range []struct {
		name string
		typ  uintptr
	}{{"uts", unix.CLONE_NEWUTS}, {"pid", unix.CLONE_NEWPID}} {
		fd, err := unix.Open("/proc/"+pid+"/ns/"+ns.name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		join = append(join, Namespace{Fd: fd, Type: ns.typ})
	}
	defer func() {
		for _, ns := range join {
			unix.Close(ns.Fd)
		}
	}()
	r, w, _ := os.Pipe()
	defer r.Close()
	p, err := Compile(&Config{
		Mode: Exec, ThreadPidNS: -1, Join: join, ForkInit: true,
		Process: &specs.Process{Args: []string{"sh", "-c", "echo host=$(hostname) pid=$$"}, Env: []string{"PATH=/bin:/usr/bin"}, Cwd: "/",
			ExecCPUAffinity: &specs.CPUAffinity{Initial: "0"}},
		Stdio:     [3]*os.File{nil, w, w},
		ListenFDs: 0,
	})
	if err != nil {
		t.Fatal(err)
	}
	out, _ := runExec(t, p, r, w)
	// pid 1 is the holder's sh; the forked sleep, 2; the process comes
	// after.
	if s := out; !strings.HasPrefix(s, "host=held pid=") || strings.HasSuffix(s, "pid=1\n") {
		t.Errorf("the process said %q", s)
	}
}

// runExec starts an exec program p whose stdout and stderr are w, takes
// it through its handshake to its execve, and returns what it wrote to r
// (the read end of w) and its wait status.
// releaseExec starts an exec'd child, closes the caller's copy of its
// output w, and lets it go to its execve once it is ready.
func releaseExec(t *testing.T, p *Program, w *os.File) *Child {
	t.Helper()
	ch, err := p.Start(nil)
	w.Close()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ch.Conn.Serve(nil, KindReady); err != nil {
		ch.Release()
		t.Fatal(ch.Failure(err))
	}
	if err := ch.Conn.Send(Msg{Kind: KindOK}); err != nil {
		ch.Release()
		t.Fatal(err)
	}
	return ch
}

func runExec(t *testing.T, p *Program, r, w *os.File) (string, unix.WaitStatus) {
	t.Helper()
	ch := releaseExec(t, p, w)
	defer ch.Release()
	if _, err := ch.Conn.Serve(nil, 0); err != nil {
		t.Fatal(err)
	}
	started(p)
	out, _ := io.ReadAll(r)
	ws, err := ch.Wait()
	if err != nil {
		t.Fatal(err)
	}
	return string(out), ws
}

// A seccomp filter that denies the execve denies the report and the exit
// too: the child ends on a fault instead of spinning, and leaves its error
// where the parent, sharing its memory, reads it.
func TestUnsentErrorUnderAFilterThatDeniesAll(t *testing.T) {
	needRoot(t)
	one := uint(1)
	prog, err := seccomp.Compile(&specs.LinuxSeccomp{DefaultAction: specs.ActErrno, DefaultErrnoRet: &one,
		Syscalls: []specs.LinuxSyscall{{Names: []string{"*"}, Action: specs.ActAllow}}}, "")
	if err != nil {
		t.Fatal(err)
	}
	r, w, _ := os.Pipe()
	defer r.Close()
	p, err := Compile(&Config{
		Mode: Exec, ThreadPidNS: -1, Seccomp: prog,
		Process: &specs.Process{Args: []string{"/bin/true"}, Env: []string{"PATH=/bin"}, Cwd: "/", NoNewPrivileges: true},
		Stdio:   [3]*os.File{nil, w, w},
	})
	if err != nil {
		t.Fatal(err)
	}
	ch := releaseExec(t, p, w)
	defer ch.Release()
	done := make(chan error, 1)
	go func() { _, err := ch.Conn.Serve(nil, 0); done <- err }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		ch.Kill()
		t.Fatal("the child neither exec'd nor ended")
	}
	unsent := ch.UnsentError()
	ws, _ := ch.Wait()
	if unsent == nil || unsent.Error() != "exec /bin/true: operation not permitted" {
		t.Errorf("unsent error = %v, want the exec's", unsent)
	}
	if !ws.Signaled() || ws.Signal() != unix.SIGSEGV {
		t.Errorf("wait status %v, want the fault's SIGSEGV", ws)
	}
}
