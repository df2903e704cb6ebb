package main

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/urfave/cli"

	"github.com/rt-runtime/rt/libct/container"
)

var updateCommand = cli.Command{
	Name:      "update",
	Usage:     "change a container's resource limits",
	ArgsUsage: "<container-id>",
	Flags: []cli.Flag{
		cli.StringFlag{Name: "resources, r", Usage: "a linux.resources JSON file, or - for stdin (the other flags are then ignored)"},
		cli.StringFlag{Name: "memory", Usage: "memory limit (bytes, or with a unit: 64m, 1g); -1 is unlimited"},
		cli.StringFlag{Name: "memory-swap", Usage: "memory+swap limit; -1 is unlimited"},
		cli.StringFlag{Name: "memory-reservation", Usage: "memory soft limit"},
		cli.StringFlag{Name: "kernel-memory", Usage: "(obsolete, ignored)", Hidden: true},
		cli.StringFlag{Name: "kernel-memory-tcp", Usage: "(obsolete, ignored)", Hidden: true},
		cli.StringFlag{Name: "cpu-share, cpu-shares", Usage: "CPU shares (relative weight)"},
		cli.StringFlag{Name: "cpu-quota", Usage: "CFS quota in µs per period; -1 is unlimited"},
		cli.StringFlag{Name: "cpu-period", Usage: "CFS period in µs"},
		cli.StringFlag{Name: "cpu-burst", Usage: "CFS burst in µs"},
		cli.StringFlag{Name: "cpu-rt-period", Usage: "realtime period in µs"},
		cli.StringFlag{Name: "cpu-rt-runtime", Usage: "realtime runtime in µs per period"},
		cli.StringFlag{Name: "cpu-idle", Usage: "1: SCHED_IDLE for the cgroup, 0: normal"},
		cli.StringFlag{Name: "cpuset-cpus", Usage: "CPUs to run on (0-3,5)"},
		cli.StringFlag{Name: "cpuset-mems", Usage: "memory nodes to use"},
		cli.StringFlag{Name: "pids-limit", Usage: "maximum number of processes; -1 is unlimited"},
		cli.StringFlag{Name: "blkio-weight", Usage: "block IO weight (10-1000; 0 leaves it)"},
		cli.StringFlag{Name: "l3-cache-schema", Usage: "Intel RDT L3 cache schema (not supported)"},
		cli.StringFlag{Name: "mem-bw-schema", Usage: "Intel RDT memory bandwidth schema (not supported)"},
	},
	Action: func(ctx *cli.Context) error {
		// The argument count first: a usage error beats any other.
		if _, err := oneArg(ctx); err != nil {
			return err
		}
		for _, f := range []string{"l3-cache-schema", "mem-bw-schema"} {
			if ctx.String(f) != "" {
				return fmt.Errorf("update --%s: Intel RDT is not supported by rt", f)
			}
		}
		var r *specs.LinuxResources
		var err error
		if in := ctx.String("resources"); in != "" {
			r, err = readResources(in)
		} else {
			r, err = resourcesFromFlags(ctx)
		}
		if err != nil {
			return err
		}
		return locked(ctx, func(c *container.Container) error { return c.Update(r) })
	},
}

// readResources decodes a LinuxResources JSON, as containerd sends it.
func readResources(in string) (*specs.LinuxResources, error) {
	var rd io.Reader = os.Stdin
	if in != "-" {
		f, err := os.Open(in)
		if err != nil {
			return nil, fmt.Errorf("update --resources: %w", err)
		}
		defer f.Close()
		rd = f
	}
	var r specs.LinuxResources
	if err := json.NewDecoder(rd).Decode(&r); err != nil {
		return nil, fmt.Errorf("update --resources %s: %w", in, err)
	}
	return &r, nil
}

// resourcesFromFlags builds a LinuxResources holding only the flags given.
func resourcesFromFlags(ctx *cli.Context) (*specs.LinuxResources, error) {
	r := &specs.LinuxResources{Memory: &specs.LinuxMemory{}, CPU: &specs.LinuxCPU{}}
	for _, f := range []struct {
		name string
		dst  **int64
	}{
		{"memory", &r.Memory.Limit},
		{"memory-swap", &r.Memory.Swap},
		{"memory-reservation", &r.Memory.Reservation},
	} {
		if v := ctx.String(f.name); v != "" {
			n, err := ramInBytes(v)
			if err != nil {
				return nil, fmt.Errorf("update --%s: %w", f.name, err)
			}
			*f.dst = &n
		}
	}
	for _, f := range []string{"kernel-memory", "kernel-memory-tcp"} {
		if ctx.String(f) != "" {
			slog.Warn("update: --" + f + " is obsolete and ignored")
		}
	}
	for _, f := range []struct {
		name string
		dst  **uint64
	}{
		{"cpu-share", &r.CPU.Shares},
		{"cpu-period", &r.CPU.Period},
		{"cpu-burst", &r.CPU.Burst},
		{"cpu-rt-period", &r.CPU.RealtimePeriod},
	} {
		if v := ctx.String(f.name); v != "" {
			n, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("update --%s: %q is not a non-negative integer", f.name, v)
			}
			*f.dst = &n
		}
	}
	for _, f := range []struct {
		name string
		dst  **int64
	}{
		{"cpu-quota", &r.CPU.Quota},
		{"cpu-rt-runtime", &r.CPU.RealtimeRuntime},
		{"cpu-idle", &r.CPU.Idle},
	} {
		if v := ctx.String(f.name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("update --%s: %q is not an integer", f.name, v)
			}
			*f.dst = &n
		}
	}
	r.CPU.Cpus, r.CPU.Mems = ctx.String("cpuset-cpus"), ctx.String("cpuset-mems")
	if v := ctx.String("pids-limit"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("update --pids-limit: %q is not an integer", v)
		}
		r.Pids = &specs.LinuxPids{Limit: &n}
	}
	if v := ctx.String("blkio-weight"); v != "" {
		n, err := strconv.ParseUint(v, 10, 16)
		// 0 is "unset", as everywhere in linux.resources (runc's flag too).
		if err != nil || n != 0 && (n < 10 || n > 1000) {
			return nil, fmt.Errorf("update --blkio-weight: %q is not a weight from 10 to 1000 (or 0: unset)", v)
		}
		w := uint16(n)
		r.BlockIO = &specs.LinuxBlockIO{Weight: &w}
	}
	return r, nil
}

// ramInBytes parses a size the way docker's units.RAMInBytes (and so runc)
// does: a number with an optional binary unit, "64m", "1.5G", "512KiB";
// "-1" is unlimited.
func ramInBytes(s string) (int64, error) {
	if s == "-1" {
		return -1, nil
	}
	num := strings.TrimRight(s, "bBiIkKmMgGtTpP ")
	unit := strings.ToLower(strings.TrimSpace(s[len(num):]))
	unit = strings.TrimSuffix(strings.TrimSuffix(unit, "b"), "i")
	mult := map[string]float64{"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40, "p": 1 << 50}
	m, ok := mult[unit]
	v, err := strconv.ParseFloat(num, 64)
	if !ok || err != nil || num == "" || strings.Trim(num, "0123456789.") != "" {
		return 0, fmt.Errorf("invalid size %q", s)
	}
	b := v * m
	if b >= math.MaxInt64 {
		return 0, fmt.Errorf("size %q is too large", s)
	}
	return int64(b), nil
}
