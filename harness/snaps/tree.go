package snaps

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"shm-e2e/harness/treehash"
)

// hashTree digests what mksquashfs would store from root; Pack overrides owners and
// times, which the digest leaves out.
func hashTree(root string) (string, error) {
	return treehash.Hash(root, nil)
}

func hashFileContent(path string) (string, error) {
	return treehash.File(path)
}

// copyTree copies regular files, directories and symlinks from src into dst, keeping
// permission bits; a snap source has nothing else.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, entry fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		return copyEntry(path, filepath.Join(dst, rel), entry)
	})
}

func copyEntry(src, dst string, entry fs.DirEntry) error {
	info, err := entry.Info()
	if err != nil {
		return err
	}
	switch {
	case info.IsDir():
		if err := os.MkdirAll(dst, 0o755); err != nil {
			return err
		}
		return os.Chmod(dst, info.Mode().Perm())
	case info.Mode()&fs.ModeSymlink != 0:
		target, err := os.Readlink(src)
		if err != nil {
			return err
		}
		return os.Symlink(target, dst)
	case info.Mode().IsRegular():
		return copyFile(src, dst, info.Mode().Perm())
	}
	return fmt.Errorf("cannot copy %s: unsupported file type %v", src, info.Mode().Type())
}

func copyFile(src, dst string, perm fs.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	// The umask must not decide the modes that end up in the snap.
	return os.Chmod(dst, perm)
}
