package seccomp

import (
	"encoding/json"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// FuzzValidate feeds arbitrary seccomp sections to Validate. Beyond "no
// panic", an accepted profile must only use names from the tables, which
// is what lets Compile map everything without a second check.
func FuzzValidate(f *testing.F) {
	seeds := []string{
		`{}`,
		`{"defaultAction":"SCMP_ACT_ALLOW"}`,
		`{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":38,"architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_X86","SCMP_ARCH_X32"],
		  "flags":["SECCOMP_FILTER_FLAG_SPEC_ALLOW"],
		  "syscalls":[{"names":["read","write"],"action":"SCMP_ACT_ALLOW"},
		   {"names":["personality"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":8,"op":"SCMP_CMP_EQ"}]},
		   {"names":["clone"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":2114060288,"valueTwo":0,"op":"SCMP_CMP_MASKED_EQ"}]}]}`,
		`{"defaultAction":"SCMP_ACT_ALLOW","listenerPath":"/run/a.sock","listenerMetadata":"m",
		  "syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_NOTIFY"}]}`,
		`{"defaultAction":"SCMP_ACT_KILL","syscalls":[{"names":["x"],"action":"SCMP_ACT_TRACE","errnoRet":70000}]}`,
		`{"defaultAction":"SCMP_ACT_LOG","syscalls":[{"names":["write"],"action":"SCMP_ACT_NOTIFY","args":[{"index":9,"op":"?"}]}]}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var cfg specs.LinuxSeccomp
		if json.Unmarshal(data, &cfg) != nil {
			return
		}
		err := Validate(&cfg)
		if err2 := Validate(&cfg); (err == nil) != (err2 == nil) {
			t.Fatalf("Validate is not deterministic: %v vs %v", err, err2)
		}
		if err != nil || isDisabled(&cfg) {
			return
		}
		if !actions[cfg.DefaultAction] || cfg.DefaultAction == specs.ActNotify {
			t.Fatalf("accepted default action %q", cfg.DefaultAction)
		}
		for _, a := range cfg.Architectures {
			if _, ok := arches[a]; !ok {
				t.Fatalf("accepted arch %q", a)
			}
		}
		for _, fl := range cfg.Flags {
			if _, ok := flagBits[fl]; !ok {
				t.Fatalf("accepted flag %q", fl)
			}
		}
		for _, sc := range cfg.Syscalls {
			if len(sc.Names) == 0 || !actions[sc.Action] {
				t.Fatalf("accepted syscall entry %+v", sc)
			}
			if sc.ErrnoRet != nil && (*sc.ErrnoRet > maxRet || (sc.Action != specs.ActErrno && sc.Action != specs.ActTrace)) {
				t.Fatalf("accepted errnoRet in %+v", sc)
			}
			for _, a := range sc.Args {
				if a.Index >= maxArgs || !operators[a.Op] {
					t.Fatalf("accepted arg %+v", a)
				}
			}
		}
		checkDefaultActionMaps(t, &cfg)
	})
}
