package container

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

// State.marshal and OCIState.Marshal write what encoding/json would.
func TestStateJSON(t *testing.T) {
	odd := "a\"b\\c<d>&e\x00\x1f\b\f\n\r\t\u2028\u2029\xff\xc3é😀 /"
	for _, s := range []State{
		{},
		{OCIVersion: "1.3.0", ID: "c1", Pid: 42, Status: Running, Bundle: "/b", Rootfs: "/b/rootfs",
			Created: time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.UTC), Owner: "root",
			Annotations: map[string]string{"z": "1", "a": odd, odd: ""}, InitStartTime: 1 << 63,
			CgroupPaths: map[string]string{"": "/sys/fs/cgroup/x", "memory": "/m"}, NoNewKeyring: true, NoHooks: true},
		{ID: odd, Bundle: odd, Created: time.Date(1, 1, 1, 0, 0, 0, 0, time.FixedZone("x", 3600)), Annotations: map[string]string{}},
	} {
		want, err := json.Marshal(&s)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.marshal(); !bytes.Equal(got, want) {
			t.Errorf("State:\n got  %s\n want %s", got, want)
		}
		o := OCIState{OCIVersion: s.OCIVersion, ID: s.ID, Pid: s.Pid, Status: s.Status, Bundle: s.Bundle,
			Rootfs: s.Rootfs, Created: s.Created, Owner: s.Owner, Annotations: s.Annotations}
		if want, _ = json.Marshal(o); !bytes.Equal(o.Marshal(), want) {
			t.Errorf("OCIState:\n got  %s\n want %s", o.Marshal(), want)
		}
		var back State
		if err := decodeState(s.marshal(), &back); err != nil {
			t.Errorf("decode: %v", err)
		}
	}
}

func FuzzAppendString(f *testing.F) {
	f.Add("a<b>\u2028\xff")
	f.Fuzz(func(t *testing.T, s string) {
		o := OCIState{ID: s, Annotations: map[string]string{s: s}}
		want, _ := json.Marshal(o)
		if got := o.Marshal(); !bytes.Equal(got, want) {
			t.Fatalf("%q:\n got  %s\n want %s", s, got, want)
		}
	})
}
