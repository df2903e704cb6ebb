package checkpoint

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	criurpc "github.com/checkpoint-restore/go-criu/v8/rpc"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestCheckImagePaths(t *testing.T) {
	dir := t.TempDir()
	img := filepath.Join(dir, "img")
	o := &Options{ImagePath: img}
	if err := o.CheckImagePaths(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(img); err != nil || !fi.IsDir() {
		t.Fatalf("image path not created: %v", err)
	}
	os.Mkdir(filepath.Join(img, "parent"), 0o700)
	os.WriteFile(filepath.Join(img, "file"), nil, 0o600)
	for _, c := range []struct{ parent, want string }{
		{"parent", ""},
		{"../img/parent", ""},
		{"/abs", "--parent-path must be relative"},
		{"missing", "invalid --parent-path: stat " + img + "/missing: no such file or directory"},
		{"file", "not a directory"},
	} {
		o := &Options{ImagePath: img, ParentPath: c.parent}
		err := o.CheckImagePaths()
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("parent %q: got %v, want %q", c.parent, err, c.want)
		}
	}
}

func TestOptionParsing(t *testing.T) {
	if m, err := cgMode("ignore"); err != nil || m != criurpc.CriuCgMode_IGNORE {
		t.Errorf("ignore: %v %v", m, err)
	}
	if m, err := cgMode(""); err != nil || m != criurpc.CriuCgMode_DEFAULT {
		t.Errorf("default: %v %v", m, err)
	}
	if _, err := cgMode("hard"); err == nil {
		t.Error("bad mode accepted")
	}
	if _, err := emptyNs([]string{"ipc"}); err == nil {
		t.Error("--empty-ns ipc accepted")
	}
	ps, err := pageServer("10.0.0.1:27277")
	if err != nil || ps.GetAddress() != "10.0.0.1" || ps.GetPort() != 27277 {
		t.Errorf("page server: %v %v", ps, err)
	}
	for _, bad := range []string{"10.0.0.1", ":1", "h:port", "h:70000"} {
		if _, err := pageServer(bad); err == nil {
			t.Errorf("page server %q accepted", bad)
		}
	}
	if k := extNsKey(specs.NetworkNamespace); k != "extRootNetNS" {
		t.Errorf("net key %q", k)
	}
	if k := extNsKey(specs.PIDNamespace); k != "extRootPidNS" {
		t.Errorf("pid key %q", k)
	}
}

func TestLogErrors(t *testing.T) {
	p := filepath.Join(t.TempDir(), "dump.log")
	os.WriteFile(p, []byte(`(00.000001) Version: 3.17.1
(00.055925) Error (criu/vdso.c:381): vdso: Unexpected rt vDSO area bounds
(00.055928) Error (criu/vdso.c:613): vdso: Failed to fill self vdso symtable
(00.055930) a line in between
(00.055931) Error (criu/kerndat.c:1615): kerndat_vdso_fill_symtable failed when initializing kerndat.
(00.056035) Error (criu/crtools.c:260): Could not initialize kernel features detection.
`), 0o600)
	got := logErrors(p, 3)
	want := []string{
		"Error (criu/vdso.c:613): vdso: Failed to fill self vdso symtable",
		"Error (criu/kerndat.c:1615): kerndat_vdso_fill_symtable failed when initializing kerndat.",
		"Error (criu/crtools.c:260): Could not initialize kernel features detection.",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got %q", got)
	}
	err := withLog(errCriu{&criurpc.CriuResp{Type: ptr(criurpc.CriuReqType_DUMP)}}, filepath.Dir(p), "dump.log")
	if !strings.HasPrefix(err.Error(), "criu dump failed: Error (criu/vdso.c:613)") || !strings.HasSuffix(err.Error(), "(log: "+p+")") {
		t.Errorf("withLog: %v", err)
	}
	msg := "Error (criu/crtools.c:260): Could not initialize kernel features detection."
	err = withLog(errCriu{&criurpc.CriuResp{Type: ptr(criurpc.CriuReqType_DUMP), CrErrmsg: &msg}}, filepath.Dir(p), "dump.log")
	if strings.Count(err.Error(), "crtools.c") != 1 {
		t.Errorf("withLog repeats CRIU's message: %v", err)
	}
	if err := withLog(errCriu{&criurpc.CriuResp{Type: ptr(criurpc.CriuReqType_RESTORE)}}, "/nonexistent", "restore.log"); err.Error() != "criu restore failed (log: /nonexistent/restore.log)" {
		t.Errorf("withLog without a log: %v", err)
	}
}

// A mountpoint under an earlier bind is made in that bind's source, one
// under a tmpfs not at all, the others in the rootfs (through symlinks).
func TestCreateMountpoints(t *testing.T) {
	dir := t.TempDir()
	rootfs, b1, b2 := filepath.Join(dir, "rootfs"), filepath.Join(dir, "b1"), filepath.Join(dir, "b2")
	for _, d := range []string{rootfs + "/real", b1, b2} {
		os.MkdirAll(d, 0o755)
	}
	os.Symlink("/real", rootfs+"/link")
	os.WriteFile(b2+"/f", nil, 0o644)
	spec := &specs.Spec{Mounts: []specs.Mount{
		{Destination: "/tmp", Type: "tmpfs", Source: "tmpfs"},
		{Destination: "/tmp/under/tmpfs", Type: "bind", Source: b2, Options: []string{"bind"}},
		{Destination: "/test", Type: "bind", Source: b1, Options: []string{"rbind"}},
		{Destination: "/test/for/nested", Source: b2, Options: []string{"bind"}},
		{Destination: "/test/file", Source: b2 + "/f", Options: []string{"bind"}},
		{Destination: "/link/conf", Source: ".", Options: []string{"bind"}},
	}}
	if err := createMountpoints(spec, rootfs, dir); err != nil {
		t.Fatal(err)
	}
	isDir := func(p string) bool { fi, err := os.Stat(p); return err == nil && fi.IsDir() }
	isFile := func(p string) bool { fi, err := os.Stat(p); return err == nil && fi.Mode().IsRegular() }
	if !isDir(rootfs+"/tmp") || !isDir(rootfs+"/test") || !isDir(b1+"/for/nested") || !isFile(b1+"/file") || !isDir(rootfs+"/real/conf") {
		t.Error("a mountpoint is missing")
	}
	if _, err := os.Stat(rootfs + "/tmp/under"); err == nil {
		t.Error("a mountpoint under a tmpfs was made")
	}
	if _, err := os.Stat(rootfs + "/test/for"); err == nil {
		t.Error("a nested mountpoint was made in the rootfs, not in the bind's source")
	}
}
