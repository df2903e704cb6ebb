package userns

import (
	"errors"
	"os"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/rt-runtime/rt/libct/specconv"
)

// CheckJoined refuses linux.uidMappings/gidMappings that differ from
// those of the user namespace the init joined (pid is the init, now
// inside it). containerd and CRI-O pass both, so equal ones are accepted.
func CheckJoined(spec *specs.Spec, pid int) error {
	l := spec.Linux
	userNS, _ := specconv.Namespace(spec, specs.UserNamespace)
	if l == nil || len(l.UIDMappings) == 0 && len(l.GIDMappings) == 0 || userNS.Path == "" {
		return nil
	}
	uids, gids, err := ReadMappings(pid)
	if err != nil {
		return err
	}
	if !SameMappings(uids, l.UIDMappings) || !SameMappings(gids, l.GIDMappings) {
		return errors.New("user namespaces enabled, but both namespace path and non-matching mapping specified -- you may only provide one")
	}
	return nil
}

// CheckRootlessGroups refuses supplementary groups when rt runs with a
// non-root euid, as runc does (in its words): the user namespace either
// denies setgroups, or maps groups the caller holds only through
// newgidmap.
func CheckRootlessGroups(p *specs.Process) error {
	if os.Geteuid() != 0 && p != nil && len(p.User.AdditionalGids) > 0 {
		return errors.New("cannot set any additional groups in a rootless container")
	}
	return nil
}
