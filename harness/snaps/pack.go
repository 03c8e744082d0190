// Package snaps builds the .snap files the suite installs: the test snaps under
// test-snaps/ with the probe inside them, and (through Pack) any other tree such as
// the base snap the image code assembles.
package snaps

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// packFlags are those of snap pack, plus fixed ownership and timestamps so that the
// same tree always gives the same bytes (mksquashfs 4.5 on Debian 12 has -all-time and
// -mkfs-time; it packs reproducibly by default).
var packFlags = []string{
	"-noappend", "-comp", "xz", "-all-root", "-no-xattrs", "-no-fragments",
	"-mkfs-time", "0", "-all-time", "0", "-quiet",
}

// Pack squashes the directory tree srcDir into outFile. It writes to a temporary file
// beside outFile and renames it into place only on success, so a half-written snap is
// never left where an install step could pick it up.
func Pack(srcDir, outFile string) error {
	if err := checkIsDir(srcDir); err != nil {
		return fmt.Errorf("cannot pack %s: %w", srcDir, err)
	}
	mksquashfs, err := exec.LookPath("mksquashfs")
	if err != nil {
		return fmt.Errorf("cannot pack %s: mksquashfs not found "+
			"(apt-get install squashfs-tools)", srcDir)
	}

	tmp, err := reserveTempBeside(outFile)
	if err != nil {
		return fmt.Errorf("cannot pack %s: %w", srcDir, err)
	}
	if err := squash(mksquashfs, srcDir, tmp); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("cannot pack %s into %s: %w", srcDir, outFile, err)
	}

	if err := publish(tmp, outFile); err != nil {
		return fmt.Errorf("cannot pack %s: %w", srcDir, err)
	}
	return nil
}

func checkIsDir(path string) error {
	info, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !info.IsDir() {
		return fmt.Errorf("%s is not a directory", path)
	}
	return nil
}

// reserveTempBeside creates an empty file in outFile's directory, so that the final
// rename stays on one file system and is atomic.
func reserveTempBeside(outFile string) (string, error) {
	dir := filepath.Dir(outFile)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(outFile)+".tmp-*")
	if err != nil {
		return "", err
	}
	return tmp.Name(), tmp.Close()
}

func squash(mksquashfs, srcDir, outFile string) error {
	args := append([]string{srcDir, outFile}, packFlags...)
	cmd := exec.Command(mksquashfs, args...)
	// mksquashfs refuses SOURCE_DATE_EPOCH together with -all-time and -mkfs-time.
	cmd.Env = withoutEnv(os.Environ(), "SOURCE_DATE_EPOCH")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("mksquashfs: %v\n%s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

func withoutEnv(env []string, name string) []string {
	kept := make([]string, 0, len(env))
	for _, entry := range env {
		if !strings.HasPrefix(entry, name+"=") {
			kept = append(kept, entry)
		}
	}
	return kept
}

// publish makes tmp readable like a normal build output and moves it to outFile.
func publish(tmp, outFile string) error {
	if err := os.Chmod(tmp, 0o644); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, outFile); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}
