package container

import (
	"os"
	"path/filepath"
	"testing"
)

// A create that was killed leaves a record (or a bare directory) that
// state, list and delete must all understand.
func TestKilledCreateIsStoppedAndDeletable(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "c1")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	rec := &Container{root: root, dir: dir, state: &State{ID: "c1", Status: Creating}}
	if err := rec.saveStatus(); err != nil {
		t.Fatal(err)
	}

	// While the create holds the lock, it is being created ...
	lock, err := lockDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	c, err := Load(root, "c1")
	if err != nil {
		t.Fatal(err)
	}
	if st := c.Status(); st != Creating {
		t.Errorf("status with the create alive: %s, want creating", st)
	}
	// ... and once the create is gone (its flock with it), it is stopped.
	lock.Close()
	if st := c.Status(); st != Stopped {
		t.Errorf("status with the create gone: %s, want stopped", st)
	}
	l, err := List(root)
	if err != nil || len(l) != 1 || l[0].Status != Stopped || l[0].Pid != 0 {
		t.Errorf("list: %+v, %v", l, err)
	}
	// Without config.json (killed before writing it) nothing warns and
	// there are no hooks.
	if h := c.hooks(); h != nil {
		t.Errorf("hooks of a config-less container: %+v", h)
	}

	c, err = LoadLocked(root, "c1")
	if err != nil {
		t.Fatal(err)
	}
	if st := c.Status(); st != Stopped {
		t.Errorf("status under our own lock: %s, want stopped", st)
	}
	if err := c.Delete(false); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("state dir left: %v", err)
	}
}

// A directory without state.json: a create that made nothing else yet
// (locked) does not exist yet; one killed right after its mkdir (unlocked)
// is a stopped container that delete removes.
func TestBareStateDir(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "c1")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	lock, err := lockDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Load(root, "c1"); err == nil {
		t.Error("a bare directory held by its create loads")
	}
	if l, _ := List(root); len(l) != 0 {
		t.Errorf("list shows a bare directory held by its create: %+v", l)
	}
	lock.Close()
	c, err := Load(root, "c1")
	if err != nil {
		t.Fatal(err)
	}
	if st := c.State(); st.Status != Stopped || st.ID != "c1" {
		t.Errorf("state: %+v", st)
	}
	if l, _ := List(root); len(l) != 1 {
		t.Errorf("list: %+v", l)
	}
	c, err = LoadLocked(root, "c1")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Delete(false); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("state dir left: %v", err)
	}
}

// removeStateDir keeps state.json to the last, so a delete killed halfway
// leaves a record to finish from; on a directory already half removed it
// finishes.
func TestRemoveStateDirLeavesStateLast(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "c1")
	os.Mkdir(dir, 0o700)
	for _, f := range []string{stateFile, specFile, startSock, ".state.json.tmp123"} {
		os.WriteFile(filepath.Join(dir, f), []byte("{}"), 0o600)
	}
	if err := removeStateDir(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("dir left: %v", err)
	}
	if err := removeStateDir(dir); err != nil {
		t.Errorf("again: %v", err)
	}
}

func TestInitStage(t *testing.T) {
	_, start, err := procStat(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	// This test binary is not named rt:[init]: it has "exec'd".
	if s := initStage(os.Getpid(), start); s != initExecd {
		t.Errorf("own process: %d, want initExecd", s)
	}
	if s := initStage(os.Getpid(), start+1); s != initGone {
		t.Errorf("other start time: %d, want initGone", s)
	}
	if s := initStage(0, 0); s != initGone {
		t.Errorf("pid 0: %d, want initGone", s)
	}
}
