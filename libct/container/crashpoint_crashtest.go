//go:build crashtest

package container

import (
	"fmt"
	"os"
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
		unix.Kill(os.Getpid(), unix.SIGSTOP)
	}
}
