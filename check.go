package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli"

	"github.com/rt-runtime/rt/libct/container"
	"github.com/rt-runtime/rt/libct/hostcheck"
)

var checkCommand = cli.Command{
	Name:  "check",
	Usage: "tell, making nothing, whether this host can run the bundle (one line per problem)",
	Flags: []cli.Flag{
		cli.StringFlag{Name: "bundle, b", Value: ".", Usage: "path to the bundle directory"},
		cli.StringFlag{Name: "format, f", Value: "text", Usage: "output format: text or json"},
		cli.BoolFlag{Name: "checkpoint", Usage: "also check what checkpoint and restore need (criu)"},
	},
	Action: func(ctx *cli.Context) error {
		format := ctx.String("format")
		if format != "text" && format != "json" {
			return fmt.Errorf("check: --format: unknown format %q (text or json)", format)
		}
		if ctx.NArg() != 0 {
			return fmt.Errorf("check: takes no arguments, got %d (the bundle is --bundle)", ctx.NArg())
		}
		o := createOpts(ctx, "check", ctx.String("bundle"))
		res, err := container.Check(o, ctx.Bool("checkpoint"))
		configErr := ""
		if err != nil {
			// config.json itself is wrong: one line, create's.
			configErr = strings.TrimSpace(err.Error())
			res = &hostcheck.Result{Problems: []hostcheck.Problem{
				{Field: "config.json", Lack: strings.TrimPrefix(configErr, "config.json: ")},
			}}
		}
		if err := printCheck(format, o.Bundle, res, configErr); err != nil {
			return err
		}
		if len(res.Problems) > 0 {
			return exitCode(1)
		}
		return nil
	},
}

// checkReport is check's JSON output.
type checkReport struct {
	Bundle   string              `json:"bundle"`
	OK       bool                `json:"ok"`
	Problems []hostcheck.Problem `json:"problems"`
	Notes    []hostcheck.Problem `json:"notes"`
}

// printCheck prints res: in text, one line per problem (configErr, when
// set, is the only one, as create says it), then the notes.
func printCheck(format, bundle string, res *hostcheck.Result, configErr string) error {
	if format == "json" {
		abs, _ := filepath.Abs(bundle)
		r := checkReport{Bundle: abs, OK: len(res.Problems) == 0, Problems: res.Problems, Notes: res.Notes}
		if r.Problems == nil {
			r.Problems = []hostcheck.Problem{}
		}
		if r.Notes == nil {
			r.Notes = []hostcheck.Problem{}
		}
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	if configErr != "" {
		fmt.Println(configErr)
		return nil
	}
	for _, p := range res.Problems {
		fmt.Println(p.Error())
	}
	for _, n := range res.Notes {
		fmt.Println("note: " + n.Error())
	}
	return nil
}
