// Package report turns runner results into the suite's verdict: a table of behaviour
// (task) by system and snapd flavour, the reason for each failure, and, for release
// gating, what differs from the known gaps of each snapd version.
package report

import (
	"fmt"
	"os"
	"path"

	"gopkg.in/yaml.v3"
)

// Gap is a failure known to happen on a snapd version, with the reason. A gap is still
// reported as a failure; it only changes what the gate calls unexpected.
type Gap struct {
	Task   string `yaml:"task"`   // task name, with :variant to name one variant
	System string `yaml:"system"` // system name; a glob
	Snapd  string `yaml:"snapd"`  // snapd version the VM reports; a glob
	Reason string `yaml:"reason"`
	Line   int    `yaml:"-"`
}

// LoadGaps reads the known gaps file; every entry must say what, where and why.
func LoadGaps(file string) ([]Gap, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("cannot read known gaps: %w", err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("cannot parse %s: %w", file, err)
	}
	var gaps []Gap
	if len(doc.Content) == 0 {
		return nil, nil
	}
	if err := doc.Content[0].Decode(&gaps); err != nil {
		return nil, fmt.Errorf("cannot parse %s: %w", file, err)
	}
	for i, item := range doc.Content[0].Content {
		gaps[i].Line = item.Line
		if err := gaps[i].validate(); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", file, item.Line, err)
		}
	}
	return gaps, nil
}

func (g Gap) validate() error {
	for field, value := range map[string]string{"task": g.Task, "system": g.System,
		"snapd": g.Snapd, "reason": g.Reason} {
		if value == "" {
			return fmt.Errorf("known gap has no %s", field)
		}
	}
	for _, pattern := range []string{g.System, g.Snapd} {
		if _, err := path.Match(pattern, ""); err != nil {
			return fmt.Errorf("bad pattern %q: %w", pattern, err)
		}
	}
	return nil
}

// matches reports whether the gap covers a task (name[:variant]) on a system running
// a snapd version. A gap on a task without a variant covers all its variants.
func (g Gap) matches(task, variant, system, snapd string) bool {
	name := task
	if variant != "" {
		name += ":" + variant
	}
	if g.Task != name && g.Task != task {
		return false
	}
	systemOK, _ := path.Match(g.System, system)
	snapdOK, _ := path.Match(g.Snapd, snapd)
	return systemOK && snapdOK
}
