// Package treehash digests directory trees for cache keys: the snap sources, a local
// snapd tree. Two trees hash alike exactly when they hold the same paths with the same
// types, permission bits, contents and symlink targets; owners and times are left out,
// since the builds that use these keys override them.
package treehash

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Hash digests the tree under root. skip, when set, names directories (by path
// relative to root) to leave out whole, such as .git.
func Hash(root string, skip func(rel string, entry fs.DirEntry) bool) (string, error) {
	digest := sha256.New()
	err := filepath.WalkDir(root, func(path string, entry fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		if entry.IsDir() && skip != nil && skip(rel, entry) {
			return filepath.SkipDir
		}
		return hashEntry(digest, path, rel, entry)
	})
	if err != nil {
		return "", fmt.Errorf("cannot hash %s: %w", root, err)
	}
	return hex.EncodeToString(digest.Sum(nil)), nil
}

// File digests one file's contents.
func File(path string) (string, error) {
	digest := sha256.New()
	if err := hashFile(digest, path); err != nil {
		return "", fmt.Errorf("cannot hash %s: %w", path, err)
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
	info, err := file.Stat()
	if err != nil {
		return err
	}
	// The length prefix keeps file contents from reading as the next entry's header.
	fmt.Fprintf(digest, "%d\x00", info.Size())
	_, err = io.Copy(digest, file)
	return err
}
