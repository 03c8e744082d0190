// Package cacheentry is how every harness cache (images, container images, snapd
// builds) keeps an entry: built in a directory of its own, a JSON manifest written
// last, then renamed into place. An entry therefore appears complete or not at all,
// whatever interrupted the build.
package cacheentry

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// ManifestName is the file written last: a directory without it is not an entry.
const ManifestName = "manifest.json"

// Read loads the manifest of the entry in dir into v; found is false when there is no
// complete entry.
func Read(dir string, v any) (found bool, err error) {
	file := filepath.Join(dir, ManifestName)
	data, err := os.ReadFile(file)
	if os.IsNotExist(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("cannot read cache manifest: %w", err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return false, fmt.Errorf("cannot parse %s: %w", file, err)
	}
	return true, nil
}

// Commit writes v as the manifest of the finished build directory and renames the
// directory to final, replacing an older entry there.
func Commit(buildDir, final string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(buildDir, ManifestName), data, 0o644); err != nil {
		return fmt.Errorf("cannot write cache manifest: %w", err)
	}
	os.RemoveAll(final)
	if err := os.Rename(buildDir, final); err != nil {
		return fmt.Errorf("cannot move %s into the cache at %s: %w", buildDir, final, err)
	}
	return nil
}
