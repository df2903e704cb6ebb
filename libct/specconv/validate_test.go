// The specs built here must pass validate, which itself imports specconv:
// hence an external test package.
package specconv_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/rt-runtime/rt/libct/specconv"
	"github.com/rt-runtime/rt/libct/validate"
)

func bundle(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "rootfs"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestExampleIsValid(t *testing.T) {
	if err := validate.Spec(specconv.Example(), bundle(t)); err != nil {
		t.Fatal(err)
	}
}

func TestExampleJSONRoundTrip(t *testing.T) {
	b, err := json.Marshal(specconv.Example())
	if err != nil {
		t.Fatal(err)
	}
	var s specs.Spec
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	if err := validate.Spec(&s, bundle(t)); err != nil {
		t.Fatal(err)
	}
}

func TestToRootlessValidates(t *testing.T) {
	s := specconv.Example()
	s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace, Path: "/proc/1/ns/user"})
	specconv.ToRootless(s)
	if err := validate.Spec(s, bundle(t)); err != nil {
		t.Errorf("rootless spec does not validate: %v", err)
	}
}
