package main

import (
	"errors"

	"github.com/urfave/cli"

	"github.com/rt-runtime/rt/libct/container"
)

var deleteCommand = cli.Command{
	Name:      "delete",
	Usage:     "delete a stopped container (--force: any container)",
	ArgsUsage: "<container-id>",
	Flags: []cli.Flag{
		cli.BoolFlag{Name: "force, f", Usage: "kill the container first if it is still running; a missing container is not an error"},
	},
	Action: func(ctx *cli.Context) error {
		id, err := oneArg(ctx)
		if err != nil {
			return err
		}
		force := ctx.Bool("force")
		c, err := container.LoadLocked(root(ctx), id)
		if err != nil {
			// Engines clean up with delete --force whether or not the
			// container got made; as with runc, nothing to delete is fine.
			if force && errors.Is(err, container.ErrNotExist) {
				return nil
			}
			return err
		}
		defer c.Unlock()
		return c.Delete(force)
	},
}
