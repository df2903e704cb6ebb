//go:build amd64 || arm64

package signal

import (
	"fmt"
	"os"
	"sync"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Notify relays the signals sigs to ch, as os/signal.Notify does, without
// the Go runtime's signal machinery. That machinery enables each signal
// with a round trip to a goroutine locked to a thread of its own (which
// keeps a signal mask for C code rt does not have): four thread switches
// a signal, the locked thread, and the template thread Go starts for it.
// For the 19 signals a foreground `rt run` then forwarded that was 0.2 ms
// of CPU and 49 of its 92 thread switches (bench/RESULTS.md). Here a handler
// in assembly (notify_*.s) writes the signal's number to a pipe, and a
// goroutine reads it through the poller and sends it on: installing a
// signal is one rt_sigaction.
//
// As with os/signal, a signal is dropped when ch is not ready. A signal
// has one channel: a later Notify for it replaces the earlier. There is
// no Stop: rt keeps its signals caught until it exits. Signals the Go
// runtime needs for itself are refused.
func Notify(ch chan<- os.Signal, sigs ...unix.Signal) error {
	mu.Lock()
	defer mu.Unlock()
	for _, s := range sigs {
		if s <= 0 || int(s) >= len(chans) || reserved(s) {
			return fmt.Errorf("catch signal %d: not a signal rt may catch", int(s))
		}
	}
	if writeFD < 0 {
		if err := startRelay(); err != nil {
			return err
		}
	}
	act := sigaction{
		handler:  uint64(handlerAddr()),
		flags:    saOnStack | saRestart | saRestorer,
		restorer: uint64(restorerAddr()),
		mask:     ^uint64(0), // no other signal in the middle of the write
	}
	for _, s := range sigs {
		chans[s] = ch // before the handler: a signal caught finds its channel
		_, _, errno := unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(s), uintptr(unsafe.Pointer(&act)), 0, 8, 0, 0)
		if errno != 0 {
			return fmt.Errorf("catch signal %d: rt_sigaction: %w", int(s), errno)
		}
	}
	return nil
}

// sigaction is the kernel's struct sigaction of rt_sigaction(2), the same
// on amd64 and arm64.
type sigaction struct {
	handler, flags, restorer, mask uint64
}

const (
	saRestorer = 0x04000000
	saOnStack  = 0x08000000 // Go gives every thread an alternate signal stack
	saRestart  = 0x10000000
)

var (
	mu    sync.Mutex
	chans [rtMax + 1]chan<- os.Signal // by signal number

	// writeFD is the write end of the pipe the handler writes to; -1 until
	// the first Notify. The handler reads it, so it is set before any
	// handler is installed and never changes after.
	writeFD int32 = -1
	// ownerPID is the process whose handler writes: a child inherits the
	// handler (rt's clone keeps it for a signal Go left alone, one ignored
	// when rt started) until its execve, and a signal caught there must
	// not write into whatever file then has writeFD's number.
	//
	//lint:ignore U1000 read by the handler (notify_*.s)
	ownerPID int32
)

// handler is what the kernel calls for a caught signal (see notify_*.s);
// restorer returns from it (rt_sigreturn). The *Addr functions give their
// addresses, which Go code cannot take of an assembly function directly.
//
//lint:ignore U1000 the kernel calls it; handlerAddr takes its address
func handler()

//lint:ignore U1000 the handler returns to it; restorerAddr takes its address
func restorer()

func handlerAddr() uintptr
func restorerAddr() uintptr

func startRelay() error {
	var p [2]int
	// Non-blocking both ways: the handler must never wait for a full pipe
	// (a signal is then dropped), and the relay waits in the poller.
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC|unix.O_NONBLOCK); err != nil {
		return fmt.Errorf("catch signals: pipe: %w", err)
	}
	ownerPID = int32(os.Getpid())
	writeFD = int32(p[1])
	go relay(os.NewFile(uintptr(p[0]), "signals"))
	return nil
}

// relay sends on each signal the handler wrote, until rt exits.
func relay(r *os.File) {
	var b [64]byte
	for {
		n, err := r.Read(b[:])
		if err != nil {
			return // cannot happen: no one closes either end
		}
		mu.Lock()
		for _, s := range b[:n] {
			if ch := chans[s]; ch != nil {
				select {
				case ch <- syscall.Signal(s):
				default:
				}
			}
		}
		mu.Unlock()
	}
}

// reserved are the signals the Go runtime handles itself: faults it turns
// into panics, SIGURG (goroutine preemption), SIGPROF, the two real-time
// signals the C library keeps below SIGRTMIN (Go uses 33 to run a system
// call on every thread), and the two no one can catch.
func reserved(s unix.Signal) bool {
	switch s {
	case unix.SIGSEGV, unix.SIGBUS, unix.SIGFPE, unix.SIGILL, unix.SIGTRAP,
		unix.SIGURG, unix.SIGPROF, rtMin - 2, rtMin - 1, unix.SIGKILL, unix.SIGSTOP:
		return true
	}
	return false
}
