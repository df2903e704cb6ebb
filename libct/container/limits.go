package container

import (
	"bytes"
	"fmt"
	"os"
	"strconv"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/rt-runtime/rt/libct/cgroups"
)

// The container's cgroup and limits as create makes them, and what they
// mean for the child that sets it up.

// hitMemoryLimit reports an OOM kill (v2) or a charge that failed against
// the limit (v1 memory.failcnt) in the container's cgroup.
func hitMemoryLimit(cg cgroups.Manager) bool {
	st, err := cg.Stats()
	return err == nil && (st.Memory.EventCount.OOMKill > 0 || st.Memory.Usage.Failcnt > 0)
}

// takeOOMScoreAdj gives rt the oom_score_adj adj (when set) before it
// clones a child, which inherits it: a child shares rt's memory until its
// execve (see child.fork), and the kernel keeps the value the same for
// every process sharing a memory, so setting the child's own would set
// rt's as well. restore gives rt its own back, to be called once the
// child has exec'd (or is gone).
func takeOOMScoreAdj(adj *int) (restore func(), err error) {
	if adj == nil {
		return func() {}, nil
	}
	const self = "/proc/self/oom_score_adj"
	old, err := os.ReadFile(self)
	if err != nil {
		return nil, fmt.Errorf("set process.oomScoreAdj %d: %w", *adj, err)
	}
	if err := os.WriteFile(self, []byte(strconv.Itoa(*adj)), 0); err != nil {
		return nil, fmt.Errorf("set process.oomScoreAdj %d: %w", *adj, err)
	}
	return func() { os.WriteFile(self, bytes.TrimSpace(old), 0) }, nil
}

// makeCgroup creates the container's cgroup and writes its limits.
func makeCgroup(c *Container, cg cgroups.Manager, spec *specs.Spec) error {
	if err := cg.Apply(0); err != nil {
		return err
	}
	c.state.CgroupPaths = cg.Paths()
	if spec.Linux != nil && spec.Linux.Resources != nil {
		return cg.Set(spec.Linux.Resources)
	}
	return nil
}

// roomForInit tells whether the container's limits leave ample room for
// rt's init (a Go runtime: a few MiB and a handful of threads) to be
// charged to it while it sets the container up.
func roomForInit(spec *specs.Spec) bool {
	if spec.Linux == nil || spec.Linux.Resources == nil {
		return true
	}
	r := spec.Linux.Resources
	if m := r.Memory; m != nil && m.Limit != nil && *m.Limit > 0 && *m.Limit < 64<<20 {
		return false
	}
	if p := r.Pids; p != nil && p.Limit != nil && *p.Limit >= 0 && *p.Limit < 64 { // 0 is 1
		return false
	}
	return true
}

// lowMemoryLimit tells whether the container's memory limit is so low
// that the init's set-up may hit it. The kernel memory of its mounts and
// namespaces is charged to the container, and an OOM kill of the init
// while it shares rt's memory (see child.fork) would kill rt too: below
// 16 MiB the init gets a copy of rt's memory, as from fork(2), and a limit
// too low shows as the init's own kill, which create words.
func lowMemoryLimit(spec *specs.Spec) bool {
	if spec.Linux == nil || spec.Linux.Resources == nil || spec.Linux.Resources.Memory == nil {
		return false
	}
	l := spec.Linux.Resources.Memory.Limit
	return l != nil && *l > 0 && *l < 16<<20
}
