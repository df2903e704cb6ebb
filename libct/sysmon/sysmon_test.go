package sysmon

import (
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func readTrim(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// The package's init gave sysmon, and only sysmon, the slack.
func TestMonitorThreadHasSlack(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("changing another thread's timer slack needs CAP_SYS_NICE")
	}
	tid := monitorThread()
	if tid == "" {
		t.Fatal("no second thread in /proc/self/task")
	}
	if got := readTrim(t, "/proc/"+tid+"/timerslack_ns"); got != Slack {
		t.Errorf("thread %s: timerslack_ns %s, want %s", tid, got, Slack)
	}
	if got := readTrim(t, "/proc/self/timerslack_ns"); got == Slack {
		t.Errorf("the main thread got the slack too")
	}
	// The thread is sysmon: it sleeps in nanosleep between its rounds
	// (the runtime's other threads park on futexes).
	want := strconv.Itoa(syscall.SYS_NANOSLEEP) + " "
	var last string
	for range 200 {
		last = readTrim(t, "/proc/self/task/"+tid+"/syscall")
		if strings.HasPrefix(last, want) {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Errorf("thread %s is not in nanosleep (syscall %q): not sysmon", tid, last)
}

// Where the guess finds a thread, it is the one the listing names second.
func TestGuessAgreesWithListing(t *testing.T) {
	next := strconv.Itoa(os.Getpid() + 1)
	if _, err := os.Stat("/proc/self/task/" + next); err != nil {
		t.Skipf("pid %s went to another process: only the listing answers", next)
	}
	if got := secondListed(); got != next {
		t.Errorf("second thread listed %q, guessed %q", got, next)
	}
	if got := monitorThread(); got != next {
		t.Errorf("monitorThread %q, want the guess %q", got, next)
	}
}
