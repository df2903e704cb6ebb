package console

import (
	"io"
	"os"

	"github.com/containerd/console"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/libct/signal"
)

// Pair is a socketpair standing in for --console-socket when rt itself
// owns the terminal (run or exec in the foreground).
func Pair() (ours, theirs *os.File, err error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, err
	}
	return os.NewFile(uintptr(fds[0]), "console-ours"), os.NewFile(uintptr(fds[1]), "console-theirs"), nil
}

// Forward connects rt's stdio to the pty master: raw mode on our terminal
// when stdin is one, window size propagated on SIGWINCH. The returned
// function restores the terminal and waits for the output to drain.
func Forward(master *os.File) func() {
	// The process's output reaches our stdout byte for byte, as with
	// runc: a pipe sees "\n", not "\r\n", and our own terminal (raw
	// but for output processing) adds the "\r" itself.
	_ = console.ClearONLCR(master.Fd())
	m, err := console.ConsoleFromFile(master)
	var cur console.Console
	if c, cerr := console.ConsoleFromFile(os.Stdin); cerr == nil {
		cur = c
		if err == nil {
			m.Resize(mustSize(cur))
		}
		cur.SetRaw()
	}
	// Without the handler, the window keeps its first size: not worth
	// failing a run for.
	winch := make(chan os.Signal, 1)
	_ = signal.Notify(winch, unix.SIGWINCH)
	go func() {
		for range winch {
			if cur != nil && err == nil {
				m.Resize(mustSize(cur))
			}
		}
	}()
	go io.Copy(master, os.Stdin)
	done := make(chan struct{})
	go func() {
		io.Copy(os.Stdout, master)
		close(done)
	}()
	return func() {
		<-done
		if cur != nil {
			cur.Reset()
		}
	}
}

func mustSize(c console.Console) console.WinSize {
	ws, _ := c.Size()
	return ws
}

// Size is the window size of rt's own terminal (stdin), if it has one: a
// process given a pty starts with it instead of 0x0.
func Size() *specs.Box {
	c, err := console.ConsoleFromFile(os.Stdin)
	if err != nil {
		return nil
	}
	ws, err := c.Size()
	if err != nil || ws.Height == 0 || ws.Width == 0 {
		return nil
	}
	return &specs.Box{Height: uint(ws.Height), Width: uint(ws.Width)}
}
