// Package sysmon quiets the Go runtime's monitor thread (sysmon) for a
// command that lives a few milliseconds.
//
// sysmon wakes every 20 µs for its first fifty rounds and again every time
// it hands a P away, so a `rt create` or `rt run` spends 60 to 100 thread
// switches on it, about 0.3 ms of CPU (bench/RESULTS.md). Its work
// (retaking a P from a long system call, preempting a goroutine that ran
// for 10 ms) means nothing on that time scale to a process that runs one
// goroutine, so its sleeps get a timer slack of 1 ms: the kernel may then
// let them run long and batch its wake-ups with others. The rest of the
// process keeps its slack: timers and the init's steps are not delayed.
//
// Importing the package is all it takes; its init runs among the first of
// rt's (it depends on packages syscall and strconv alone).
package sysmon

import (
	"strconv"
	"syscall"
)

// Slack is the timer slack given to sysmon, in nanoseconds.
const Slack = "1000000"

// init sets the slack. Changing another thread's slack takes CAP_SYS_NICE:
// a rootless rt keeps the default, as does any error, silently (it is a
// saving, not a behaviour).
func init() {
	tid := monitorThread()
	if tid == "" {
		return
	}
	// timerslack_ns sits in the thread-group directory, which the kernel
	// also serves for every thread id.
	fd, err := syscall.Open("/proc/"+tid+"/timerslack_ns", syscall.O_WRONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return
	}
	_, _ = syscall.Write(fd, []byte(Slack))
	_ = syscall.Close(fd)
}

// monitorThread names sysmon's thread as /proc numbers it, or "" when
// /proc does not tell. runtime.main starts sysmon before any other thread,
// so it has the lowest thread id after the process's own, which the
// kernel hands out in order: the process's pid plus one, unless another
// process took that number first. A thread of this process by that
// number (in /proc/self/task, which lists only ours) is sysmon; otherwise
// the listing says, where the kernel puts a thread group leader first and
// its threads in the order they were created, and sysmon is the second
// entry. Should that ever not hold, the 1 ms lands on another runtime
// thread, which costs nothing. The guess spares every command the listing
// (a directory read that makes an inode for each thread).
func monitorThread() string {
	next := strconv.Itoa(syscall.Getpid() + 1)
	if syscall.Access("/proc/self/task/"+next, 0) == nil {
		return next
	}
	return secondListed()
}

// secondListed is the second thread /proc/self/task lists, or "".
func secondListed() string {
	fd, err := syscall.Open("/proc/self/task", syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return ""
	}
	defer syscall.Close(fd)
	var buf [1024]byte
	n, err := syscall.ReadDirent(fd, buf[:])
	if err != nil || n <= 0 {
		return ""
	}
	_, _, names := syscall.ParseDirent(buf[:n], 2, nil)
	if len(names) < 2 {
		return ""
	}
	return names[1]
}
