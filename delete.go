package main

import (
	"github.com/urfave/cli"

	"github.com/rt-runtime/rt/libct/container"
)

var deleteCommand = cli.Command{
	Name:      "delete",
	Usage:     "delete a stopped container (--force: any container)",
	ArgsUsage: "<container-id>",
	Flags: []cli.Flag{
		cli.BoolFlag{Name: "force, f", Usage: "kill the container first if it is still running"},
	},
	Action: func(ctx *cli.Context) error {
		return locked(ctx, func(c *container.Container) error { return c.Delete(ctx.Bool("force")) })
	},
}
