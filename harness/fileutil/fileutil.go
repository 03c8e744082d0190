// Package fileutil copies files for the packages that stage images and packages.
package fileutil

import (
	"fmt"
	"io"
	"os"
)

// Copy copies src to dst, replacing dst, with src's permission bits.
func Copy(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("cannot copy %s: %w", src, err)
	}
	defer in.Close()
	info, err := in.Stat()
	if err != nil {
		return fmt.Errorf("cannot copy %s: %w", src, err)
	}

	out, err := os.OpenFile(dst, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, info.Mode().Perm())
	if err != nil {
		return fmt.Errorf("cannot copy %s to %s: %w", src, dst, err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("cannot copy %s to %s: %w", src, dst, err)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("cannot copy %s to %s: %w", src, dst, err)
	}
	// Neither the umask nor an older dst decides the mode.
	return os.Chmod(dst, info.Mode().Perm())
}
