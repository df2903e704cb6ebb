package main

import (
	"github.com/urfave/cli"

	"github.com/rt-runtime/rt/libct/container"
)

var startCommand = cli.Command{
	Name:      "start",
	Usage:     "start the process of a created container",
	ArgsUsage: "<container-id>",
	Action: func(ctx *cli.Context) error {
		return locked(ctx, func(c *container.Container) error { return c.Start() })
	},
}
