package snapdbuild

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// seriesName is how a patch of the series is named: its number orders the series.
var seriesName = regexp.MustCompile(`^(\d{4})-[A-Za-z0-9][A-Za-z0-9._-]*\.patch$`)

// Series lists the patches of a series directory in the order they apply. A *.patch
// file not named NNNN-name.patch, or two patches with one number, is an error rather
// than a patch silently left out or applied in a surprising order.
func Series(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("cannot read patch series %s: %w", dir, err)
	}
	var names []string
	numbers := map[string]string{}
	for _, entry := range entries {
		name := entry.Name()
		if entry.IsDir() || !strings.HasSuffix(name, ".patch") {
			continue
		}
		m := seriesName.FindStringSubmatch(name)
		if m == nil {
			return nil, fmt.Errorf("cannot order patch %s: want a name like 0001-what.patch",
				filepath.Join(dir, name))
		}
		if other, dup := numbers[m[1]]; dup {
			return nil, fmt.Errorf("cannot order patches %s and %s in %s: same number",
				other, name, dir)
		}
		numbers[m[1]] = name
		names = append(names, name)
	}
	sort.Strings(names)

	paths := make([]string, len(names))
	for i, name := range names {
		paths[i] = filepath.Join(dir, name)
	}
	return paths, nil
}

// patch is one patch to apply, read once so that the cache key and the build see the
// same bytes.
type patch struct {
	Name string
	Data []byte
}

func readPatches(paths []string) ([]patch, error) {
	patches := make([]patch, 0, len(paths))
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("cannot read patch %s: %w", path, err)
		}
		p := patch{Name: filepath.Base(path), Data: data}
		if _, err := p.versions(); err != nil {
			return nil, fmt.Errorf("cannot read patch %s: %w", path, err)
		}
		patches = append(patches, p)
	}
	return patches, nil
}

// versionsField limits a patch to some snapd source versions, as globs on the Debian
// version: a fix that upstream snapd already carries from some release on, or a
// mutant whose code moved, is written once per line of snapd it applies to.
const versionsField = "Snapd-Versions:"

// versions returns the globs of the patch's Snapd-Versions header, nil when it has
// none (it applies to every version). The header ends at the first line of the diff.
func (p patch) versions() ([]string, error) {
	for _, line := range strings.Split(string(p.Data), "\n") {
		if strings.HasPrefix(line, "---") || strings.HasPrefix(line, "diff ") {
			return nil, nil
		}
		rest, ok := strings.CutPrefix(line, versionsField)
		if !ok {
			continue
		}
		globs := strings.Fields(strings.ReplaceAll(rest, ",", " "))
		for _, glob := range globs {
			if _, err := path.Match(glob, ""); err != nil {
				return nil, fmt.Errorf("bad %s glob %q", versionsField, glob)
			}
		}
		if len(globs) == 0 {
			return nil, fmt.Errorf("empty %s header", versionsField)
		}
		return globs, nil
	}
	return nil, nil
}

// PatchVersions returns the globs of a patch's Snapd-Versions header, nil when it has
// none (it is for every version), so that other readers of patches parse it the same.
func PatchVersions(data []byte) ([]string, error) {
	return patch{Data: data}.versions()
}

// appliesTo says whether the patch is meant for this snapd source version.
func (p patch) appliesTo(version string) bool {
	globs, _ := p.versions()
	if globs == nil {
		return true
	}
	for _, glob := range globs {
		if ok, _ := path.Match(glob, version); ok {
			return true
		}
	}
	return false
}

// forVersion keeps the patches meant for the version, in order.
func forVersion(patches []patch, version string) []patch {
	var kept []patch
	for _, p := range patches {
		if p.appliesTo(version) {
			kept = append(kept, p)
		}
	}
	return kept
}

func patchNames(patches []patch) []string {
	names := make([]string, len(patches))
	for i, p := range patches {
		names[i] = p.Name
	}
	return names
}

// PatchesFor returns the patch files meant for a snapd source version, in order.
func PatchesFor(paths []string, version string) ([]string, error) {
	patches, err := readPatches(paths)
	if err != nil {
		return nil, err
	}
	var kept []string
	for i, p := range patches {
		if p.appliesTo(version) {
			kept = append(kept, paths[i])
		}
	}
	return kept, nil
}
