package hostcheck

import "github.com/rt-runtime/rt/libct/hostbin"

// CRIU checks for what `rt checkpoint` and `rt restore` run: criu. A
// bundle needs it only when it is to be checkpointed, so `rt check` asks
// only with --checkpoint.
func CRIU() []Problem {
	if _, err := hostbin.Find("criu"); err != nil {
		return []Problem{{"--checkpoint", CRIUMissing}}
	}
	return nil
}

// CRIUMissing is what checkpoint and restore say without criu.
const CRIUMissing = "criu is not installed (not found in PATH or the system directories): checkpoint and restore need it"
