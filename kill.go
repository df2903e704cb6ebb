package main

import (
	"fmt"

	"github.com/urfave/cli"

	"github.com/rt-runtime/rt/libct/container"
	"github.com/rt-runtime/rt/libct/signal"
	"golang.org/x/sys/unix"
)

var killCommand = cli.Command{
	Name:      "kill",
	Usage:     "send a signal (default SIGTERM) to a container's init",
	ArgsUsage: "<container-id> [signal]",
	Flags: []cli.Flag{
		cli.BoolFlag{Name: "all, a", Usage: "signal every process in the container"},
	},
	Action: func(ctx *cli.Context) error {
		if ctx.NArg() < 1 || ctx.NArg() > 2 {
			return fmt.Errorf("kill: expects a container ID and an optional signal, got %d arguments", ctx.NArg())
		}
		sig := unix.SIGTERM
		if a := ctx.Args().Get(1); a == "0" {
			// Signal 0 checks that the container is running, as kill(1)
			// checks a process.
			sig = 0
		} else if ctx.NArg() == 2 {
			var err error
			if sig, err = signal.Parse(a); err != nil {
				return err
			}
		}
		c, err := container.LoadLocked(root(ctx), ctx.Args().First())
		if err != nil {
			return err
		}
		defer c.Unlock()
		// With --all there is nothing left to signal in a stopped
		// container, which is not an error (runc's behaviour, which
		// engines rely on when they clean up).
		if ctx.Bool("all") && c.Status() == container.Stopped {
			return nil
		}
		return c.Signal(sig, ctx.Bool("all"))
	},
}
