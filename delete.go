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
		id, err := oneArg(ctx)
		if err != nil {
			return err
		}
		c, err := container.LoadLocked(root(ctx), id)
		if err != nil {
			return err
		}
		defer c.Unlock()
		return c.Delete(ctx.Bool("force"))
	},
}
