package seccomp

import (
	"sort"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Supported lists what rt's seccomp accepts, for `rt features`.
func Supported() (acts, ops, archs, flags []string) {
	for a := range actions {
		acts = append(acts, string(a))
	}
	for o := range operators {
		ops = append(ops, string(o))
	}
	for a, info := range arches {
		// Arches libseccomp refuses on this build have no audit number or
		// are of the other byte order; list what loads.
		if info.auditArch != 0 && a != specs.ArchM68K && a != specs.ArchLOONGARCH64 {
			archs = append(archs, string(a))
		}
	}
	for f := range flagBits {
		flags = append(flags, string(f))
	}
	for _, s := range [][]string{acts, ops, archs, flags} {
		sort.Strings(s)
	}
	return acts, ops, archs, flags
}

// LibraryVersion is the version of the libseccomp rt compiles profiles
// with (linked in, or in its helper).
func LibraryVersion() string { return libraryVersion() }
