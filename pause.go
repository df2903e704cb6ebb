package main

import (
	"github.com/urfave/cli"

	"github.com/rt-runtime/rt/libct/container"
)

var pauseCommand = cli.Command{
	Name:      "pause",
	Usage:     "freeze every process of a container",
	ArgsUsage: "<container-id>",
	Action: func(ctx *cli.Context) error {
		return locked(ctx, func(c *container.Container) error { return c.Pause() })
	},
}
