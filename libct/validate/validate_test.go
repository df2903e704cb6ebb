package validate

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/rt-runtime/rt/libct/specconv"
)

func TestID(t *testing.T) {
	tests := []struct {
		id string
		ok bool
	}{
		{"abc", true},
		{"a", true},
		{"My_container-1.2+3", true},
		{"..a", true},
		{strings.Repeat("a", 1024), true},
		{strings.Repeat("a", 1025), false},
		{"", false},
		{".", false},
		{"..", false},
		{"a/b", false},
		{"/abc", false},
		{"../x", false},
		{"a b", false},
		{"a\nb", false},
		{"a\x00", false},
		{"é", false},
		{"a:b", false},
	}
	for _, tt := range tests {
		if err := ID(tt.id); (err == nil) != tt.ok {
			t.Errorf("ID(%q) = %v, want ok=%v", tt.id, err, tt.ok)
		}
	}
}

func FuzzID(f *testing.F) {
	for _, s := range []string{"abc", "", ".", "..", "a/b", "x\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		if ID(id) != nil {
			return
		}
		if strings.ContainsAny(id, "/\x00\n") || id == "." || id == ".." || filepath.Base(id) != id {
			t.Fatalf("ID(%q) accepted", id)
		}
	})
}

func newBundle(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "rootfs"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "file"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func ptr[T any](v T) *T { return &v }

func addNS(s *specs.Spec, typ specs.LinuxNamespaceType, path string) {
	s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: typ, Path: path})
}

func dropNS(s *specs.Spec, typ specs.LinuxNamespaceType) {
	var out []specs.LinuxNamespace
	for _, ns := range s.Linux.Namespaces {
		if ns.Type != typ {
			out = append(out, ns)
		}
	}
	s.Linux.Namespaces = out
}

func withUserNS(s *specs.Spec) {
	addNS(s, specs.UserNamespace, "")
	s.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}}
	s.Linux.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}}
}

func TestSpec(t *testing.T) {
	bundle := newBundle(t)
	oldAA := apparmorEnabled
	defer func() { apparmorEnabled = oldAA }()
	apparmorEnabled = func() bool { return false }
	oldSE := selinuxEnabled
	defer func() { selinuxEnabled = oldSE }()
	selinuxEnabled = func() bool { return false }

	tests := []struct {
		name    string
		mutate  func(*specs.Spec)
		wantErr string // "" means valid
	}{
		{"example", func(*specs.Spec) {}, ""},
		{"version 1.0.0", func(s *specs.Spec) { s.Version = "1.0.0" }, ""},
		{"version 1.0.2-dev", func(s *specs.Spec) { s.Version = "1.0.2-dev" }, ""},
		{"version 1.3.9", func(s *specs.Spec) { s.Version = "1.3.9" }, ""},
		{"version missing", func(s *specs.Spec) { s.Version = "" }, "config.json: ociVersion must be set"},
		{"version 1.4.0", func(s *specs.Spec) { s.Version = "1.4.0" }, "not supported"},
		{"version 2.0.0", func(s *specs.Spec) { s.Version = "2.0.0" }, "not supported"},
		{"version 0.6.0", func(s *specs.Spec) { s.Version = "0.6.0" }, "not supported"},
		{"version garbage", func(s *specs.Spec) { s.Version = "1.x.0" }, "not a semantic version"},
		{"version signed", func(s *specs.Spec) { s.Version = "1.+1.0" }, "not a semantic version"},
		{"no root", func(s *specs.Spec) { s.Root = nil }, "root.path must be set"},
		{"root missing", func(s *specs.Spec) { s.Root.Path = "nope" }, `root.path "nope"`},
		{"root is file", func(s *specs.Spec) { s.Root.Path = "file" }, "is not a directory"},
		{"root absolute", func(s *specs.Spec) { s.Root.Path = filepath.Join(bundle, "rootfs") }, ""},
		{"no process", func(s *specs.Spec) { s.Process = nil }, "config.json: process must be set"},
		{"empty args", func(s *specs.Spec) { s.Process.Args = nil }, "config.json: process.args must not be empty"},
		{"empty arg0", func(s *specs.Spec) { s.Process.Args = []string{""} }, "process.args[0] must not be empty"},
		{"NUL in args", func(s *specs.Spec) { s.Process.Args = []string{"sh", "a\x00b"} }, "process.args[1] contains a NUL"},
		{"relative cwd", func(s *specs.Spec) { s.Process.Cwd = "tmp" }, `process.cwd "tmp" must be an absolute path`},
		{"env without =", func(s *specs.Spec) { s.Process.Env = append(s.Process.Env, "FOO") }, `process.env[2] "FOO"`},
		{"env empty key", func(s *specs.Spec) { s.Process.Env = []string{"=x"} }, "process.env[0]"},
		{"env empty value", func(s *specs.Spec) { s.Process.Env = []string{"A="} }, ""},
		{"umask", func(s *specs.Spec) { s.Process.User.Umask = ptr(uint32(0o1000)) }, "process.user.umask"},
		// Warnings, as runc: see TestCapabilityWarnings.
		{"unknown cap", func(s *specs.Spec) { s.Process.Capabilities.Bounding = []string{"CAP_NOPE"} }, ""},
		{"ambient not inheritable", func(s *specs.Spec) { s.Process.Capabilities.Ambient = []string{"CAP_KILL"} }, ""},
		{"ambient ok", func(s *specs.Spec) {
			s.Process.Capabilities.Ambient = []string{"CAP_KILL"}
			s.Process.Capabilities.Inheritable = []string{"CAP_KILL"}
		}, ""},
		{"unknown rlimit", func(s *specs.Spec) { s.Process.Rlimits = []specs.POSIXRlimit{{Type: "RLIMIT_X"}} }, `process.rlimits[0]: unknown rlimit type "RLIMIT_X"`},
		{"soft above hard", func(s *specs.Spec) { s.Process.Rlimits[0].Soft = 2048 }, "soft limit 2048 is above the hard limit 1024"},
		{"duplicate rlimit", func(s *specs.Spec) { s.Process.Rlimits = append(s.Process.Rlimits, s.Process.Rlimits[0]) }, `duplicate rlimit "RLIMIT_NOFILE"`},
		{"oom low", func(s *specs.Spec) { s.Process.OOMScoreAdj = ptr(-1001) }, "process.oomScoreAdj -1001"},
		{"oom high", func(s *specs.Spec) { s.Process.OOMScoreAdj = ptr(1001) }, "process.oomScoreAdj 1001"},
		{"oom ok", func(s *specs.Spec) { s.Process.OOMScoreAdj = ptr(-1000) }, ""},
		{"apparmor off", func(s *specs.Spec) { s.Process.ApparmorProfile = "docker-default" }, "AppArmor is not enabled"},
		{"ioprio class", func(s *specs.Spec) { s.Process.IOPriority = &specs.LinuxIOPriority{Class: "X"} }, "process.ioPriority.class"},
		{"ioprio level", func(s *specs.Spec) {
			s.Process.IOPriority = &specs.LinuxIOPriority{Class: specs.IOPRIO_CLASS_BE, Priority: 8}
		}, "process.ioPriority.priority 8"},
		{"ioprio ok", func(s *specs.Spec) {
			s.Process.IOPriority = &specs.LinuxIOPriority{Class: specs.IOPRIO_CLASS_IDLE, Priority: 7}
		}, ""},
		{"sched bad", func(s *specs.Spec) { s.Process.Scheduler = &specs.Scheduler{Policy: "SCHED_X"} }, "process.scheduler.policy"},
		{"sched iso", func(s *specs.Spec) { s.Process.Scheduler = &specs.Scheduler{Policy: specs.SchedISO} }, "not supported by the Linux kernel"},
		{"sched fifo prio 0", func(s *specs.Spec) { s.Process.Scheduler = &specs.Scheduler{Policy: specs.SchedFIFO} }, "process.scheduler.priority 0"},
		{"sched fifo ok", func(s *specs.Spec) { s.Process.Scheduler = &specs.Scheduler{Policy: specs.SchedFIFO, Priority: 50} }, ""},
		{"sched nice", func(s *specs.Spec) { s.Process.Scheduler = &specs.Scheduler{Policy: specs.SchedOther, Nice: 20} }, "process.scheduler.nice 20"},
		{"sched flag", func(s *specs.Spec) {
			s.Process.Scheduler = &specs.Scheduler{Policy: specs.SchedOther, Flags: []specs.LinuxSchedulerFlag{"X"}}
		}, "unknown flag"},
		{"sched deadline bad", func(s *specs.Spec) {
			s.Process.Scheduler = &specs.Scheduler{Policy: specs.SchedDeadline, Runtime: 2000, Deadline: 1000}
		}, "SCHED_DEADLINE"},
		{"sched deadline ok", func(s *specs.Spec) {
			s.Process.Scheduler = &specs.Scheduler{Policy: specs.SchedDeadline, Runtime: 10000, Deadline: 20000, Period: 30000}
		}, ""},
		{"affinity bad", func(s *specs.Spec) { s.Process.ExecCPUAffinity = &specs.CPUAffinity{Initial: "3-1"} }, "process.execCPUAffinity.initial"},
		{"affinity ok", func(s *specs.Spec) { s.Process.ExecCPUAffinity = &specs.CPUAffinity{Initial: "0-1,3", Final: "0"} }, ""},
		{"hostname without uts", func(s *specs.Spec) { dropNS(s, specs.UTSNamespace) }, "hostname requires a uts namespace"},
		{"domainname without uts", func(s *specs.Spec) { s.Hostname = ""; s.Domainname = "x"; dropNS(s, specs.UTSNamespace) }, "domainname requires"},
		{"no hostname no uts", func(s *specs.Spec) { s.Hostname = ""; dropNS(s, specs.UTSNamespace) }, ""},
		{"unknown ns", func(s *specs.Spec) { addNS(s, "foo", "") }, `unknown namespace type "foo"`},
		{"duplicate ns", func(s *specs.Spec) { addNS(s, specs.PIDNamespace, "") }, `config.json: linux.namespaces: duplicate namespace "pid"`},
		{"ns path missing", func(s *specs.Spec) {
			dropNS(s, specs.NetworkNamespace)
			addNS(s, specs.NetworkNamespace, "/nonexistent/ns")
		}, "network namespace path"},
		{"ns path relative", func(s *specs.Spec) { dropNS(s, specs.NetworkNamespace); addNS(s, specs.NetworkNamespace, "ns/net") }, "must be absolute"},
		{"ns path ok", func(s *specs.Spec) {
			dropNS(s, specs.NetworkNamespace)
			addNS(s, specs.NetworkNamespace, "/proc/self/ns/net")
		}, ""},
		{"userns ok", withUserNS, ""},
		{"userns no mappings", func(s *specs.Spec) { addNS(s, specs.UserNamespace, "") }, "linux.uidMappings must be set"},
		{"idmap implied without userns", func(s *specs.Spec) {
			s.Mounts = append(s.Mounts, specs.Mount{Source: "/tmp", Destination: "/m", Type: "bind", Options: []string{"rbind", "ridmap"}})
		}, "idmap without uidMappings and gidMappings needs a user namespace"},
		{"idmap implied with userns", func(s *specs.Spec) {
			withUserNS(s)
			s.Mounts = append(s.Mounts, specs.Mount{Source: "/tmp", Destination: "/m", Type: "bind", Options: []string{"rbind", "idmap"}})
		}, ""},
		{"idmap mappings without userns", func(s *specs.Spec) {
			m := []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1000, Size: 10}}
			s.Mounts = append(s.Mounts, specs.Mount{Source: "/tmp", Destination: "/m", Type: "bind", Options: []string{"bind"}, UIDMappings: m, GIDMappings: m})
		}, ""},
		{"userns no gid mappings", func(s *specs.Spec) { withUserNS(s); s.Linux.GIDMappings = nil }, "linux.gidMappings must be set"},
		// runc and crun ignore them (rt with a warning)
		{"mappings without userns", func(s *specs.Spec) {
			s.Linux.UIDMappings = []specs.LinuxIDMapping{{Size: 1}}
		}, ""},
		{"uid -1", func(s *specs.Spec) { s.Process.User.UID = 4294967295 }, "would leave the process root"},
		{"gid -1", func(s *specs.Spec) { s.Process.User.GID = 4294967295 }, "would leave the process root"},
		{"additional gid -1", func(s *specs.Spec) { s.Process.User.AdditionalGids = []uint32{5, 4294967295} }, "not a group id"},
		{"selinux off", func(s *specs.Spec) { s.Process.SelinuxLabel = "system_u:system_r:container_t:s0" }, "SELinux is not enabled"},
		{"mapping size 0", func(s *specs.Spec) { withUserNS(s); s.Linux.UIDMappings[0].Size = 0 }, "linux.uidMappings[0].size"},
		{"mapping overlap container", func(s *specs.Spec) {
			withUserNS(s)
			s.Linux.UIDMappings = append(s.Linux.UIDMappings, specs.LinuxIDMapping{ContainerID: 65535, HostID: 500000, Size: 1})
		}, "on the container side"},
		{"mapping overlap host", func(s *specs.Spec) {
			withUserNS(s)
			s.Linux.GIDMappings = append(s.Linux.GIDMappings, specs.LinuxIDMapping{ContainerID: 70000, HostID: 100, Size: 100000})
		}, "linux.gidMappings[1] overlaps linux.gidMappings[0] on the host side"},
		{"mapping adjacent", func(s *specs.Spec) {
			withUserNS(s)
			s.Linux.UIDMappings = append(s.Linux.UIDMappings, specs.LinuxIDMapping{ContainerID: 65536, HostID: 165536, Size: 1})
		}, ""},
		{"mapping overflow", func(s *specs.Spec) {
			withUserNS(s)
			s.Linux.UIDMappings[0] = specs.LinuxIDMapping{ContainerID: 1<<32 - 1, HostID: 0, Size: 2}
		}, "overflows"},
		{"timeOffsets without timens", func(s *specs.Spec) {
			s.Linux.TimeOffsets = map[string]specs.LinuxTimeOffset{"monotonic": {Secs: 10}}
		}, "linux.timeOffsets requires a new time namespace"},
		{"timeOffsets ok", func(s *specs.Spec) {
			addNS(s, specs.TimeNamespace, "")
			s.Linux.TimeOffsets = map[string]specs.LinuxTimeOffset{"monotonic": {Secs: -10}, "boottime": {Nanosecs: 5}}
		}, ""},
		{"timeOffsets bad clock", func(s *specs.Spec) {
			addNS(s, specs.TimeNamespace, "")
			s.Linux.TimeOffsets = map[string]specs.LinuxTimeOffset{"realtime": {Secs: 1}}
		}, `unknown clock "realtime"`},
		{"mount relative dotdot", func(s *specs.Spec) {
			s.Mounts = append(s.Mounts, specs.Mount{Destination: "../etc", Type: "tmpfs", Source: "tmpfs"})
		}, `mounts[7].destination "../etc" is relative`},
		{"mount relative ok", func(s *specs.Spec) {
			s.Mounts = append(s.Mounts, specs.Mount{Destination: "data", Type: "tmpfs", Source: "tmpfs"})
		}, ""},
		{"mount empty dest", func(s *specs.Spec) { s.Mounts[0].Destination = "" }, "mounts[0].destination must be set"},
		{"mount no type", func(s *specs.Spec) { s.Mounts[0].Type = "" }, "mounts[0].type must be set"},
		{"bind no type", func(s *specs.Spec) {
			s.Mounts = append(s.Mounts, specs.Mount{Destination: "/x", Source: "/tmp", Options: []string{"rbind", "ro", "weird=1"}})
		}, ""},
		{"bind no source", func(s *specs.Spec) {
			s.Mounts = append(s.Mounts, specs.Mount{Destination: "/x", Type: "bind"})
		}, "mounts[7].source must be set"},
		{"tmpcopyup on tmpfs", func(s *specs.Spec) {
			s.Mounts = append(s.Mounts, specs.Mount{Destination: "/x", Type: "tmpfs", Source: "tmpfs", Options: []string{"tmpcopyup"}})
		}, ""},
		{"tmpcopyup on a bind", func(s *specs.Spec) {
			s.Mounts = append(s.Mounts, specs.Mount{Destination: "/x", Type: "bind", Source: "/tmp", Options: []string{"rbind", "tmpcopyup"}})
		}, `mounts[7]: tmpcopyup is only for tmpfs mounts, not "bind"`},
		{"mount idmap half", func(s *specs.Spec) {
			s.Mounts = append(s.Mounts, specs.Mount{Destination: "/x", Type: "bind", Source: "/tmp",
				UIDMappings: []specs.LinuxIDMapping{{Size: 1}}})
		}, "given together"},
		{"unknown capability name in hooks?", func(s *specs.Spec) {
			s.Hooks = &specs.Hooks{Poststart: []specs.Hook{{Path: "hook"}}}
		}, `hooks.poststart[0].path "hook" must be absolute`},
		{"hook timeout", func(s *specs.Spec) {
			s.Hooks = &specs.Hooks{CreateRuntime: []specs.Hook{{Path: "/bin/true", Timeout: ptr(0)}}}
		}, "hooks.createRuntime[0].timeout must be greater than zero"},
		{"sysctl net ok", func(s *specs.Spec) { s.Linux.Sysctl = map[string]string{"net.ipv4.ip_forward": "1"} }, ""},
		{"sysctl slashes ok", func(s *specs.Spec) { s.Linux.Sysctl = map[string]string{"net/ipv4/conf/eth0.100/forwarding": "1"} }, ""},
		{"sysctl net no netns", func(s *specs.Spec) {
			dropNS(s, specs.NetworkNamespace)
			s.Linux.Sysctl = map[string]string{"net.ipv4.ip_forward": "1"}
		}, `config.json: linux.sysctl "net.ipv4.ip_forward" not allowed in host network namespace`},
		{"sysctl net host netns path", func(s *specs.Spec) {
			dropNS(s, specs.NetworkNamespace)
			addNS(s, specs.NetworkNamespace, "/proc/self/ns/net")
			s.Linux.Sysctl = map[string]string{"net/ipv4/ip_forward": "1"}
		}, `sysctl "net/ipv4/ip_forward" not allowed in host network namespace`},
		{"sysctl net path of the host's netns by another name", func(s *specs.Spec) {
			dropNS(s, specs.NetworkNamespace)
			addNS(s, specs.NetworkNamespace, "/proc/thread-self/ns/net")
			s.Linux.Sysctl = map[string]string{"net.core.somaxconn": "1"}
		}, `not allowed in host network namespace`},
		{"sysctl not namespaced", func(s *specs.Spec) { s.Linux.Sysctl = map[string]string{"vm.swappiness": "1"} }, `"vm.swappiness" is not in a separate kernel namespace`},
		{"sysctl kernel other", func(s *specs.Spec) { s.Linux.Sysctl = map[string]string{"kernel.core_pattern": "|/x"} }, "is not in a separate kernel namespace"},
		{"sysctl ipc next id", func(s *specs.Spec) { s.Linux.Sysctl = map[string]string{"kernel.shm_next_id": "5"} }, "is not in a separate kernel namespace"},
		{"sysctl shm", func(s *specs.Spec) {
			s.Linux.Sysctl = map[string]string{"kernel.shmmax": "1", "kernel.sem": "1 2 3 4", "fs.mqueue.msg_max": "10", "kernel.shm_rmid_forced": "1"}
		}, ""},
		{"sysctl shm no ipc", func(s *specs.Spec) {
			dropNS(s, specs.IPCNamespace)
			s.Linux.Sysctl = map[string]string{"kernel.msgmax": "1"}
		}, `linux.sysctl "kernel.msgmax" not allowed in host ipc namespace`},
		{"sysctl mqueue host ipc path", func(s *specs.Spec) {
			dropNS(s, specs.IPCNamespace)
			addNS(s, specs.IPCNamespace, "/proc/self/ns/ipc")
			s.Linux.Sysctl = map[string]string{"fs.mqueue.msg_max": "10"}
		}, `linux.sysctl "fs.mqueue.msg_max" not allowed in host ipc namespace`},
		{"sysctl ipc path of another namespace", func(s *specs.Spec) {
			dropNS(s, specs.IPCNamespace)
			addNS(s, specs.IPCNamespace, "/proc/self/ns/net") // exists, is not rt's ipc
			s.Linux.Sysctl = map[string]string{"kernel.shmmni": "10"}
		}, ""},
		{"sysctl hostname", func(s *specs.Spec) { s.Linux.Sysctl = map[string]string{"kernel.hostname": "x"} },
			`config.json: linux.sysctl "kernel.hostname" is not allowed as it conflicts with the OCI "hostname" field`},
		{"sysctl hostname without hostname field", func(s *specs.Spec) {
			s.Hostname = ""
			s.Linux.Sysctl = map[string]string{"kernel/hostname": "x"}
		}, `conflicts with the OCI "hostname" field`},
		{"sysctl domainname", func(s *specs.Spec) { s.Linux.Sysctl = map[string]string{"kernel.domainname": "x"} }, ""},
		{"sysctl domainname same as field", func(s *specs.Spec) {
			s.Domainname = "x"
			s.Linux.Sysctl = map[string]string{"kernel.domainname": "x"}
		}, ""},
		{"sysctl domainname conflicts", func(s *specs.Spec) {
			s.Domainname = "y"
			s.Linux.Sysctl = map[string]string{"kernel.domainname": "x"}
		}, `linux.sysctl "kernel.domainname" is not allowed as it conflicts with the OCI "domainname" field`},
		{"sysctl domainname no uts", func(s *specs.Spec) {
			s.Hostname = ""
			dropNS(s, specs.UTSNamespace)
			s.Linux.Sysctl = map[string]string{"kernel.domainname": "x"}
		}, `linux.sysctl "kernel.domainname" not allowed in host uts namespace`},
		{"sysctl domainname host uts path", func(s *specs.Spec) {
			s.Hostname = ""
			dropNS(s, specs.UTSNamespace)
			addNS(s, specs.UTSNamespace, "/proc/self/ns/uts")
			s.Linux.Sysctl = map[string]string{"kernel.domainname": "x"}
		}, `not allowed in host uts namespace`},
		{"sysctl user without userns", func(s *specs.Spec) { s.Linux.Sysctl = map[string]string{"user.max_user_namespaces": "0"} },
			`linux.sysctl "user.max_user_namespaces" not allowed in host user namespace`},
		{"sysctl user with userns", func(s *specs.Spec) {
			withUserNS(s)
			s.Linux.Sysctl = map[string]string{"user.max_user_namespaces": "0"}
		}, ""},
		{"sysctl traversal", func(s *specs.Spec) { s.Linux.Sysctl = map[string]string{"net/../../kernel/core_pattern": "x"} }, "invalid key"},
		{"sysctl empty part", func(s *specs.Spec) { s.Linux.Sysctl = map[string]string{"net..x": "1"} }, "invalid key"},
		{"device ok", func(s *specs.Spec) {
			s.Linux.Devices = []specs.LinuxDevice{{Path: "/dev/fuse", Type: "c", Major: 10, Minor: 229}}
		}, ""},
		{"device type", func(s *specs.Spec) { s.Linux.Devices = []specs.LinuxDevice{{Path: "/dev/x", Type: "z"}} }, `linux.devices[0].type "z"`},
		{"device outside dev", func(s *specs.Spec) {
			s.Linux.Devices = []specs.LinuxDevice{{Path: "/dev/../etc/mynull", Type: "c"}, {Path: "/mydevs/null", Type: "c"}}
		}, ""},
		{"device relative", func(s *specs.Spec) { s.Linux.Devices = []specs.LinuxDevice{{Path: "dev/x", Type: "c"}} }, `linux.devices[0].path "dev/x" must be an absolute path to a file`},
		{"device root", func(s *specs.Spec) { s.Linux.Devices = []specs.LinuxDevice{{Path: "/dev/..", Type: "c"}} }, "must be an absolute path to a file"},
		{"device dup", func(s *specs.Spec) {
			s.Linux.Devices = []specs.LinuxDevice{{Path: "/dev/x", Type: "c"}, {Path: "/dev//x", Type: "b"}}
		}, "duplicate device"},
		{"device negative", func(s *specs.Spec) { s.Linux.Devices = []specs.LinuxDevice{{Path: "/dev/x", Type: "c", Major: -1}} }, "must not be negative"},
		{"propagation", func(s *specs.Spec) { s.Linux.RootfsPropagation = "weird" }, "linux.rootfsPropagation"},
		{"propagation ok", func(s *specs.Spec) { s.Linux.RootfsPropagation = "rslave" }, ""},
		{"masked relative", func(s *specs.Spec) { s.Linux.MaskedPaths = []string{"proc/kcore"} }, "linux.maskedPaths[0]"},
		{"personality ok", func(s *specs.Spec) { s.Linux.Personality = &specs.LinuxPersonality{Domain: specs.PerLinux32} }, ""},
		{"personality bad", func(s *specs.Spec) { s.Linux.Personality = &specs.LinuxPersonality{Domain: "BSD"} }, "linux.personality.domain"},
		{"cgroupsPath dotdot", func(s *specs.Spec) { s.Linux.CgroupsPath = "/a/../../b" }, "linux.cgroupsPath"},
		{"cgroupsPath systemd dotdot", func(s *specs.Spec) { s.Linux.CgroupsPath = "..:rt:x" }, "linux.cgroupsPath"},
		{"cgroupsPath systemd ok", func(s *specs.Spec) { s.Linux.CgroupsPath = "system.slice:rt:x" }, ""},
		{"intelRdt", func(s *specs.Spec) { s.Linux.IntelRdt = &specs.LinuxIntelRdt{} }, "config.json: linux.intelRdt is not supported by rt"},
		{"memoryPolicy without mode", func(s *specs.Spec) { s.Linux.MemoryPolicy = &specs.LinuxMemoryPolicy{} }, `config.json: linux.memoryPolicy: invalid memory policy mode ""`},
		{"memoryPolicy", func(s *specs.Spec) { s.Linux.MemoryPolicy = &specs.LinuxMemoryPolicy{Mode: "MPOL_DEFAULT"} }, ""},
		{"netDevices", func(s *specs.Spec) { s.Linux.NetDevices = netDevs("eth1", "", "eth2", "c2") }, ""},
		{"netDevices template", func(s *specs.Spec) { s.Linux.NetDevices = netDevs("eth1", "e%d", "eth2", "e%d") }, ""},
		{"netDevices no netns", func(s *specs.Spec) {
			s.Linux.NetDevices = netDevs("eth1", "")
			dropNS(s, specs.NetworkNamespace)
		}, "config.json: linux.netDevices: unable to move network devices without a network namespace"},
		{"netDevices joined netns", func(s *specs.Spec) {
			s.Linux.NetDevices = netDevs("eth1", "")
			dropNS(s, specs.NetworkNamespace)
			addNS(s, specs.NetworkNamespace, "/proc/self/ns/net")
		}, ""},
		{"netDevices slash", func(s *specs.Spec) { s.Linux.NetDevices = netDevs("a/b", "") }, `config.json: linux.netDevices: invalid network device name "a/b"`},
		{"netDevices dotdot", func(s *specs.Spec) { s.Linux.NetDevices = netDevs("..", "") }, `invalid network device name ".."`},
		{"netDevices 16 bytes", func(s *specs.Spec) { s.Linux.NetDevices = netDevs("eth1", "0123456789abcdef") }, `invalid network device name "0123456789abcdef"`},
		{"netDevices 15 bytes", func(s *specs.Spec) { s.Linux.NetDevices = netDevs("eth1", "0123456789abcde") }, ""},
		{"netDevices space", func(s *specs.Spec) { s.Linux.NetDevices = netDevs("eth1", "a b") }, `invalid network device name "a b"`},
		{"netDevices colon", func(s *specs.Spec) { s.Linux.NetDevices = netDevs("eth1:0", "") }, `invalid network device name "eth1:0"`},
		{"netDevices same name", func(s *specs.Spec) { s.Linux.NetDevices = netDevs("eth1", "c0", "eth2", "c0") }, `"eth1" and "eth2" would both be "c0"`},
		{"netDevices renamed onto another", func(s *specs.Spec) { s.Linux.NetDevices = netDevs("eth1", "", "eth2", "eth1") }, `"eth1" and "eth2" would both be "eth1"`},
		{"solaris", func(s *specs.Spec) { s.Solaris = &specs.Solaris{} }, "config.json: solaris is not supported by rt"},
		{"windows", func(s *specs.Spec) { s.Windows = &specs.Windows{} }, "config.json: windows is not supported by rt"},
		{"vm", func(s *specs.Spec) { s.VM = &specs.VM{} }, "config.json: vm is not supported by rt"},
		{"zos", func(s *specs.Spec) { s.ZOS = &specs.ZOS{} }, "config.json: zos is not supported by rt"},
		{"memory limit -2", func(s *specs.Spec) { mem(s).Limit = ptr(int64(-2)) }, "linux.resources.memory.limit -2"},
		{"memory limit -1", func(s *specs.Spec) { mem(s).Limit = ptr(int64(-1)) }, ""},
		{"swap below limit", func(s *specs.Spec) { mem(s).Limit = ptr(int64(1 << 30)); mem(s).Swap = ptr(int64(1 << 20)) }, "linux.resources.memory.swap"},
		{"swappiness", func(s *specs.Spec) { mem(s).Swappiness = ptr(uint64(101)) }, "swappiness 101"},
		{"swappiness -1 is unset", func(s *specs.Spec) { mem(s).Swappiness = ptr(uint64(math.MaxUint64)) }, ""},
		{"cpu shares 1", func(s *specs.Spec) { cpu(s).Shares = ptr(uint64(1)) }, "linux.resources.cpu.shares 1"},
		{"cpu shares 0", func(s *specs.Spec) { cpu(s).Shares = ptr(uint64(0)) }, ""},
		{"cpu shares big", func(s *specs.Spec) { cpu(s).Shares = ptr(uint64(1 << 20)) }, "linux.resources.cpu.shares"},
		{"cpu quota small", func(s *specs.Spec) { cpu(s).Quota = ptr(int64(10)) }, "linux.resources.cpu.quota 10"},
		{"cpu quota -2 is unlimited", func(s *specs.Spec) { cpu(s).Quota = ptr(int64(-2)) }, ""},
		{"cpu period", func(s *specs.Spec) { cpu(s).Period = ptr(uint64(10)) }, "linux.resources.cpu.period 10"},
		{"cpu ok", func(s *specs.Spec) {
			c := cpu(s)
			c.Shares, c.Quota, c.Period, c.Cpus, c.Mems = ptr(uint64(512)), ptr(int64(50000)), ptr(uint64(100000)), "0-1", "0"
		}, ""},
		{"cpus bad", func(s *specs.Spec) { cpu(s).Cpus = "0,,1" }, "linux.resources.cpu.cpus"},
		{"pids -2 is unlimited", func(s *specs.Spec) { s.Linux.Resources.Pids = &specs.LinuxPids{Limit: ptr(int64(-2))} }, ""},
		{"pids ok", func(s *specs.Spec) { s.Linux.Resources.Pids = &specs.LinuxPids{Limit: ptr(int64(100))} }, ""},
		{"blkio weight", func(s *specs.Spec) { s.Linux.Resources.BlockIO = &specs.LinuxBlockIO{Weight: ptr(uint16(5))} }, "blockIO.weight 5"},
		{"device rule type", func(s *specs.Spec) {
			s.Linux.Resources.Devices = append(s.Linux.Resources.Devices, specs.LinuxDeviceCgroup{Type: "x"})
		}, `linux.resources.devices[1].type "x"`},
		{"device rule access", func(s *specs.Spec) {
			s.Linux.Resources.Devices = append(s.Linux.Resources.Devices, specs.LinuxDeviceCgroup{Type: "c", Access: "rwa"})
		}, ""},
		{"hugepage bad", func(s *specs.Spec) {
			s.Linux.Resources.HugepageLimits = []specs.LinuxHugepageLimit{{Pagesize: "2M"}}
		}, "hugepageLimits[0].pageSize"},
		{"unified ok", func(s *specs.Spec) { s.Linux.Resources.Unified = map[string]string{"memory.high": "1G"} }, ""},
		{"unified traversal", func(s *specs.Spec) {
			s.Linux.Resources.Unified = map[string]string{"../../memory.max": "1"}
		}, "linux.resources.unified: invalid key"},
		{"unified procs", func(s *specs.Spec) { s.Linux.Resources.Unified = map[string]string{"cgroup.procs": "1"} }, "cannot be set"},
		{"no linux", func(s *specs.Spec) { s.Linux = nil; s.Hostname = "" }, ""},
		{"seccomp ok", func(s *specs.Spec) { s.Linux.Seccomp = &specs.LinuxSeccomp{DefaultAction: specs.ActAllow} }, ""},
		{"seccomp action", func(s *specs.Spec) {
			s.Linux.Seccomp = &specs.LinuxSeccomp{DefaultAction: "SCMP_ACT_NOPE"}
		}, `linux.seccomp: defaultAction: unknown action "SCMP_ACT_NOPE"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := specconv.Example()
			tt.mutate(s)
			err := Spec(s, bundle)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want %q", tt.wantErr)
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.wantErr) {
				t.Errorf("error %q does not contain %q", msg, tt.wantErr)
			}
			if !strings.HasPrefix(msg, "config.json: ") || strings.Contains(msg, "\n") {
				t.Errorf("error %q is not one line starting with config.json:", msg)
			}
		})
	}
}

func TestApparmorEnabled(t *testing.T) {
	old := apparmorEnabled
	defer func() { apparmorEnabled = old }()
	apparmorEnabled = func() bool { return true }
	s := specconv.Example()
	s.Process.ApparmorProfile = "docker-default"
	if err := Spec(s, newBundle(t)); err != nil {
		t.Fatal(err)
	}
}

func TestNilSpec(t *testing.T) {
	if err := Spec(nil, "."); err == nil {
		t.Fatal("nil spec accepted")
	}
}

func mem(s *specs.Spec) *specs.LinuxMemory {
	if s.Linux.Resources.Memory == nil {
		s.Linux.Resources.Memory = &specs.LinuxMemory{}
	}
	return s.Linux.Resources.Memory
}

func cpu(s *specs.Spec) *specs.LinuxCPU {
	if s.Linux.Resources.CPU == nil {
		s.Linux.Resources.CPU = &specs.LinuxCPU{}
	}
	return s.Linux.Resources.CPU
}

func FuzzSpec(f *testing.F) {
	example, err := json.Marshal(specconv.Example())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(example)
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"ociVersion":"1.0.0","root":{"path":"rootfs"},"process":{"args":["sh"],"cwd":"/"},"linux":{"namespaces":[{"type":"user"}],"uidMappings":[{"size":0}],"sysctl":{"net..":"1"},"resources":{"unified":{"a":"b"},"memory":{"limit":-5}}}}`))
	f.Add([]byte(`{"ociVersion":"1.3.0","root":{"path":"rootfs"},"process":{"args":["sh"],"cwd":"/","scheduler":{"policy":"SCHED_DEADLINE"},"execCPUAffinity":{"initial":"1-"}},"mounts":[{"destination":"a/../b"}],"hooks":{"poststop":[{"path":"/x","timeout":-1}]}}`))
	bundle := newBundle(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		var s specs.Spec
		if json.Unmarshal(data, &s) != nil {
			return
		}
		err := Spec(&s, bundle)
		if err != nil && (strings.Contains(err.Error(), "\n") || !strings.HasPrefix(err.Error(), "config.json: ")) {
			t.Fatalf("error is not one config.json line: %q", err)
		}
	})
}

func TestSysctlPath(t *testing.T) {
	tests := []struct {
		key, want string
	}{
		{"net.ipv4.ip_forward", "sys/net/ipv4/ip_forward"},
		{"kernel.shmmax", "sys/kernel/shmmax"},
		{"net/ipv4/conf/eth0.100/forwarding", "sys/net/ipv4/conf/eth0.100/forwarding"},
		{"net..x", ""},
		{"net/../kernel/core_pattern", ""},
		{".net", ""},
		{"", ""},
	}
	for _, tt := range tests {
		got, err := SysctlPath(tt.key)
		if (err == nil) != (tt.want != "") || got != tt.want {
			t.Errorf("SysctlPath(%q) = %q, %v; want %q", tt.key, got, err, tt.want)
		}
	}
}

func TestProcess(t *testing.T) {
	good := func() *specs.Process {
		return &specs.Process{Args: []string{"true"}, Cwd: "/", Env: []string{"A=b"}}
	}
	if err := Process(good()); err != nil {
		t.Fatalf("Process(good) = %v", err)
	}
	bad := map[string]func(p *specs.Process){
		"process.args":    func(p *specs.Process) { p.Args = nil },
		"process.cwd":     func(p *specs.Process) { p.Cwd = "" },
		"soft limit":      func(p *specs.Process) { p.Rlimits = []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Soft: 2, Hard: 1}} },
		"apparmorProfile": func(p *specs.Process) { p.ApparmorProfile = "unconfined" },
	}
	saved := apparmorEnabled
	apparmorEnabled = func() bool { return false }
	defer func() { apparmorEnabled = saved }()
	for want, mutate := range bad {
		p := good()
		mutate(p)
		err := Process(p)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), "exec: ") {
			t.Errorf("%s: Process = %v, want an \"exec: \" error naming it", want, err)
		}
	}
}

func TestCapabilityWarnings(t *testing.T) {
	var buf bytes.Buffer
	saved := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, nil)))
	defer slog.SetDefault(saved)

	p := &specs.Process{Args: []string{"true"}, Cwd: "/", Capabilities: &specs.LinuxCapabilities{
		Bounding:    []string{"CAP_KILL", "CAP_NOPE", "cap_chown"},
		Permitted:   []string{"CAP_KILL", "CAP_CHOWN", "CAP_NOPE"},
		Inheritable: []string{"CAP_KILL", "CAP_SYSLOG"},
		Ambient:     []string{"CAP_KILL", "CAP_CHOWN", "CAP_SYSLOG", "CAP_NOPE"},
	}}
	if err := Process(p); err != nil {
		t.Fatalf("Process = %v, want warnings only", err)
	}
	out := buf.String()
	for _, want := range []string{
		`ignoring capabilities this kernel does not know: \"CAP_NOPE\", \"cap_chown\"`,
		"can't raise ambient capability CAP_CHOWN: ",
		"can't raise ambient capability CAP_SYSLOG: ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("warnings lack %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "ambient capability CAP_KILL") || strings.Count(out, "CAP_NOPE") != 1 {
		t.Errorf("warned about a good capability or twice about a bad one:\n%s", out)
	}
	if out := buf.String(); strings.Count(out, "level=WARN") != 3 {
		t.Errorf("want 3 warnings:\n%s", out)
	}
}

// netDevs makes linux.netDevices from host name, container name pairs.
func netDevs(kv ...string) map[string]specs.LinuxNetDevice {
	m := map[string]specs.LinuxNetDevice{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i]] = specs.LinuxNetDevice{Name: kv[i+1]}
	}
	return m
}

// The hand-written matchers against the patterns they stand for.
func TestPatternsLikeRegexp(t *testing.T) {
	page := regexp.MustCompile(`^[1-9][0-9]{0,6}(KB|MB|GB)$`)
	key := regexp.MustCompile(`^[a-z0-9_]+\.[a-zA-Z0-9_.]+$`)
	alpha := []string{"", "0", "1", "9", "a", "z", "A", "Z", "_", ".", "K", "B", "M", "G", "/", "-", "é"}
	var gen func(prefix string, n int)
	gen = func(prefix string, n int) {
		if page.MatchString(prefix) != isPageSize(prefix) {
			t.Errorf("isPageSize(%q) = %v", prefix, isPageSize(prefix))
		}
		if key.MatchString(prefix) != isUnifiedKey(prefix) {
			t.Errorf("isUnifiedKey(%q) = %v", prefix, isUnifiedKey(prefix))
		}
		if n == 0 {
			return
		}
		for _, a := range alpha {
			gen(prefix+a, n-1)
		}
	}
	gen("", 4)
	for _, s := range []string{"2MB", "1GB", "64KB", "1234567KB", "12345678KB", "02MB", "2mb", "2MBB", "memory.high", "cpu.weight.nice", "io.bfq.weight", "a.B", "A.b", "a..b", ".a", "a.", "hugetlb.2MB.max", "memory.high/x"} {
		if page.MatchString(s) != isPageSize(s) || key.MatchString(s) != isUnifiedKey(s) {
			t.Errorf("%q: page %v/%v key %v/%v", s, page.MatchString(s), isPageSize(s), key.MatchString(s), isUnifiedKey(s))
		}
	}
}
