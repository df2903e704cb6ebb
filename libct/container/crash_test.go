package container

import (
	"errors"
	"fmt"
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
	rec := &Container{root: root, dir: dir, state: &State{OCIVersion: "1.0.2", ID: "c1", Status: Creating}}
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

// Engines give runc, crun, youki and rt one --root: what is not an rt
// container is neither listed nor loaded, so that no command of rt's
// takes it for a stopped container of its own.
func TestForeignStateDirs(t *testing.T) {
	root := t.TempDir()
	dirs := map[string]map[string]string{
		// runc: state.json with the id, no status or ociVersion.
		"runcct": {"state.json": `{"id":"runcct","init_process_pid":1,"init_process_start":5,"created":"2026-01-01T00:00:00Z","config":{"rootfs":"/x"}}`},
		// runc while it creates: exec.fifo, state.json not written yet.
		"runcnew": {"exec.fifo": ""},
		// youki: oci_version, not ociVersion.
		"youkict": {"state.json": `{"oci_version":"1.0.2","id":"youkict","status":"running","pid":1}`},
		// crun: status and config.json.
		"crunct": {"status": `{"pid":1}`, "config.json": "{}"},
		// rt's own, killed in writeFileAtomic before its first rename.
		"rtkilled": {".state.json.tmp123": "{"},
		"rtct":     {"state.json": `{"ociVersion":"1.0.2","id":"rtct","pid":0,"status":"created","initStartTime":0}`},
	}
	for name, files := range dirs {
		if err := os.Mkdir(filepath.Join(root, name), 0o700); err != nil {
			t.Fatal(err)
		}
		for f, data := range files {
			if err := os.WriteFile(filepath.Join(root, name, f), []byte(data), 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	l, err := List(root)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range l {
		ids = append(ids, s.ID)
	}
	if fmt.Sprint(ids) != "[rtct rtkilled]" {
		t.Errorf("list: %v, want [rtct rtkilled]", ids)
	}
	for _, id := range []string{"runcct", "runcnew", "youkict", "crunct"} {
		_, err := Load(root, id)
		if !errors.Is(err, errForeign) {
			t.Errorf("Load(%s) = %v, want a foreign-directory error", id, err)
		}
		if _, err := LoadLocked(root, id); !errors.Is(err, errForeign) {
			t.Errorf("LoadLocked(%s) = %v, want a foreign-directory error", id, err)
		}
	}
}
