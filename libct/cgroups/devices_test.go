package cgroups

import (
	"encoding/binary"
	"fmt"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestDeviceRules(t *testing.T) {
	spec := []specs.LinuxDeviceCgroup{
		{Allow: true, Type: "b", Major: i64(8), Minor: i64(0), Access: "wr"},
		{Allow: false, Type: "c", Major: i64(1), Access: ""},
		{Allow: true},
	}
	rules, err := deviceRules(spec)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rules {
		prefix := "deny "
		if r.allow {
			prefix = "allow "
		}
		got = append(got, prefix+r.String())
	}
	want := []string{
		"deny a *:* rwm",
		"allow b 8:0 rw",
		"deny c 1:* rwm",
		"allow a *:* rwm",
		"allow c *:* m",
		"allow b *:* m",
		"allow c 1:3 rwm",
		"allow c 1:5 rwm",
		"allow c 1:7 rwm",
		"allow c 1:8 rwm",
		"allow c 1:9 rwm",
		"allow c 5:0 rwm",
		"allow c 5:1 rwm",
		"allow c 5:2 rwm",
		"allow c 136:* rwm",
		"allow c 10:200 rwm",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("rules:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestDeviceRulesInvalid(t *testing.T) {
	bad := []specs.LinuxDeviceCgroup{
		{Allow: true, Type: "x"},
	}
	for _, d := range bad {
		_, err := deviceRules([]specs.LinuxDeviceCgroup{d})
		if err == nil || !strings.Contains(err.Error(), "linux.resources.devices[0]") {
			t.Errorf("rule %+v: err = %v, want one naming devices[0]", d, err)
		}
	}
	for in, want := range map[string]string{"mwrr": "rwm", "rwa": "rw", "": "rwm", "x": ""} {
		if a := normalizeAccess(in); a != want {
			t.Errorf("normalizeAccess(%q) = %q, want %q", in, a, want)
		}
	}
	// A rule with no r, w or m changes nothing and is left out.
	rules, err := deviceRules([]specs.LinuxDeviceCgroup{{Allow: true, Type: "c", Access: "x"}, {Type: "c", Major: i64(1), Minor: i64(11), Access: "rwa"}})
	if err != nil || len(rules) != 2+len(defaultDeviceRules) || rules[1].String() != "c 1:11 rw" || rules[1].allow {
		t.Errorf("rules = %v, %v; want deny-all, deny c 1:11 rw, defaults", rules, err)
	}
}

func TestDeviceFilterShape(t *testing.T) {
	rules, _ := deviceRules(nil)
	insns := deviceFilter(rules)
	// Six loads, then one block per rule, then the default deny.
	if err := insns.Marshal(new(strings.Builder), binary.LittleEndian); err != nil {
		t.Fatalf("program does not assemble: %v", err)
	}
	if got := insns[len(insns)-2].Constant; got != 0 {
		t.Fatalf("default verdict = %d, want deny (0)", got)
	}
	if accessBits("rw") != bpfAccRead|bpfAccWrite || accessBits("m") != bpfAccMknod {
		t.Fatal("accessBits")
	}
}

// "a" with numbers (podman's --device-cgroup-rule="a 7:1 rwm") is both
// types with those numbers, for an allow and a deny alike.
func TestDeviceRulesAllTypesWithNumbers(t *testing.T) {
	rules, err := deviceRules([]specs.LinuxDeviceCgroup{
		{Allow: true, Type: "a", Major: i64(7), Minor: i64(1), Access: "rwm"},
		{Allow: false, Type: "a", Major: i64(7), Access: "w"},
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rules[1:5] {
		got = append(got, fmt.Sprintf("%v %s", r.allow, r))
	}
	want := "true b 7:1 rwm|true c 7:1 rwm|false b 7:* w|false c 7:* w"
	if strings.Join(got, "|") != want {
		t.Fatalf("rules %q, want %q", strings.Join(got, "|"), want)
	}
}
