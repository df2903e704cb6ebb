package cgroups

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
)

// journal makes an update all or nothing. Before each write to a control
// file it reads what the write replaces; rollback writes those values
// back, the last write first. Going back through the very states the
// writes went through keeps every step one the kernel already took
// (memory below memory+swap, a CFS quota that fits its period, a realtime
// runtime within its period). A nil *journal only writes: a failed create
// removes the whole cgroup instead.
type journal struct {
	undo []undoWrite
}

type undoWrite struct{ dir, file, value string }

func (j *journal) write(dir, file, value string) error {
	if j == nil {
		return writeFile(dir, file, value)
	}
	cur, rerr := readFile(dir, file)
	if (file == "cpuset.cpus" || file == "cpuset.mems") && rerr == nil && strings.TrimSpace(cur) == "" {
		// An empty v2 cpuset is "the parent's"; the kernel never empties
		// the cpuset of a cgroup with tasks again (ENOSPC), so going
		// back means the same CPUs or nodes, named.
		cur, rerr = readFile(dir, file+".effective")
	}
	if err := writeFile(dir, file, value); err != nil {
		return err
	}
	if rerr != nil {
		// A file that takes writes but cannot be read: nothing to go back to.
		slog.Debug("cgroups: cannot undo a write", "file", file, "err", rerr)
		return nil
	}
	if u, ok := undoValue(file, cur, value); ok {
		j.undo = append(j.undo, undoWrite{dir, file, u})
	} else {
		slog.Debug("cgroups: cannot undo a write", "file", file, "value", value)
	}
	return nil
}

// rollback puts back every value written through j, in reverse order.
func (j *journal) rollback() error {
	var errs []string
	for i := len(j.undo) - 1; i >= 0; i-- {
		u := j.undo[i]
		if err := writeFile(u.dir, u.file, u.value); err != nil {
			errs = append(errs, err.Error())
		}
	}
	j.undo = nil
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "; "))
	}
	return nil
}

// transact runs set with a journal and, when it fails, puts back what it
// had already written. The error stays one line: set's error, naming the
// field, and what could not be put back, if anything.
func transact(set func(*journal) error) error {
	j := &journal{}
	err := set(j)
	if err == nil {
		return nil
	}
	if rerr := j.rollback(); rerr != nil {
		return fmt.Errorf("%w (putting the earlier values back failed too: %v)", err, rerr)
	}
	return err
}

// keyedFiles hold one line per device or interface, and a write changes
// only the line of its key (the value's first field). The value is what
// a key without a line of its own gets written to go back to none.
var keyedFiles = map[string]string{
	"blkio.weight_device":              "0",
	"blkio.leaf_weight_device":         "0",
	"blkio.bfq.weight_device":          "default",
	"blkio.throttle.read_bps_device":   "0",
	"blkio.throttle.write_bps_device":  "0",
	"blkio.throttle.read_iops_device":  "0",
	"blkio.throttle.write_iops_device": "0",
	"io.weight":                        "default",
	"io.bfq.weight":                    "default",
	"io.max":                           "rbps=max wbps=max riops=max wiops=max",
	"net_prio.ifpriomap":               "0",
	"rdma.max":                         "hca_handle=max hca_object=max",
}

// undoValue is what to write to file to undo writing value to it, given
// what it held before (cur); false when that cannot be said.
func undoValue(file, cur, value string) (string, bool) {
	cur = strings.TrimSpace(cur)
	lines := strings.Split(cur, "\n")
	if file == "memory.oom_control" {
		// "oom_kill_disable 0\nunder_oom 0\noom_kill 0"; only the first
		// is written.
		for _, l := range lines {
			if v, ok := strings.CutPrefix(l, "oom_kill_disable "); ok {
				return v, true
			}
		}
		return "", false
	}
	none, keyed := keyedFiles[file]
	if !keyed && len(lines) < 2 {
		return cur, true
	}
	// A keyed file, or an unknown one (a unified key) that reads like one.
	key, _, _ := strings.Cut(strings.TrimSpace(value), " ")
	for _, l := range lines {
		if k, _, _ := strings.Cut(strings.TrimSpace(l), " "); k == key {
			return strings.TrimSpace(l), true
		}
	}
	if !keyed || key == "default" {
		return "", false
	}
	return key + " " + none, true
}
