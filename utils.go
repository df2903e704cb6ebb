package main

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/urfave/cli"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/libct/container"
	"github.com/rt-runtime/rt/libct/signal"
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
// process, as runc and crun do: every signal that is sent to a process
// rather than raised by a fault, except the ones rt keeps for itself
// (SIGCHLD, SIGWINCH, SIGPIPE, and SIGURG, the Go runtime's preemption
// signal), and the real-time ones (signal.Realtime; systemd's stop signal
// is SIGRTMIN+3), which catchSignals adds.
var forwarded = []unix.Signal{
	unix.SIGHUP, unix.SIGINT, unix.SIGQUIT, unix.SIGABRT, unix.SIGUSR1,
	unix.SIGUSR2, unix.SIGALRM, unix.SIGTERM, unix.SIGSTKFLT, unix.SIGCONT,
	unix.SIGTSTP, unix.SIGTTIN, unix.SIGTTOU, unix.SIGXCPU, unix.SIGXFSZ,
	unix.SIGVTALRM, unix.SIGIO, unix.SIGPWR,
}

// catchSignals starts catching the signals rt forwards. A foreground run
// or exec calls it first, before the container's process may run: the
// process may be signalled as soon as it does, and a signal that reached
// rt before the handler was in place would kill rt (or be lost) instead
// of reaching the container. runc catches them as early, and a signal
// caught meanwhile waits in the channel until forwardSignals has a process
// to send it to. The handler is rt's own (libct/signal.Notify): os/signal
// cost 0.2 ms of CPU a run in thread switches, for 19 signals (the
// real-time ones were left out for what they would have added).
func catchSignals() (chan os.Signal, error) {
	ch := make(chan os.Signal, 32)
	if err := signal.Notify(ch, slices.Concat(forwarded, signal.Realtime())...); err != nil {
		return nil, err
	}
	return ch, nil
}

// forwardSignals sends the signals caught on ch on to the container's
// process from now until rt exits. They stay caught after the process has
// ended, so a Ctrl-C during the cleanup that follows cannot cut it short.
func forwardSignals(ch chan os.Signal, p *container.Process) {
	go func() {
		for s := range ch {
			p.Signal(s)
		}
	}()
}

// mixableAliases lets a repeatable flag's long and short forms be mixed on
// one command line (`exec --env A=1 -e B=2`), as runc (urfave/cli v3) and
// crun take it: urfave/cli v1 refuses two forms of one flag. Each string
// list flag named "long, x" becomes --long and a hidden -x that add to one
// list, in command-line order.
func mixableAliases(flags []cli.Flag) []cli.Flag {
	out := make([]cli.Flag, 0, len(flags)+3)
	for _, f := range flags {
		s, ok := f.(cli.StringSliceFlag)
		long, short, two := strings.Cut(s.Name, ", ")
		if !ok || !two {
			out = append(out, f)
			continue
		}
		list := &cli.StringSlice{}
		out = append(out,
			cli.StringSliceFlag{Name: long, Usage: s.Usage + "; also -" + short, Value: list},
			cli.StringSliceFlag{Name: short, Hidden: true, Value: list})
	}
	return out
}
