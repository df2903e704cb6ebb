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
		if ctx.NArg() == 2 {
			var err error
			if sig, err = signal.Parse(ctx.Args().Get(1)); err != nil {
				return err
			}
		}
		c, err := container.LoadLocked(root(ctx), ctx.Args().First())
		if err != nil {
			return err
		}
		defer c.Unlock()
		return c.Signal(sig, ctx.Bool("all"))
	},
}
