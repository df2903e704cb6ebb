package cgroups

import (
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"
)

// StartWarm keeps the kernel's cgroup migration lock warm until StopWarm,
// by writing the caller's pid into the cgroup it is already in,
// in one v1 hierarchy that limits neither memory nor pids, about every
// millisecond. The first migration after a quiet spell waits for an RCU
// grace period (the percpu rwsem cgroup_threadgroup_rwsem: 6-15 ms here);
// migrations that follow within a grace period of another are cheap. Run
// in the background from the start of create or exec, it takes that wait
// off the container's critical path. The moves are no-ops, so errors are
// ignored; on pure v2 (one hierarchy, holding memory) it does nothing.
//
// Only the first call in a process starts it: commands call it as soon as
// they know they will migrate a process, Create and Exec at the latest.
func StartWarm() {
	warmOnce.Do(func() {
		warmStop = make(chan struct{})
		go warmMigration(warmStop)
	})
}

// StopWarm ends what StartWarm started.
func StopWarm() {
	warmMu.Lock()
	defer warmMu.Unlock()
	if warmStop != nil && !warmStopped {
		close(warmStop)
		warmStopped = true
	}
}

var (
	warmOnce    sync.Once
	warmMu      sync.Mutex
	warmStop    chan struct{}
	warmStopped bool
)

func warmMigration(stop <-chan struct{}) {
	procs := warmTarget()
	if procs == "" {
		return
	}
	pid := strconv.Itoa(os.Getpid())
	t := time.NewTicker(time.Millisecond)
	defer t.Stop()
	for {
		if writeFile(procs, "", pid) != nil {
			return
		}
		select {
		case <-stop:
			return
		case <-t.C:
		}
	}
}

// warmTarget is the cgroup.procs file of the caller's own cgroup in a
// hierarchy WarmMigration may use, or "".
func warmTarget() string {
	l, err := hostLayout()
	if err != nil || l.mode == modeV2 {
		return ""
	}
	own, err := ownCgroups()
	if err != nil {
		return ""
	}
	for _, h := range l.v1 {
		if !warmable(h) {
			continue
		}
		p, ok := own[h.key()]
		if !ok {
			continue
		}
		dir, err := resolveDir(h, p, ".")
		if err != nil {
			continue
		}
		return filepath.Join(dir, "cgroup.procs")
	}
	return ""
}

func warmable(h *hierarchy) bool {
	if len(h.controllers) == 0 {
		return false
	}
	for _, c := range h.controllers {
		if c == "memory" || c == "pids" {
			return false
		}
	}
	return true
}
