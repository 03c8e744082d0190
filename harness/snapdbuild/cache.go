package snapdbuild

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"shm-e2e/harness/fileutil"
)

// RecipeVersion changes whenever the build steps change in a way the key would not
// otherwise see (build options, which packages are kept, the changelog entry).
const RecipeVersion = "3"

// suffixBase marks every package this harness built: `snap version` in a VM then says
// it runs a patched snapd, not the distribution's.
const suffixBase = "+shme2e1"

var notVersionChars = regexp.MustCompile(`[^a-z0-9.]+`)

// VersionSuffix is what a flavour appends to the Debian version: "+shme2e1" for the
// patched flavour, "+shme2e1.NAME" for any other (a mutant), in the characters a
// Debian version allows.
func VersionSuffix(flavor string) string {
	if flavor == "" || flavor == "patched" {
		return suffixBase
	}
	name := strings.Trim(notVersionChars.ReplaceAllString(strings.ToLower(flavor), "."), ".")
	return suffixBase + "." + name
}

// keyInputs is everything that decides the packages' bytes.
type keyInputs struct {
	System   string
	SourceID string // "debian VERSION" or "tree SHA256"
	Flavor   string
	Patches  []patch
	Extra    []patch
}

// key hashes the inputs: another source version, flavour, patch or patch order makes
// another cache entry.
func (in keyInputs) key() string {
	h := sha256.New()
	fmt.Fprintf(h, "recipe %s\nsystem %s\nsource %s\nsuffix %s\n",
		RecipeVersion, in.System, in.SourceID, VersionSuffix(in.Flavor))
	for _, group := range [][]patch{in.Patches, in.Extra} {
		fmt.Fprintf(h, "patches %d\n", len(group))
		for _, p := range group {
			fmt.Fprintf(h, "patch %s %d\n", p.Name, len(p.Data))
			h.Write(p.Data)
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// Result is one complete cache entry: the packages of one build.
type Result struct {
	System        string        `json:"system"`
	Flavor        string        `json:"flavor"`
	Key           string        `json:"key"`
	SourceVersion string        `json:"source-version"`
	Version       string        `json:"version"` // with the flavour's suffix
	Recipe        string        `json:"recipe"`  // how it was built, see sourceKind
	Patches       []string      `json:"patches"`
	ExtraPatches  []string      `json:"extra-patches,omitempty"`
	Debs          []string      `json:"debs"` // file names in Dir
	Built         time.Time     `json:"built"`
	Took          time.Duration `json:"took"`
	Incremental   bool          `json:"incremental"`
	Dir           string        `json:"-"`
	Tree          string        `json:"-"` // host path of the kept build tree
	Cached        bool          `json:"-"` // true when no build ran
}

// DebPaths returns the full paths of the entry's packages.
func (r *Result) DebPaths() []string {
	paths := make([]string, len(r.Debs))
	for i, deb := range r.Debs {
		paths[i] = filepath.Join(r.Dir, deb)
	}
	return paths
}

// manifestName is written last: an entry without it is not complete.
const manifestName = "manifest.json"

// findEntry returns the complete entry in dir, or nil when there is none.
func findEntry(dir string) (*Result, error) {
	data, err := os.ReadFile(filepath.Join(dir, manifestName))
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read snapd build manifest: %w", err)
	}
	var res Result
	if err := json.Unmarshal(data, &res); err != nil {
		return nil, fmt.Errorf("cannot parse %s: %w", filepath.Join(dir, manifestName), err)
	}
	res.Dir = dir
	return &res, nil
}

// commitEntry moves the packages into the entry and writes the manifest last, through
// a temporary directory renamed into place, so that an interrupted build leaves
// nothing that looks complete.
func commitEntry(dir string, res *Result, debs []string) error {
	tmp := dir + ".partial"
	os.RemoveAll(tmp)
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return fmt.Errorf("cannot create %s: %w", tmp, err)
	}
	for _, deb := range debs {
		if err := fileutil.Copy(deb, filepath.Join(tmp, filepath.Base(deb))); err != nil {
			return err
		}
		res.Debs = append(res.Debs, filepath.Base(deb))
	}
	data, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(tmp, manifestName), data, 0o644); err != nil {
		return fmt.Errorf("cannot write manifest in %s: %w", tmp, err)
	}
	os.RemoveAll(dir)
	if err := os.Rename(tmp, dir); err != nil {
		return fmt.Errorf("cannot move %s into place: %w", tmp, err)
	}
	res.Dir = dir
	return nil
}
