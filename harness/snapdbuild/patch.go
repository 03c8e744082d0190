package snapdbuild

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"shm-e2e/harness/fileutil"
)

// applyAll applies the series then the extra patches, each tried first with
// --dry-run so that a patch that does not apply leaves the tree as it was, and names
// itself and its failing hunks.
func (b *builder) applyAll(tree string) error {
	st := b.readState()
	applied := filepath.Join(b.workDir(), "applied")
	if err := os.MkdirAll(b.root.hostPath(applied), 0o755); err != nil {
		return fmt.Errorf("cannot create %s: %w", b.root.hostPath(applied), err)
	}
	all := append(append([]patch{}, b.patches...), b.extra...)
	for i, p := range all {
		copyPath := filepath.Join(applied, fmt.Sprintf("%02d-%s", i, p.Name))
		if err := os.WriteFile(b.root.hostPath(copyPath), p.Data, 0o644); err != nil {
			return fmt.Errorf("cannot keep a copy of %s: %w", p.Name, err)
		}
		if err := applyPatch(b.root.hostPath(tree), b.root.hostPath(copyPath), p.Name); err != nil {
			return err
		}
		st.Applied = append(st.Applied, copyPath)
		if err := b.writeState(st); err != nil {
			return err
		}
	}
	return nil
}

func applyPatch(tree, file, name string) error {
	check := []string{"-d", tree, "-p1", "--fuzz=0", "--forward", "--batch",
		"--dry-run", "-i", file}
	if out, err := exec.Command("patch", check...).CombinedOutput(); err != nil {
		return fmt.Errorf("cannot apply patch %s: %v\n%s", name, err,
			strings.TrimSpace(string(out)))
	}
	apply := []string{"-d", tree, "-p1", "--fuzz=0", "--forward", "--batch",
		"--no-backup-if-mismatch", "-i", file}
	if out, err := exec.Command("patch", apply...).CombinedOutput(); err != nil {
		return fmt.Errorf("cannot apply patch %s after a clean dry run: %v\n%s", name, err,
			strings.TrimSpace(string(out)))
	}
	return nil
}

// undoPatches reverts the kept tree to its pristine source, last patch first; any
// failure makes the caller unpack afresh instead.
func (b *builder) undoPatches(st treeState) error {
	tree := b.root.hostPath(st.Tree)
	for i := len(st.Applied) - 1; i >= 0; i-- {
		args := []string{"-d", tree, "-p1", "-R", "--batch", "--no-backup-if-mismatch",
			"-i", b.root.hostPath(st.Applied[i])}
		if out, err := exec.Command("patch", args...).CombinedOutput(); err != nil {
			fmt.Fprintf(b.log.Writer(), "cannot undo %s: %v\n%s\n", st.Applied[i], err, out)
			return err
		}
	}
	changelog := filepath.Join(tree, "debian", "changelog")
	if !isFile(changelog + pristineSuffix) {
		return nil // a repacked build edits no changelog
	}
	return fileutil.Copy(changelog+pristineSuffix, changelog)
}

// addChangelogEntry gives the packages the flavour's version, so that `snap version`
// in a VM says which snapd it runs, and lists the patches behind it.
func (b *builder) addChangelogEntry(tree, version string) error {
	path := b.root.hostPath(filepath.Join(tree, "debian", "changelog"))
	_, dist, err := readChangelogHead(path)
	if err != nil {
		return err
	}
	old, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("cannot read %s: %w", path, err)
	}
	entry := changelogEntry(version, dist, b.opts.Flavor,
		append(patchNames(b.patches), patchNames(b.extra)...), time.Now())
	if err := os.WriteFile(path, append([]byte(entry), old...), 0o644); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	return nil
}

func changelogEntry(version, dist, flavor string, patches []string, when time.Time) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "snapd (%s) %s; urgency=medium\n\n", version, dist)
	fmt.Fprintf(&sb, "  * shm-e2e %s build.\n", flavor)
	for _, name := range patches {
		fmt.Fprintf(&sb, "  * %s\n", name)
	}
	fmt.Fprintf(&sb, "\n -- shm-e2e <shm-e2e@localhost>  %s\n\n",
		when.Format("Mon, 02 Jan 2006 15:04:05 -0700"))
	return sb.String()
}
