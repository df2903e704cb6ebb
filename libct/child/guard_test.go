package child

import (
	"bufio"
	"bytes"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"testing"
)

const pkgPrefix = "github.com/rt-runtime/rt/libct/child."

// childCallees are the only functions outside run*.go that the child may
// call: the raw system call, the runtime's assembly copy and clear (which
// never check the stack), and the bounds-check failures, which end the
// child on a bug (they grow the stack, and the spoilt stack guard makes
// that a crash, not a silent corruption).
var childCallees = regexp.MustCompile(`^(syscall\.RawSyscall6|internal/runtime/syscall/linux\.Syscall6|runtime\.memmove|runtime\.memclrNoHeapPointers|runtime\.duffzero|runtime\.duffcopy|runtime\.panicBounds|runtime\.panicIndex\w*|runtime\.panicSlice\w*|runtime\.panicdivide|runtime\.panicshift)(\.abi0)?$`)

type textSym struct {
	file     string
	callees  map[string]bool
	indirect []string
}

// TestChildCodeNeverEntersTheRuntime reads the machine code of this very
// test binary and checks every function of the run*.go files, and every
// function they reach: none has a stack check (a call to morestack: the
// function is not nosplit), none calls anything but another child
// function or childCallees (so no allocation, write barrier, interface
// call, map or lock), none calls through a register. The linker has
// already proved that the nosplit chains fit the stack they start on.
func TestChildCodeNeverEntersTheRuntime(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	// A test binary that go test runs has no symbol table: build one
	// that keeps it, with the same compiler settings.
	bin := filepath.Join(t.TempDir(), "child.test")
	build := exec.Command(goBin, "test", "-c", "-o", bin, ".")
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v: %s", build, err, b)
	}
	cmd := exec.Command(goBin, "tool", "objdump", "-s", regexp.QuoteMeta(pkgPrefix), bin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v: %s", cmd, err, stderr.Bytes())
	}
	syms := parseObjdump(out)
	var roots []string
	for name, s := range syms {
		if strings.HasPrefix(filepath.Base(s.file), "run") && !strings.HasSuffix(s.file, "_test.go") {
			roots = append(roots, name)
		}
	}
	if len(roots) < 5 {
		t.Fatalf("found only %d functions in run*.go: is the objdump output what this test expects?", len(roots))
	}
	if _, ok := syms[pkgPrefix+"(*Program).run"]; !ok {
		t.Fatal("(*Program).run not found")
	}
	sort.Strings(roots)
	seen := map[string]bool{}
	var visit func(name, from string)
	visit = func(name, from string) {
		if seen[name] {
			return
		}
		seen[name] = true
		s, ok := syms[name]
		if !ok {
			t.Errorf("%s calls %s, which the objdump does not show", from, name)
			return
		}
		if base := filepath.Base(s.file); !strings.HasPrefix(base, "run") {
			t.Errorf("%s (%s) runs in the child but is not in a run*.go file", name, base)
		}
		for _, ind := range s.indirect {
			t.Errorf("%s makes an indirect call: %s", name, ind)
		}
		callees := make([]string, 0, len(s.callees))
		for c := range s.callees {
			callees = append(callees, c)
		}
		sort.Strings(callees)
		for _, c := range callees {
			switch {
			case c == name:
			case strings.HasPrefix(c, "runtime.morestack"):
				t.Errorf("%s has a stack check (%s): it must be //go:nosplit", name, c)
			case strings.HasPrefix(c, pkgPrefix):
				visit(c, name)
			case !childCallees.MatchString(c):
				t.Errorf("%s calls %s, which the child must not", name, c)
			}
		}
	}
	for _, r := range roots {
		visit(r, "run*.go")
	}
}

var (
	textLine = regexp.MustCompile(`^TEXT (\S+)\(SB\) (\S+)`)
	callLine = regexp.MustCompile(`\s(CALL|JMP|BL|B|CALL)\s+(\S+)\(SB\)`)
	indLine  = regexp.MustCompile(`\s(CALL|BL)\s+(\(?[A-Z][A-Z0-9]*\)?|\S*\([A-Z][A-Z0-9]*\))\s*$`)
)

func parseObjdump(out []byte) map[string]*textSym {
	syms := map[string]*textSym{}
	var cur *textSym
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if m := textLine.FindStringSubmatch(line); m != nil {
			cur = &textSym{file: m[2], callees: map[string]bool{}}
			syms[strings.TrimSuffix(m[1], ".abi0")] = cur
			continue
		}
		if cur == nil {
			continue
		}
		if m := callLine.FindStringSubmatch(line); m != nil {
			cur.callees[strings.TrimSuffix(m[2], ".abi0")] = true
		} else if m := indLine.FindStringSubmatch(line); m != nil {
			cur.indirect = append(cur.indirect, strings.TrimSpace(line))
		}
	}
	return syms
}
