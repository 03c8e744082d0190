package snapdbuild

import (
	"fmt"
	"os"
	"path/filepath"

	"shm-e2e/harness/fileutil"
)

// CopyDebs replaces the packages in dest (what spread uploads for a flavour) with the
// entry's, so that no package of an earlier build is installed beside them.
func CopyDebs(res *Result, dest string) error {
	if err := os.MkdirAll(dest, 0o755); err != nil {
		return fmt.Errorf("cannot create %s: %w", dest, err)
	}
	old, _ := filepath.Glob(filepath.Join(dest, "*.deb"))
	for _, deb := range old {
		if err := os.Remove(deb); err != nil {
			return fmt.Errorf("cannot remove old package %s: %w", deb, err)
		}
	}
	for _, deb := range res.DebPaths() {
		if err := fileutil.Copy(deb, filepath.Join(dest, filepath.Base(deb))); err != nil {
			return err
		}
	}
	return nil
}
