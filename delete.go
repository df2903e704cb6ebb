package main

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/urfave/cli"

	"github.com/rt-runtime/rt/libct/container"
	"github.com/rt-runtime/rt/libct/validate"
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
			if force && missing(root(ctx), id) {
				return nil
			}
			return err
		}
		defer c.Unlock()
		return c.Delete(force)
	},
}

// missing tells whether no state directory exists for a valid id.
func missing(root, id string) bool {
	if validate.ID(id) != nil {
		return false
	}
	_, err := os.Lstat(filepath.Join(root, id))
	return errors.Is(err, fs.ErrNotExist)
}
