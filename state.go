package main

import (
	"bytes"
	"encoding/json"
	"os"

	"github.com/urfave/cli"
)

var stateCommand = cli.Command{
	Name:      "state",
	Usage:     "print a container's state as JSON",
	ArgsUsage: "<container-id>",
	Action: func(ctx *cli.Context) error {
		c, err := loaded(ctx)
		if err != nil {
			return err
		}
		// What json.Encoder with this indent writes, without building an
		// encoder by reflection.
		var b bytes.Buffer
		if err := json.Indent(&b, c.State().Marshal(), "", "  "); err != nil {
			return err
		}
		b.WriteByte('\n')
		_, err = os.Stdout.Write(b.Bytes())
		return err
	},
}
