package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// rtProc is an rt command started by us and waited for by pid, so that it
// can be seen stopping (WUNTRACED) at a crash point.
type rtProc struct {
	pid int
	out *os.File
}

// ours are the rt commands we started and wait for ourselves; every other
// child is an orphan rt left, which the reaper reaps as soon as it is a
// zombie: a container init that dies waits (zap_pid_ns_processes) until
// every process of its pid namespace has been reaped, and an exec'd one
// killed with it has become our child.
var ours = struct {
	sync.Mutex
	pids map[int]bool
}{pids: map[int]bool{}}

func startRT(extraEnv []string, argv []string) (*rtProc, error) {
	out, err := os.CreateTemp("", "crashsweep-out")
	if err != nil {
		return nil, err
	}
	os.Remove(out.Name())
	null, err := os.Open(os.DevNull)
	if err != nil {
		return nil, err
	}
	defer null.Close()
	ours.Lock()
	defer ours.Unlock()
	p, err := os.StartProcess(argv[0], argv, &os.ProcAttr{
		Env:   append(os.Environ(), extraEnv...),
		Files: []*os.File{null, out, out},
	})
	if err != nil {
		out.Close()
		return nil, err
	}
	pid := p.Pid
	p.Release()
	ours.pids[pid] = true
	return &rtProc{pid: pid, out: out}, nil
}

// startReaper reaps zombie orphans whenever a child changes state.
func startReaper() {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, unix.SIGCHLD)
	go func() {
		t := time.NewTicker(10 * time.Millisecond)
		for {
			select {
			case <-ch:
			case <-t.C:
			}
			reapZombies()
		}
	}()
}

func reapZombies() {
	ours.Lock()
	defer ours.Unlock()
	for _, pid := range orphans() {
		if st, _, err := procState(pid); err == nil && (st == 'Z' || st == 'X') {
			var ws unix.WaitStatus
			unix.Wait4(pid, &ws, unix.WNOHANG, nil)
		}
	}
}

// wait4 waits for our own child pid; the options say for what.
func wait4(pid, options int) (unix.WaitStatus, error) {
	var ws unix.WaitStatus
	for {
		_, err := unix.Wait4(pid, &ws, options, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil || !ws.Stopped() {
			ours.Lock()
			delete(ours.pids, pid)
			ours.Unlock()
		}
		return ws, err
	}
}

// waitStopped waits until the command stops itself (true) or exits.
func (p *rtProc) waitStopped() (bool, error) {
	ws, err := wait4(p.pid, unix.WUNTRACED)
	if err != nil {
		return false, err
	}
	return ws.Stopped(), nil
}

// kill SIGKILLs the command (a stopped one too) and reaps it.
func (p *rtProc) kill() {
	unix.Kill(p.pid, unix.SIGKILL)
	wait4(p.pid, 0)
	p.out.Close()
}

func (p *rtProc) output() string {
	b, _ := os.ReadFile("/proc/self/fd/" + strconv.Itoa(int(p.out.Fd())))
	return string(b)
}

// rt runs rt to the end; an error carries its output.
func (e *env) rt(args ...string) error {
	out, err := e.rtOutput(args...)
	if err != nil {
		return fmt.Errorf("rt %s: %v: %s", strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
	return nil
}

// rtOutput runs rt to the end (stdin /dev/null: a container it starts
// must not hold our pipes) and returns what it printed.
func (e *env) rtOutput(args ...string) ([]byte, error) {
	p, err := startRT(nil, e.rtArgs(*rtBin, args...))
	if err != nil {
		return nil, err
	}
	ws, err := wait4(p.pid, 0)
	out := []byte(p.output())
	p.out.Close()
	if err != nil {
		return out, err
	}
	if ws.ExitStatus() != 0 || ws.Signaled() {
		return out, fmt.Errorf("exit status %d", ws.ExitStatus())
	}
	return out, nil
}

// orphans are the children we did not start: processes rt left, which the
// kernel gave to us, the subreaper.
func orphans() []int {
	tasks, _ := filepath.Glob("/proc/self/task/*/children")
	var out []int
	for _, t := range tasks {
		b, _ := os.ReadFile(t)
		for _, f := range strings.Fields(string(b)) {
			if pid, err := strconv.Atoi(f); err == nil && !ours.pids[pid] {
				out = append(out, pid)
			}
		}
	}
	return out
}

func liveOrphans() []int {
	ours.Lock()
	defer ours.Unlock()
	var out []int
	for _, pid := range orphans() {
		if st, _, err := procState(pid); err == nil && st != 'Z' && st != 'X' {
			out = append(out, pid)
		}
	}
	return out
}

// procState returns the state letter of pid, and whether it is dying:
// SIGKILL pending (the parent-death signal) or already exiting.
func procState(pid int) (byte, bool, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false, err
	}
	i := bytes.LastIndexByte(b, ')')
	f := strings.Fields(string(b[i+1:]))
	if i < 0 || len(f) < 7 {
		return 0, false, fmt.Errorf("parse /proc/%d/stat", pid)
	}
	const pfExiting = 0x4
	flags, _ := strconv.ParseUint(f[6], 10, 64)
	dying := flags&pfExiting != 0
	if st, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid)); err == nil {
		for _, l := range strings.Split(string(st), "\n") {
			k, v, _ := strings.Cut(l, ":")
			if k == "SigPnd" || k == "ShdPnd" {
				m, _ := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
				dying = dying || m&(1<<(unix.SIGKILL-1)) != 0
			}
		}
	}
	return f[0][0], dying, nil
}

// describe names a process for a failure message.
func describe(pid int) string {
	comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	cg, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
	first, _, _ := strings.Cut(string(cg), "\n")
	return fmt.Sprintf("pid %d (%s, %s)", pid, strings.TrimSpace(string(comm)), first)
}

// inContainerCgroup tells whether pid is in container id's cgroup, where
// delete finds it.
func inContainerCgroup(pid int, id string) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
	if err != nil {
		return false
	}
	want := *cgParent + "/" + id
	if *systemd {
		want = "/rtcrash-" + id + ".scope"
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasSuffix(l, want) || strings.Contains(l, want+"/") {
			return true
		}
	}
	return false
}

// checkOrphans: right after rt was killed, whatever it left running must
// be in the container's cgroup (where delete finds it) or dying. A child
// whose parent was killed between the clone and the child's prctl has no
// parent-death signal yet and exits by itself a moment later (it sees its
// parent's end of the sync socket closed): those get a few seconds.
func checkOrphans(id string) error {
	deadline := time.Now().Add(5 * time.Second)
	for {
		var bad []string
		for _, pid := range liveOrphans() {
			if _, dying, err := procState(pid); err == nil && !dying && !inContainerCgroup(pid, id) {
				bad = append(bad, describe(pid))
			}
		}
		if len(bad) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("processes outside the container's cgroup: %s", strings.Join(bad, "; "))
		}
		time.Sleep(time.Millisecond)
	}
}

// reapOrphans: after delete -f, every orphan must be dead or dying; the
// reaper then reaps them. One that is not is a leak (killed, so that the
// next iteration starts clean).
func reapOrphans() error {
	var bad []string
	for _, pid := range liveOrphans() {
		if _, dying, err := procState(pid); err == nil && !dying {
			bad = append(bad, describe(pid))
			unix.Kill(pid, unix.SIGKILL)
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for len(allOrphans()) > 0 {
		if time.Now().After(deadline) {
			bad = append(bad, "processes that do not die")
			break
		}
		time.Sleep(time.Millisecond)
	}
	if len(bad) > 0 {
		return fmt.Errorf("processes left: %s", strings.Join(bad, "; "))
	}
	return nil
}

func allOrphans() []int {
	ours.Lock()
	defer ours.Unlock()
	return orphans()
}

// leftovers checks that nothing of container id is left.
func (e *env) leftovers(id string) error {
	var bad []string
	if _, err := os.Lstat(filepath.Join(e.root, id)); !errors.Is(err, os.ErrNotExist) {
		bad = append(bad, "state dir "+filepath.Join(e.root, id))
	}
	for _, d := range cgroupDirs(id) {
		bad = append(bad, "cgroup "+d)
	}
	if *systemd {
		// systemd unloads a stopped unit in the background: give it a
		// moment. list-units, unlike show, does not load what it asks about.
		unit := "rtcrash-" + id + ".scope"
		var out []byte
		for i := 0; i < 100; i++ {
			out, _ = exec.Command("systemctl", "list-units", "--all", "--plain", "--no-legend", unit).Output()
			if len(bytes.TrimSpace(out)) == 0 {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if len(bytes.TrimSpace(out)) > 0 {
			bad = append(bad, "systemd unit "+strings.TrimSpace(string(out)))
			exec.Command("systemctl", "stop", unit).Run()
			exec.Command("systemctl", "reset-failed", unit).Run()
		}
	}
	if n := mountsUnder(e.root, *rootfs, e.bundles); n > 0 {
		bad = append(bad, fmt.Sprintf("%d mounts", n))
	}
	if len(bad) > 0 {
		// Clean up so that the next iteration starts from nothing.
		for _, d := range cgroupDirs(id) {
			unix.Rmdir(d)
		}
		os.RemoveAll(filepath.Join(e.root, id))
		return fmt.Errorf("left: %s", strings.Join(bad, ", "))
	}
	return nil
}

// cgroupDirs lists the container's cgroup directories that exist, in
// every hierarchy.
func cgroupDirs(id string) []string {
	rel := *cgParent + "/" + id
	if *systemd {
		rel = "/system.slice/rtcrash-" + id + ".scope"
	}
	var out []string
	cands, _ := filepath.Glob("/sys/fs/cgroup/*" + rel)
	cands = append(cands, "/sys/fs/cgroup"+rel)
	for _, d := range cands {
		if fi, err := os.Stat(d); err == nil && fi.IsDir() {
			out = append(out, d)
		}
	}
	return out
}

// removeCgroupParent removes the (empty) parent the containers were in.
func removeCgroupParent() {
	if *systemd {
		return
	}
	ds, _ := filepath.Glob("/sys/fs/cgroup/*" + *cgParent)
	ds = append(ds, "/sys/fs/cgroup"+*cgParent)
	for _, d := range ds {
		unix.Rmdir(d)
	}
}

func mountCount() int {
	b, _ := os.ReadFile("/proc/self/mountinfo")
	return bytes.Count(b, []byte("\n"))
}

// mountsUnder counts the mounts of our mount namespace under any of dirs.
func mountsUnder(dirs ...string) int {
	b, _ := os.ReadFile("/proc/self/mountinfo")
	n := 0
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) < 5 {
			continue
		}
		for _, d := range dirs {
			if f[4] == d || strings.HasPrefix(f[4], d+"/") {
				n++
				break
			}
		}
	}
	return n
}
