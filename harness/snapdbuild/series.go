package snapdbuild

import (
	"fmt"
	"os"
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
		patches = append(patches, patch{Name: filepath.Base(path), Data: data})
	}
	return patches, nil
}

func patchNames(patches []patch) []string {
	names := make([]string, len(patches))
	for i, p := range patches {
		names[i] = p.Name
	}
	return names
}
