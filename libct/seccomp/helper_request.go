package seccomp

import specs "github.com/opencontainers/runtime-spec/specs-go"

// helperRequest is what an rt built without cgo sends the libseccomp
// helper on its stdin, as JSON. The profile's flags are omitempty, and a
// nil list (SPEC_ALLOW by default) means something else than an empty one,
// so which of the two it was travels beside it.
type helperRequest struct {
	FlagsNil bool                `json:"flagsNil"`
	Seccomp  *specs.LinuxSeccomp `json:"seccomp"`
	// Debug asks for the helper's debug records, as JSON lines on its
	// stderr, for rt to log as its own.
	Debug bool `json:"debug,omitempty"`
}
