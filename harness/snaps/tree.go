package snaps

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// hashTree digests what mksquashfs would store from root: every path, its type and
// permission bits, file contents and symlink targets. Owners and times are left out
// because Pack overrides them.
func hashTree(root string) (string, error) {
	digest := sha256.New()
	err := filepath.WalkDir(root, func(path string, entry fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		return hashEntry(digest, path, rel, entry)
	})
	if err != nil {
		return "", fmt.Errorf("cannot hash %s: %w", root, err)
	}
	return hex.EncodeToString(digest.Sum(nil)), nil
}

func hashEntry(digest io.Writer, path, rel string, entry fs.DirEntry) error {
	info, err := entry.Info()
	if err != nil {
		return err
	}
	// A NUL cannot occur in a path, so it keeps one entry's fields from running into
	// the next one's.
	fmt.Fprintf(digest, "%q %v\x00", rel, info.Mode())
	switch {
	case info.Mode().IsRegular():
		return hashFile(digest, path)
	case info.Mode()&fs.ModeSymlink != 0:
		target, err := os.Readlink(path)
		fmt.Fprintf(digest, "%q\x00", target)
		return err
	}
	return nil
}

func hashFile(digest io.Writer, path string) error {
	file, err := os.Open(path)
	if err != nil {
		return err
	}
	defer file.Close()
	// The length prefix keeps file contents from reading as the next entry's header.
	fmt.Fprintf(digest, "%d\x00", fileSize(file))
	_, err = io.Copy(digest, file)
	return err
}

func fileSize(file *os.File) int64 {
	info, err := file.Stat()
	if err != nil {
		return -1
	}
	return info.Size()
}

func hashFileContent(path string) (string, error) {
	digest := sha256.New()
	if err := hashFile(digest, path); err != nil {
		return "", fmt.Errorf("cannot hash %s: %w", path, err)
	}
	return hex.EncodeToString(digest.Sum(nil)), nil
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
