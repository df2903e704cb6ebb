package validate

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/rt-runtime/rt/libct/mempolicy"
)

// checkMemoryPolicy refuses what set_mempolicy would, and nodes of which
// none exists on this host, before anything is built.
func checkMemoryPolicy(s *specs.Spec) error {
	mp := s.Linux.MemoryPolicy
	if mp == nil {
		return nil
	}
	pol, err := mempolicy.Parse(mp)
	if err == nil {
		err = pol.CheckHost()
	}
	if err != nil {
		return errf("linux.memoryPolicy: %v", err)
	}
	return nil
}
