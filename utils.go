package main

import (
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"github.com/urfave/cli"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/libct/container"
)

// oneArg returns the command's single argument (a container ID).
func oneArg(ctx *cli.Context) (string, error) {
	if ctx.NArg() != 1 {
		return "", fmt.Errorf("%s: expects exactly one container ID, got %d arguments", ctx.Command.Name, ctx.NArg())
	}
	return ctx.Args().First(), nil
}

// cmdArgs returns the command after the container ID. With SkipArgReorder
// the flag parser stops at the ID, so a "--" after it reaches us verbatim.
func cmdArgs(ctx *cli.Context) []string {
	args := []string(ctx.Args().Tail())
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	return args
}

func root(ctx *cli.Context) string { return ctx.GlobalString("root") }

// loaded opens the container named by the command's single argument.
func loaded(ctx *cli.Context) (*container.Container, error) {
	id, err := oneArg(ctx)
	if err != nil {
		return nil, err
	}
	return container.Load(root(ctx), id)
}

// locked runs fn on the container named by the command's single argument,
// holding the container's lock.
func locked(ctx *cli.Context, fn func(*container.Container) error) error {
	id, err := oneArg(ctx)
	if err != nil {
		return err
	}
	c, err := container.LoadLocked(root(ctx), id)
	if err != nil {
		return err
	}
	defer c.Unlock()
	return fn(c)
}

func stdio() [3]*os.File { return [3]*os.File{os.Stdin, os.Stdout, os.Stderr} }

// listenFDs honours systemd socket activation: when LISTEN_FDS is meant
// for us, those fds go to the container's process too.
func listenFDs() int {
	if os.Getenv("LISTEN_PID") != strconv.Itoa(os.Getpid()) {
		return 0
	}
	n, err := strconv.Atoi(os.Getenv("LISTEN_FDS"))
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// forwarded are the signals a foreground rt passes on to the container's
// process: every standard signal that is sent to a process rather than
// raised by a fault, except the ones rt keeps for itself (SIGCHLD,
// SIGWINCH, SIGPIPE, and SIGURG, the Go runtime's preemption signal), and
// SIGRTMIN+3, the stop signal of systemd images. Each signal enabled is a
// round trip to the Go runtime's signal-mask thread, about 45 µs here;
// the other real-time signals would add 1.4 ms to every run for signals
// nothing sends a foreground runtime, so they are left out (the Go runtime
// drops a real-time signal nobody asked for: rt keeps running).
var forwarded = []os.Signal{
	unix.SIGHUP, unix.SIGINT, unix.SIGQUIT, unix.SIGABRT, unix.SIGUSR1,
	unix.SIGUSR2, unix.SIGALRM, unix.SIGTERM, unix.SIGSTKFLT, unix.SIGCONT,
	unix.SIGTSTP, unix.SIGTTIN, unix.SIGTTOU, unix.SIGXCPU, unix.SIGXFSZ,
	unix.SIGVTALRM, unix.SIGIO, unix.SIGPWR,
	syscall.Signal(34 + 3), // SIGRTMIN+3 as the C library numbers it
}

// catchSignals starts catching the signals rt forwards and returns a
// function that waits until they are caught. A foreground run or exec
// calls it first and waits right before the container's process may run:
// the process may be signalled as soon as it does, and a signal that
// reached rt before the handler was in place would kill rt (or be lost)
// instead of reaching the container. runc catches them as early, and a
// signal caught meanwhile waits in the channel until forwardSignals has a
// process to send it to.
//
// The catching runs on a goroutine of its own because the Go runtime
// enables each signal with a round trip to its signal-mask thread, four
// thread switches a signal: for the 19, 0.5 ms of CPU when rt's threads
// are otherwise idle, as they were right before the start (then the whole
// gap between `rt run /bin/true` and crun's). Beside the create or exec,
// while rt mostly waits for its child, the same switches cost less and
// no wall time: `rt run` 8.14 -> 7.79 ms of CPU (median of 40 rounds of
// 20 runs, interleaved).
func catchSignals() func() chan os.Signal {
	caught := make(chan chan os.Signal, 1)
	go func() {
		ch := make(chan os.Signal, 32)
		signal.Notify(ch, forwarded...)
		caught <- ch
	}()
	return func() chan os.Signal { return <-caught }
}

// forwardSignals sends the signals caught on ch on to the container's
// process from now until rt exits. They stay caught after the process has
// ended, so a Ctrl-C during the cleanup that follows cannot cut it short;
// signal.Stop would cost another round trip per signal.
func forwardSignals(ch chan os.Signal, p *container.Process) {
	go func() {
		for s := range ch {
			p.Signal(s)
		}
	}()
}
