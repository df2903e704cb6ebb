package main

import (
	"encoding/json"
	"os"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/runtime-spec/specs-go/features"
	"github.com/urfave/cli"

	"github.com/rt-runtime/rt/libct/caps"
	"github.com/rt-runtime/rt/libct/hostbin"
	"github.com/rt-runtime/rt/libct/mempolicy"
	"github.com/rt-runtime/rt/libct/rootfs"
	"github.com/rt-runtime/rt/libct/seccomp"
)

var featuresCommand = cli.Command{
	Name:  "features",
	Usage: "print what this rt supports, as runtime-spec features JSON",
	Action: func(ctx *cli.Context) error {
		t, f := true, false
		acts, ops, archs, flags := seccomp.Supported()
		last, err := caps.Last()
		if err != nil {
			return err
		}
		var capNames []string
		for i := 0; i <= last; i++ {
			capNames = append(capNames, caps.Name(i))
		}
		feat := features.Features{
			OCIVersionMin: "1.0.0",
			OCIVersionMax: specs.Version,
			Hooks:         []string{"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"},
			MountOptions:  rootfs.MountOptions(),
			Linux: &features.Linux{
				Namespaces:   []string{"cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts"},
				Capabilities: capNames,
				// rootless, the systemd driver drives the user's manager
				Cgroup: &features.Cgroup{V1: &t, V2: &t, Systemd: &t, SystemdUser: &t, Rdma: &t},
				Seccomp: &features.Seccomp{
					Enabled: &t, Actions: acts, Operators: ops, Archs: archs,
					KnownFlags: flags, SupportedFlags: flags,
				},
				// Built in, whatever the host has enabled (the spec's
				// meaning, and runc's and crun's answer).
				Apparmor:        &features.Apparmor{Enabled: &t},
				Selinux:         &features.Selinux{Enabled: &t},
				IntelRdt:        &features.IntelRdt{Enabled: &f},
				MountExtensions: &features.MountExtensions{IDMap: &features.IDMap{Enabled: &t}},
				MemoryPolicy:    &features.MemoryPolicy{Modes: mempolicy.Modes(), Flags: mempolicy.Flags()},
				NetDevices:      &features.NetDevices{Enabled: &t},
			},
			Annotations: map[string]string{
				"org.opencontainers.runtime-spec.features": "rt " + version,
				// runc's key for the libseccomp profiles are compiled with
				"io.github.seccomp.libseccomp.version": seccomp.LibraryVersion(),
			},
		}
		// runc's annotation for checkpoint/restore, which needs criu.
		if _, err := hostbin.Find("criu"); err == nil {
			feat.Annotations["org.opencontainers.runc.checkpoint.enabled"] = "true"
		}
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "    ")
		return enc.Encode(feat)
	},
}
