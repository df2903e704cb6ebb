package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// wrongState are the errors a command may meet when another one changed
// the container under it: clear, and about the container's state.
var wrongState = []string{
	"does not exist", "is not running", "stop it first", "not created",
	"is stopped", "is creating", "cannot exec", "already exists",
}

func isWrongState(out string) bool {
	for _, w := range wrongState {
		if strings.Contains(out, w) {
			return true
		}
	}
	return false
}

var validStatus = map[string]bool{"creating": true, "created": true, "running": true, "stopped": true, "paused": true}

// load creates, starts, kills and deletes n containers in parallel on one
// root while list, state and a reader of every state.json loop; any error
// but a clear wrong-state one, any undecodable state, and anything left at
// the end fails.
func (e *env) load(n int) int {
	var failures atomic.Int32
	fail := func(format string, a ...any) {
		failures.Add(1)
		fmt.Printf("FAIL "+format+"\n", a...)
	}
	// The root exists before anyone lists it, as an engine's does: a
	// --root that does not exist is an error for list, as with runc.
	if err := os.MkdirAll(e.root, 0o700); err != nil {
		fail("make the state root: %v", err)
		return int(failures.Load())
	}
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("load-%d", i)
		e.bundle(ids[i], sleepArgs)
	}
	stop := make(chan struct{})
	var observers sync.WaitGroup
	var lists, states, reads atomic.Int32
	observe := func(f func(i int)) {
		observers.Add(1)
		go func() {
			defer observers.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				f(i)
			}
		}()
	}
	observe(func(int) {
		out, err := e.rtOutput("list", "-f", "json")
		lists.Add(1)
		if err != nil {
			fail("list: %v: %s", err, out)
			return
		}
		var sts []struct{ ID, Status string }
		if err := json.Unmarshal(out, &sts); err != nil {
			fail("list printed %q: %v", out, err)
			return
		}
		for _, s := range sts {
			if !validStatus[s.Status] || !strings.HasPrefix(s.ID, "load-") {
				fail("list: bad entry %+v", s)
			}
		}
	})
	observe(func(i int) {
		id := ids[(i*7)%n]
		out, err := e.rtOutput("state", id)
		states.Add(1)
		if err != nil {
			if !isWrongState(string(out)) {
				fail("state %s: %v: %s", id, err, out)
			}
			return
		}
		var s struct{ ID, Status string }
		if err := json.Unmarshal(out, &s); err != nil || s.ID != id || !validStatus[s.Status] {
			fail("state %s printed %q", id, out)
		}
	})
	observe(func(int) {
		files, _ := filepath.Glob(filepath.Join(e.root, "*", "state.json"))
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				continue // deleted meanwhile
			}
			var v map[string]any
			if err := json.Unmarshal(b, &v); err != nil {
				fail("%s is corrupt: %v: %q", f, err, b)
			}
			reads.Add(1)
		}
		time.Sleep(time.Millisecond)
	})

	var workers sync.WaitGroup
	for _, id := range ids {
		workers.Add(1)
		go func() {
			defer workers.Done()
			if err := e.lifecycle(id); err != nil {
				fail("%s: %v", id, err)
			}
		}()
	}
	workers.Wait()
	close(stop)
	observers.Wait()
	fmt.Printf("load: %d containers, %d lists, %d states, %d state.json reads\n", n, lists.Load(), states.Load(), reads.Load())

	if err := reapOrphans(); err != nil {
		fail("%v", err)
	}
	for _, id := range ids {
		if err := e.leftovers(id); err != nil {
			fail("%s: %v", id, err)
		}
		os.RemoveAll(filepath.Join(e.bundles, id))
	}
	if ents, _ := os.ReadDir(e.root); len(ents) > 0 {
		for _, en := range ents {
			if !strings.HasPrefix(en.Name(), ".") {
				fail("left in the root: %s", en.Name())
			}
		}
	}
	return int(failures.Load())
}

// lifecycle is one container's create, start, kill and delete; delete is
// retried while the killed init has not died yet.
func (e *env) lifecycle(id string) error {
	if err := e.rt("create", "--bundle", filepath.Join(e.bundles, id), id); err != nil {
		return err
	}
	if err := e.rt("start", id); err != nil {
		return err
	}
	if err := e.rt("kill", id, "KILL"); err != nil {
		return err
	}
	for i := 0; ; i++ {
		out, err := e.rtOutput("delete", id)
		if err == nil {
			return nil
		}
		if !isWrongState(string(out)) || i == 500 {
			return fmt.Errorf("delete: %v: %s", err, out)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
