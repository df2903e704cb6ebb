package specjson_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/rt-runtime/rt/libct/specconv"
	"github.com/rt-runtime/rt/libct/specjson"
)

// full is a config with every kind of value the decoder meets: nested
// structs, pointers, slices, maps, an embedded struct (weightDevice's
// major and minor), file modes, negative and large numbers, escapes.
const full = `{
	"ociVersion": "1.2.0",
	"process": {
		"terminal": true,
		"consoleSize": {"height": 24, "width": 80},
		"user": {"uid": 1000, "gid": 1000, "umask": 18, "additionalGids": [5, 6]},
		"args": ["sh", "-c", "echo \"hi\"\t\\ \u00e9 \ud83d\ude00 \u2028"],
		"env": ["PATH=/bin", "A=b"],
		"cwd": "/",
		"capabilities": {"bounding": ["CAP_KILL"], "effective": [], "permitted": null},
		"rlimits": [{"type": "RLIMIT_NOFILE", "hard": 18446744073709551615, "soft": 1024}],
		"noNewPrivileges": true,
		"oomScoreAdj": -1000,
		"scheduler": {"policy": "SCHED_OTHER", "nice": -5, "flags": ["SCHED_FLAG_RESET_ON_FORK"]},
		"ioPriority": {"class": "IOPRIO_CLASS_BE", "priority": 4},
		"execCPUAffinity": {"initial": "0", "final": "0-3"}
	},
	"root": {"path": "rootfs", "readonly": false},
	"hostname": "h",
	"mounts": [
		{"destination": "/proc", "type": "proc", "source": "proc"},
		{"destination": "/x", "type": "bind", "source": "/y", "options": ["rbind", "ro"], "uidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}]}
	],
	"hooks": {
		"prestart": [{"path": "/bin/true", "args": ["true"], "env": ["X=1"], "timeout": 5}],
		"createRuntime": [],
		"poststop": [{"path": "/bin/false"}]
	},
	"annotations": {"a": "b", "c": ""},
	"linux": {
		"uidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],
		"sysctl": {"net.ipv4.ip_forward": "1"},
		"resources": {
			"devices": [{"allow": false, "access": "rwm"}, {"allow": true, "type": "c", "major": 1, "minor": 3, "access": "rw"}],
			"memory": {"limit": 536870912, "reservation": -1, "swap": 1073741824, "swappiness": 60, "disableOOMKiller": false, "useHierarchy": true, "checkBeforeUpdate": true},
			"cpu": {"shares": 1024, "quota": -1, "burst": 0, "period": 100000, "cpus": "0-1", "mems": "0", "idle": 1},
			"pids": {"limit": 100},
			"blockIO": {"weight": 500, "weightDevice": [{"major": 8, "minor": 0, "weight": 600, "leafWeight": 300}], "throttleReadBpsDevice": [{"major": 8, "minor": 0, "rate": 1048576}]},
			"hugepageLimits": [{"pageSize": "2MB", "limit": 1073741824}],
			"network": {"classID": 1, "priorities": [{"name": "eth0", "priority": 5}]},
			"rdma": {"mlx5_0": {"hcaHandles": 3, "hcaObjects": 10000}},
			"unified": {"memory.high": "max"}
		},
		"cgroupsPath": "/a/b",
		"namespaces": [{"type": "pid"}, {"type": "network", "path": "/var/run/netns/x"}],
		"devices": [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229, "fileMode": 438, "uid": 0, "gid": 0}],
		"seccomp": {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1, "architectures": ["SCMP_ARCH_X86_64"], "flags": ["SECCOMP_FILTER_FLAG_LOG"],
			"syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1, "valueTwo": 0, "op": "SCMP_CMP_EQ"}]}]},
		"rootfsPropagation": "slave",
		"maskedPaths": ["/proc/kcore"],
		"readonlyPaths": ["/proc/sys"],
		"mountLabel": "",
		"intelRdt": {"closID": "x", "l3CacheSchema": "L3:0=f", "enableMonitoring": true},
		"personality": {"domain": "LINUX32", "flags": []},
		"timeOffsets": {"monotonic": {"secs": -10, "nanosecs": 5}},
		"memoryPolicy": {"mode": "MPOL_BIND", "nodes": "0", "flags": ["MPOL_F_STATIC_NODES"]},
		"netDevices": {"eth1": {"name": "ctr1"}}
	},
	"vm": {"hypervisor": {"path": "/h", "parameters": ["-x"]}, "kernel": {"path": "/k"}, "image": {"path": "/i", "format": "raw"}},
	"windows": {"layerFolders": ["C:\\x"], "credentialSpec": {"a": [1, "b", null, true]}},
	"unknownKey": {"deep": [1, 2, {"x": null}], "s": "\u0000"}
}`

func decodeBoth(t *testing.T, doc string) (got, want specs.Spec, gotErr, wantErr error) {
	t.Helper()
	wantErr = json.Unmarshal([]byte(doc), &want)
	gotErr = specjson.Spec([]byte(doc), &got)
	return
}

func TestLikeEncodingJSON(t *testing.T) {
	def, err := json.Marshal(specconv.Example())
	if err != nil {
		t.Fatal(err)
	}
	docs := []string{
		full, string(def), `{}`, `null`, ` {"ociVersion" : "1" } `,
		// Keys in another case, and the exact one winning.
		`{"OCIVERSION": "1", "Process": {"ARGS": ["a"], "args": ["b"]}}`,
		`{"process": {"args": ["b"]}, "PROCESS": {"Args": ["a"]}}`,
		// Duplicates: objects merge, arrays are replaced.
		`{"process": {"cwd": "/a"}, "process": {"args": ["x"]}}`,
		`{"annotations": {"a": "1"}, "annotations": {"b": "2"}}`,
		`{"mounts": [{"destination": "/a"}], "mounts": []}`,
		// null everywhere.
		`{"process": null, "mounts": null, "annotations": null, "linux": {"resources": {"memory": {"limit": null}}}}`,
		`{"process": {"args": [null, "a"], "user": {"uid": null}}}`,
		// Invalid UTF-8 and lone surrogates become U+FFFD.
		"{\"hostname\": \"a\xffb\xc3\"}",
		`{"hostname": "\ud800x\udc00\ud83d"}`,
		`{"hostname": "\ud83d\u0041"}`,
		// Numbers at the edges.
		`{"process": {"user": {"uid": 4294967295}, "oomScoreAdj": -2147483648}}`,
		`{"linux": {"resources": {"memory": {"limit": -9223372036854775808}}}}`,
		`{"process": {"rlimits": [{"hard": 0, "soft": 1}]}}`,
		`{"linux": {"devices": [{"fileMode": 4294967295}]}}`,
		`{"linux": {"resources": {"cpu": {"shares": 0}}}}`,
	}
	for _, doc := range docs {
		got, want, gotErr, wantErr := decodeBoth(t, doc)
		if gotErr != nil || wantErr != nil {
			t.Errorf("%.60q: specjson %v, encoding/json %v", doc, gotErr, wantErr)
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%.60q: decoded differently:\n got  %+v\n want %+v", doc, got, want)
		}
	}
}

func TestErrors(t *testing.T) {
	for _, c := range []struct{ doc, want string }{
		{``, "json: unexpected end of JSON input"},
		{`   `, "json: unexpected end of JSON input"},
		{`{"ociVersion": "1.0.2", "process": {"args": ["sh"`, "json: process.args: unexpected end of JSON input"},
		{`[1, 2, 3]`, "json: cannot unmarshal array into a value of type specs.Spec"},
		{`{} }`, "json: invalid character '}' after top-level value"},
		{`{"process": {"args": "sh -c true"}}`, "json: process.args: cannot unmarshal string into a value of type []string"},
		{`{"linux": {"namespaces": {"type": "pid"}}}`, "json: linux.namespaces: cannot unmarshal object into a value of type []specs.LinuxNamespace"},
		{`{"root": "rootfs"}`, "json: root: cannot unmarshal string into a value of type specs.Root"},
		{`{"process": {"user": {"uid": -1}}}`, "json: process.user.uid: cannot unmarshal number -1 into a value of type uint32"},
		{`{"process": {"user": {"uid": 1.5}}}`, "json: process.user.uid: cannot unmarshal number 1.5 into a value of type uint32"},
		{`{"process": {"user": {"uid": 1e3}}}`, "json: process.user.uid: cannot unmarshal number 1e3 into a value of type uint32"},
		{`{"linux": {"resources": {"memory": {"limit": "1G"}}}}`, "json: linux.resources.memory.limit: cannot unmarshal string into a value of type int64"},
		{`{"mounts": [{}, {"options": [1]}]}`, "json: mounts[1].options[0]: cannot unmarshal number 1 into a value of type string"},
		{`{"annotations": {"k": 1}}`, "json: annotations.k: cannot unmarshal number 1 into a value of type string"},
		{`{"hostname": "a` + "\n" + `"}`, `json: hostname: invalid character '\n' in string literal`},
		{`{"hostname": "\x"}`, "json: hostname: invalid character 'x' in string escape code"},
		{`{"hostname": tru}`, "json: hostname: invalid character '}' in literal true (expecting 'e')"},
		{`{"hostname" "x"}`, `json: invalid character '"' after object key`},
		{`{"a": 1 "b": 2}`, `json: invalid character '"' after object key:value pair`},
		{`{"a": [1 2]}`, "json: invalid character '2' after array element"},
		{`{"a": 01}`, "json: invalid character '1' after object key:value pair"},
		{`{"a": -}`, "json: invalid character '}' in numeric literal"},
		{`{"a": 1.}`, "json: invalid character '}' after decimal point in numeric literal"},
		{`{a: 1}`, "json: invalid character 'a' looking for beginning of object key string"},
		{`{"a": }`, "json: invalid character '}' looking for beginning of value"},
		{strings.Repeat("[", 10001), "json: exceeded max depth"},
		{`{"x": ` + strings.Repeat(`{"x": `, 10000), "json: exceeded max depth"},
		{`{"process": {"terminal": "yes"}}`, "json: process.terminal: cannot unmarshal string into a value of type bool"},
	} {
		var s specs.Spec
		err := specjson.Spec([]byte(c.doc), &s)
		if err == nil || err.Error() != c.want {
			t.Errorf("%.80q:\n got  %.200v\n want %s", c.doc, err, c.want)
		}
		if json.Unmarshal([]byte(c.doc), new(specs.Spec)) == nil {
			t.Errorf("%.80q: encoding/json takes it", c.doc)
		}
	}
}

func FuzzLikeEncodingJSON(f *testing.F) {
	f.Add(full)
	f.Add(`{"process": {"args": ["a"]}}`)
	f.Add(`{"linux": {"resources": {"memory": {"limit": 5}}}}`)
	f.Add(`{"hostname": "\ud83d\ude00"}`)
	f.Fuzz(func(t *testing.T, doc string) {
		got, want, gotErr, wantErr := decodeBoth(t, doc)
		if (gotErr == nil) != (wantErr == nil) {
			t.Fatalf("%q: specjson %v, encoding/json %v", doc, gotErr, wantErr)
		}
		if gotErr == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: decoded differently:\n got  %+v\n want %+v", doc, got, want)
		}
	})
}

// The mutations of full that keep it valid JSON: each leaf value replaced
// by one of another kind, to compare the type checks.
func TestEveryLeafWithAnotherKind(t *testing.T) {
	var tree any
	if err := json.Unmarshal([]byte(full), &tree); err != nil {
		t.Fatal(err)
	}
	others := []any{"s", 1.0, -1.0, 1.5, true, nil, []any{}, map[string]any{}, 1e30}
	var walk func(v any, set func(any))
	n := 0
	walk = func(v any, set func(any)) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				walk(e, func(nv any) { x[k] = nv })
			}
		case []any:
			for i, e := range x {
				walk(e, func(nv any) { x[i] = nv })
			}
		}
		for _, o := range others {
			set(o)
			b, err := json.Marshal(tree)
			if err != nil {
				t.Fatal(err)
			}
			doc := string(b)
			got, want, gotErr, wantErr := decodeBoth(t, doc)
			n++
			if (gotErr == nil) != (wantErr == nil) {
				t.Fatalf("%s: specjson %v, encoding/json %v", doc, gotErr, wantErr)
			}
			if gotErr == nil && !reflect.DeepEqual(got, want) {
				t.Fatalf("%s: decoded differently", doc)
			}
		}
		set(v)
	}
	walk(tree, func(any) {})
	t.Logf("%d documents", n)
}

func TestTime(t *testing.T) {
	for _, doc := range []string{`"2026-01-02T03:04:05.123456789Z"`, `"2026-01-02T03:04:05+02:00"`, `null`} {
		var got, want time.Time
		gotErr := specjson.Time(dec(doc), &got)
		wantErr := json.Unmarshal([]byte(doc), &want)
		if (gotErr == nil) != (wantErr == nil) || !got.Equal(want) {
			t.Errorf("%s: %v %v, want %v %v", doc, got, gotErr, want, wantErr)
		}
	}
	for _, doc := range []string{`"yesterday"`, `5`, `"2026-01-02"`} {
		var got time.Time
		if err := specjson.Time(dec(doc), &got); err == nil || !strings.Contains(err.Error(), "") {
			t.Errorf("%s: no error", doc)
		}
	}
}

func dec(doc string) *specjson.Decoder {
	d := new(specjson.Decoder)
	d.Init([]byte(doc))
	return d
}
