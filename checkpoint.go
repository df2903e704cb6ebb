package main

import (
	"fmt"

	"github.com/urfave/cli"
)

// checkpoint and restore exist so that engines and scripts probing
// runc's command set (and `rt checkpoint --help`) get a clear answer:
// rt has no CRIU support.
var checkpointCommand = cli.Command{
	Name:      "checkpoint",
	Usage:     "checkpoint a running container (not supported: rt has no CRIU support)",
	ArgsUsage: "<container-id>",
	Action:    unsupported,
}

var restoreCommand = cli.Command{
	Name:      "restore",
	Usage:     "restore a checkpointed container (not supported: rt has no CRIU support)",
	ArgsUsage: "<container-id>",
	Action:    unsupported,
}

func unsupported(ctx *cli.Context) error {
	return fmt.Errorf("%s: not supported: rt has no CRIU support", ctx.Command.Name)
}
