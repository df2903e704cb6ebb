package container

import (
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// sealedExeCopy is selfExe's fallback where open_tree is refused (a
// rootless caller has no CAP_SYS_ADMIN over its mount namespace): a copy
// of rt's binary in a memfd sealed against every write, as runc does in
// that case, so a container that reopens /proc/self/exe still cannot
// reach rt's binary.
func sealedExeCopy() (*os.File, error) {
	const mfdExec = 0x10 // MFD_EXEC: kernels with vm.memfd_noexec want it said
	flags := unix.MFD_CLOEXEC | unix.MFD_ALLOW_SEALING
	fd, err := unix.MemfdCreate("rt-exe", flags|mfdExec)
	if errors.Is(err, unix.EINVAL) {
		fd, err = unix.MemfdCreate("rt-exe", flags)
	}
	if err != nil {
		return nil, fmt.Errorf("memfd for rt's binary: %w", err)
	}
	f := os.NewFile(uintptr(fd), "rt-exe")
	src, err := os.Open("/proc/self/exe")
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("copy rt's binary: %w", err)
	}
	defer src.Close()
	if _, err := io.Copy(f, src); err != nil {
		f.Close()
		return nil, fmt.Errorf("copy rt's binary: %w", err)
	}
	seals := unix.F_SEAL_SEAL | unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE
	if _, err := unix.FcntlInt(f.Fd(), unix.F_ADD_SEALS, seals); err != nil {
		f.Close()
		return nil, fmt.Errorf("seal the copy of rt's binary: %w", err)
	}
	return f, nil
}
