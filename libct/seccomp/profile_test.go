package seccomp

import (
	"encoding/json"
	"os"
	"os/exec"
	"slices"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Debian ships it in golang-github-containers-common (the containers-common
// files); it is in the Docker/podman profile format, not the OCI one.
const containersProfile = "/usr/share/containers/seccomp.json"

// engineProfile is the subset of that format the conversion needs.
type engineProfile struct {
	DefaultAction   specs.LinuxSeccompAction `json:"defaultAction"`
	DefaultErrnoRet *uint                    `json:"defaultErrnoRet"`
	ArchMap         []struct {
		Arch    specs.Arch   `json:"architecture"`
		SubArch []specs.Arch `json:"subArchitectures"`
	} `json:"archMap"`
	Syscalls []struct {
		specs.LinuxSyscall
		Includes engineFilter `json:"includes"`
		Excludes engineFilter `json:"excludes"`
	} `json:"syscalls"`
}

type engineFilter struct {
	Arches []string `json:"arches"`
	Caps   []string `json:"caps"`
}

// podmanDefaultCaps is podman's default capability set, which decides the
// caps-conditional entries the way podman would for a default container.
var podmanDefaultCaps = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
	"CAP_NET_BIND_SERVICE", "CAP_SETFCAP", "CAP_SETGID", "CAP_SETPCAP",
	"CAP_SETUID", "CAP_SYS_CHROOT",
}

// convertEngineProfile does what podman does before handing the profile
// to the runtime: expand archMap and resolve includes/excludes for amd64.
func convertEngineProfile(p *engineProfile) *specs.LinuxSeccomp {
	out := &specs.LinuxSeccomp{DefaultAction: p.DefaultAction, DefaultErrnoRet: p.DefaultErrnoRet}
	for _, m := range p.ArchMap {
		if m.Arch == specs.ArchX86_64 {
			out.Architectures = append([]specs.Arch{m.Arch}, m.SubArch...)
		}
	}
	applies := func(f engineFilter, matchEmpty bool) bool {
		if len(f.Arches) == 0 && len(f.Caps) == 0 {
			return matchEmpty
		}
		if len(f.Arches) > 0 && !slices.Contains(f.Arches, "amd64") {
			return false
		}
		for _, c := range f.Caps {
			if !slices.Contains(podmanDefaultCaps, c) {
				return false
			}
		}
		return true
	}
	for _, sc := range p.Syscalls {
		if !applies(sc.Includes, true) || applies(sc.Excludes, false) {
			continue
		}
		out.Syscalls = append(out.Syscalls, sc.LinuxSyscall)
	}
	return out
}

func TestContainersCommonProfile(t *testing.T) {
	requireAmd64(t)
	raw, err := os.ReadFile(containersProfile)
	if os.IsNotExist(err) {
		t.Skipf("%s absent (apt-get install golang-github-containers-common)", containersProfile)
	}
	if err != nil {
		t.Fatal(err)
	}
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh binary")
	}
	var ep engineProfile
	if err := json.Unmarshal(raw, &ep); err != nil {
		t.Fatalf("parse %s: %v", containersProfile, err)
	}
	cfg := convertEngineProfile(&ep)
	if err := Validate(cfg); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	p := mustCompile(t, cfg, t.TempDir())
	r := runChild(t, p, []string{"nr:323" /* userfaultfd */, "nr:1000", "nr:39" /* getpid */},
		sh, "-c", "true && /bin/true")
	r.expectExit0(t)
	r.expect(t, map[string]unix.Errno{"nr:323": unix.EPERM, "nr:1000": unix.ENOSYS, "nr:39": 0})
}
