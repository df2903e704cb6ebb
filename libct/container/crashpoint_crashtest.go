//go:build crashtest

package container

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"

	"golang.org/x/sys/unix"
)

// In a crashtest build, RT_CRASH_AT=N makes the command stop itself
// (SIGSTOP) at the Nth crash point it passes, for the test to SIGKILL it
// there; RT_CRASH_TRACE=1 names every point passed on stderr. Production
// builds never read these variables.
var crash struct {
	once  sync.Once
	mu    sync.Mutex
	at, n int
	trace bool
}

func crashPoint(name string) {
	crash.once.Do(func() {
		crash.at, _ = strconv.Atoi(os.Getenv("RT_CRASH_AT"))
		crash.trace = os.Getenv("RT_CRASH_TRACE") != ""
	})
	crash.mu.Lock()
	crash.n++
	n := crash.n
	crash.mu.Unlock()
	if crash.trace {
		fmt.Fprintf(os.Stderr, "rt: crash point %d: %s\n", n, name)
	}
	if n == crash.at {
		fmt.Fprintf(os.Stderr, "rt: stopped at crash point %d: %s\n", n, name)
		// To this thread, which then stops before its next instruction:
		// sent to the process, another thread may take the signal while
		// this one runs on, past the point (even out of main, exiting).
		runtime.LockOSThread()
		unix.Tgkill(os.Getpid(), unix.Gettid(), unix.SIGSTOP)
		runtime.UnlockOSThread()
	}
}
