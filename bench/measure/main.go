// Command measure runs a sequence of commands and reports the wall time,
// the CPU time (user+sys) of the whole process tree they made and its peak
// RSS. It is the bench's stopwatch.
//
// A container runtime's tree is not a plain tree: the container init is
// reparented when `create` or `run -d` returns, and runc's init forks
// twice. wait4 only accounts a process once someone reaps it, so measure
// makes itself a child subreaper: every orphan of the tree is reparented
// to it and reaped by it, and getrusage(RUSAGE_CHILDREN) then covers every
// process the commands started. ru_maxrss is the largest single process.
//
// Usage:
//
//	measure [-log FILE | -stdio] [-timeout D] [-own] -- CMD ARGS... [--- CMD ARGS...]...
//
// A step that is the single word @reap waits until every descendant is
// gone (the container of a create+start has exited). The output is one
// line: wall_us cpu_us user_us sys_us maxrss_kb; with -steps a second line
// holds each step's wall time in µs.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

func main() {
	logPath := flag.String("log", "/dev/null", "file for the commands' stdout and stderr")
	timeout := flag.Duration("timeout", 2*time.Minute, "give up when the tree is not gone after this")
	inherit := flag.Bool("stdio", false, "let the commands inherit measure's stdio (overrides -log)")
	perStep := flag.Bool("steps", false, "print a second line: each step's wall time in µs")
	own := flag.Bool("own", false, "no subreaper: count only the commands and what they wait for themselves (not a container init they leave running)")
	flag.Parse()
	steps := splitSteps(flag.Args())
	if len(steps) == 0 {
		fmt.Fprintln(os.Stderr, "usage: measure [-log FILE] -- CMD ARGS... [--- CMD ARGS...]...")
		os.Exit(2)
	}
	// Nothing here should compete with the measured tree for the CPU.
	debug.SetGCPercent(-1)
	if !*own {
		if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
			fail("become a child subreaper: %v", err)
		}
	}
	out, err := os.OpenFile(*logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		fail("open log: %v", err)
	}
	null, err := os.Open("/dev/null")
	if err != nil {
		fail("open /dev/null: %v", err)
	}
	attr := &syscall.ProcAttr{
		Env:   os.Environ(),
		Files: []uintptr{null.Fd(), out.Fd(), out.Fd()},
	}
	if *inherit {
		attr.Files = []uintptr{0, 1, 2}
	}
	deadline := time.Now().Add(*timeout)
	start := time.Now()
	stepWalls := make([]string, 0, len(steps))
	for i, st := range steps {
		t0 := time.Now()
		if len(st) == 1 && st[0] == "@reap" {
			if err := reapAll(deadline); err != nil {
				fail("step %d (@reap): %v", i+1, err)
			}
		} else if err := runStep(st, attr, deadline); err != nil {
			fail("step %d (%s): %v", i+1, strings.Join(st, " "), err)
		}
		stepWalls = append(stepWalls, fmt.Sprint(time.Since(t0).Microseconds()))
	}
	wall := time.Since(start)
	// Whatever the last command left (a killed container's init that its
	// runtime did not wait for) still belongs to the tree's CPU time.
	if err := reapAll(deadline); err != nil {
		fail("after the last step: %v", err)
	}
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_CHILDREN, &ru); err != nil {
		fail("getrusage: %v", err)
	}
	user := ru.Utime.Sec*1e6 + ru.Utime.Usec
	sys := ru.Stime.Sec*1e6 + ru.Stime.Usec
	fmt.Printf("%d %d %d %d %d\n", wall.Microseconds(), user+sys, user, sys, ru.Maxrss)
	if *perStep {
		fmt.Println(strings.Join(stepWalls, " "))
	}
}

func splitSteps(args []string) [][]string {
	var steps [][]string
	var cur []string
	for _, a := range args {
		if a == "---" {
			if len(cur) > 0 {
				steps = append(steps, cur)
			}
			cur = nil
			continue
		}
		cur = append(cur, a)
	}
	if len(cur) > 0 {
		steps = append(steps, cur)
	}
	return steps
}

// runStep starts one command and reaps (it and any orphan) until it exits.
func runStep(argv []string, attr *syscall.ProcAttr, deadline time.Time) error {
	path := argv[0]
	if !strings.Contains(path, "/") {
		p, err := lookPath(path)
		if err != nil {
			return err
		}
		path = p
	}
	pid, err := syscall.ForkExec(path, argv, attr)
	if err != nil {
		return err
	}
	for {
		var ws unix.WaitStatus
		got, err := wait(&ws, deadline)
		if err != nil {
			return err
		}
		if got != pid {
			continue // an orphan of the tree: reaped and accounted
		}
		if ws.Exited() && ws.ExitStatus() == 0 {
			return nil
		}
		return fmt.Errorf("exited with %s", describe(ws))
	}
}

// reapAll waits until no descendant is left.
func reapAll(deadline time.Time) error {
	for {
		var ws unix.WaitStatus
		_, err := wait(&ws, deadline)
		if errors.Is(err, unix.ECHILD) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// wait is a blocking wait4(-1) with a deadline: the bench must not hang on
// a stuck container. On a timeout measure fails, so the waiting goroutine
// is simply left behind.
func wait(ws *unix.WaitStatus, deadline time.Time) (int, error) {
	type result struct {
		pid int
		ws  unix.WaitStatus
		err error
	}
	ch := make(chan result, 1)
	go func() {
		for {
			var r result
			r.pid, r.err = unix.Wait4(-1, &r.ws, 0, nil)
			if !errors.Is(r.err, unix.EINTR) {
				ch <- r
				return
			}
		}
	}()
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	select {
	case r := <-ch:
		*ws = r.ws
		return r.pid, r.err
	case <-t.C:
		return 0, fmt.Errorf("timed out; still alive: %s", children())
	}
}

func children() string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", os.Getpid(), os.Getpid()))
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(string(b))
}

func describe(ws unix.WaitStatus) string {
	if ws.Signaled() {
		return "signal " + ws.Signal().String()
	}
	return fmt.Sprintf("status %d", ws.ExitStatus())
}

func lookPath(name string) (string, error) {
	for _, dir := range strings.Split(os.Getenv("PATH"), ":") {
		if dir == "" {
			continue
		}
		p := dir + "/" + name
		if unix.Access(p, unix.X_OK) == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s: not found in PATH", name)
}

func fail(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "measure: "+format+"\n", a...)
	os.Exit(1)
}
