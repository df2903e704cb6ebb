package main

import (
	"fmt"
	"os"
	"os/signal"
	"strconv"

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

// forwardSignals sends every signal rt receives on to the container's
// process until the returned stop function is called.
func forwardSignals(p *container.Process) func() {
	ch := make(chan os.Signal, 32)
	signal.Notify(ch)
	go func() {
		for s := range ch {
			switch s {
			case unix.SIGCHLD, unix.SIGURG, unix.SIGWINCH, unix.SIGPIPE:
				continue
			}
			p.Signal(s)
		}
	}()
	return func() { signal.Stop(ch) }
}
