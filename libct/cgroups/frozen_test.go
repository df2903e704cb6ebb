package cgroups

import (
	"os"
	"path/filepath"
	"testing"
)

// Frozen answers from the saved paths alone, as the managers' State does:
// the v1 freezer decides where there is one, else cgroup2's cgroup.freeze;
// the systemd driver's keys are not directories.
func TestFrozenFromSavedPaths(t *testing.T) {
	dir := t.TempDir()
	file := func(name, content string) string {
		t.Helper()
		d := filepath.Join(dir, name)
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		f := map[string]string{"freezer": "freezer.state", "unified": "cgroup.freeze"}[filepath.Dir(name)]
		if err := os.WriteFile(filepath.Join(d, f), []byte(content+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return d
	}
	frozenV1, thawedV1 := file("freezer/a", "FROZEN"), file("freezer/b", "THAWED")
	freezingV1 := file("freezer/c", "FREEZING")
	frozenV2, thawedV2 := file("unified/a", "1"), file("unified/b", "0")
	noFreeze := filepath.Join(dir, "unified/none")
	if err := os.MkdirAll(noFreeze, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		paths map[string]string
		want  bool
	}{
		{"v1 frozen", map[string]string{"freezer": frozenV1, "memory": thawedV1}, true},
		{"v1 freezing counts", map[string]string{"freezer": freezingV1}, true},
		{"v1 thawed", map[string]string{"freezer": thawedV1}, false},
		{"v1 freezer beats the unified one", map[string]string{"freezer": thawedV1, "": frozenV2}, false},
		{"hybrid without a v1 freezer", map[string]string{"memory": thawedV1, "": frozenV2}, true},
		{"v2 frozen", map[string]string{"": frozenV2}, true},
		{"v2 thawed", map[string]string{"": thawedV2}, false},
		{"v2 without cgroup.freeze", map[string]string{"": noFreeze}, false},
		{"systemd keys are not paths", map[string]string{SystemdUnitKey: "x.scope", SystemdUserKey: "1", "": frozenV2}, true},
		{"no paths", nil, false},
	} {
		got, err := Frozen(tc.paths)
		if err != nil || got != tc.want {
			t.Errorf("%s: Frozen = %v, %v; want %v", tc.name, got, err, tc.want)
		}
		if len(tc.paths) == 0 {
			continue
		}
		// The manager Load makes agrees, on a v1 host, for the v1 cases.
		if _, ok := tc.paths["freezer"]; ok {
			m := &fs1Manager{paths: map[string]string{"freezer": tc.paths["freezer"]}}
			if u, ok := tc.paths[""]; ok {
				m.unified = &unifiedDir{dir: u}
			}
			if st, err := m.State(); err != nil || st != tc.want {
				t.Errorf("%s: fs1Manager.State = %v, %v; want %v", tc.name, st, err, tc.want)
			}
		}
	}
}
