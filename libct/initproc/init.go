package initproc

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"

	"golang.org/x/sys/unix"
)

// IsInit reports whether this process was started as a container init.
func IsInit() bool { return os.Getenv(EnvInit) != "" }

func init() {
	// Namespace changes made with unshare/setns from Go apply to one thread;
	// keeping the init on its main thread makes the final execve carry them.
	if IsInit() {
		runtime.LockOSThread()
	}
}

// Main is the entry point of `rt init`. It never returns: it either execs
// the user's process or reports an error to the parent and exits.
func Main() {
	mode := os.Getenv(EnvInit)
	syncFd := fdFromEnv(EnvSyncFd)
	cfgFd := fdFromEnv(EnvCfgFd)
	if syncFd < 0 || cfgFd < 0 {
		fmt.Fprintln(os.Stderr, "rt: init: must be started by rt itself")
		os.Exit(1)
	}
	unix.CloseOnExec(syncFd)
	conn := NewConn(os.NewFile(uintptr(syncFd), "sync"))
	// Nothing in the runtime environment should reach the container.
	os.Clearenv()

	err := run(mode, conn, os.NewFile(uintptr(cfgFd), "config"))
	// run only returns on failure.
	_ = conn.Send(Message{Type: MsgError, Msg: err.Error()})
	os.Exit(1)
}

func run(mode string, conn *Conn, cfgPipe *os.File) error {
	b, err := io.ReadAll(cfgPipe)
	cfgPipe.Close()
	if err != nil {
		return fmt.Errorf("read config: %w", err)
	}
	var cfg Config
	if err := json.Unmarshal(b, &cfg); err != nil {
		return fmt.Errorf("decode config: %w", err)
	}
	switch mode {
	case "create":
		return createContainer(&cfg, conn)
	case "exec":
		return execProcess(&cfg, conn)
	}
	return fmt.Errorf("unknown init mode %q", mode)
}

// surviveParent drops the parent-death signal the nsenter constructor set:
// until now rt's death (SIGKILL, OOM, a timeout) had to take this process
// with it, since nothing recorded it where a later command would find it.
// The signal is per thread and set on the main one, where Go keeps us.
func surviveParent() error {
	if err := unix.Prctl(unix.PR_SET_PDEATHSIG, 0, 0, 0, 0); err != nil {
		return fmt.Errorf("prctl PR_SET_PDEATHSIG: %w", err)
	}
	return nil
}
