package snaps

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// snapYAMLPath is where every snap keeps its metadata.
func snapYAMLPath(snapDir string) string {
	return filepath.Join(snapDir, "meta", "snap.yaml")
}

// validateSnapDir checks a snap's sources before anything is built.
func validateSnapDir(snapDir string) error {
	if err := validateSnapYAML(snapDir); err != nil {
		return err
	}
	// bin/probe is where the built probe goes, so a file there would be lost silently.
	probe := filepath.Join(snapDir, "bin", "probe")
	if _, err := os.Lstat(probe); err == nil {
		return fmt.Errorf("%s: exists in the sources; the built probe goes there",
			displayPath(probe))
	}
	return nil
}

// validateSnapYAML checks what the build relies on before any slow step: the file
// parses and names the snap after its directory with a version. Whether snapd accepts
// the interfaces is what the suite tests, so that is left to snapd.
func validateSnapYAML(snapDir string) error {
	path := snapYAMLPath(snapDir)
	shown := displayPath(path)
	content, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%s: missing (every snap needs meta/snap.yaml)", shown)
	}
	if err != nil {
		return err
	}

	var doc yaml.Node
	if err := yaml.Unmarshal(content, &doc); err != nil {
		return fmt.Errorf("%s%s", shown, describeYAMLError(err))
	}
	return checkTopLevel(shown, &doc, filepath.Base(snapDir))
}

var yamlLineError = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// describeYAMLError puts yaml.v3's line number where compilers put theirs, so that
// editors can jump to it.
func describeYAMLError(err error) string {
	if match := yamlLineError.FindStringSubmatch(err.Error()); match != nil {
		return ":" + match[1] + ": " + match[2]
	}
	return ": " + err.Error()
}

func checkTopLevel(shown string, doc *yaml.Node, dirName string) error {
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return fmt.Errorf("%s:1: top level is not a mapping", shown)
	}
	top := doc.Content[0]
	name, err := requiredScalar(shown, top, "name")
	if err != nil {
		return err
	}
	if name.Value != dirName {
		return fmt.Errorf("%s:%d: name %q does not match directory %q",
			shown, name.Line, name.Value, dirName)
	}
	_, err = requiredScalar(shown, top, "version")
	return err
}

func requiredScalar(shown string, mapping *yaml.Node, key string) (*yaml.Node, error) {
	for i := 0; i+1 < len(mapping.Content); i += 2 {
		if mapping.Content[i].Value != key {
			continue
		}
		value := mapping.Content[i+1]
		if value.Kind != yaml.ScalarNode || value.Value == "" {
			return nil, fmt.Errorf("%s:%d: %s must be a non-empty string", shown, value.Line, key)
		}
		return value, nil
	}
	return nil, fmt.Errorf("%s:%d: missing %s", shown, mapping.Line, key)
}

// displayPath shortens path to one relative to the working directory when it is
// below it, which is how a developer running the harness from the repo refers to it.
func displayPath(path string) string {
	wd, err := os.Getwd()
	if err != nil {
		return path
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return path
	}
	rel, err := filepath.Rel(wd, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
		return path
	}
	return rel
}
