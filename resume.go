package main

import (
	"github.com/urfave/cli"

	"github.com/rt-runtime/rt/libct/container"
)

var resumeCommand = cli.Command{
	Name:      "resume",
	Usage:     "thaw a paused container",
	ArgsUsage: "<container-id>",
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
		return c.Resume()
	},
}
