package runner

import (
	"fmt"

	"gopkg.in/yaml.v3"
)

// keyShape describes which keys a YAML mapping may hold, so that a typo in spread.yaml
// or task.yaml is reported instead of silently changing what runs.
type keyShape struct {
	// known maps each understood key to the shape of its value (nil: not checked).
	known map[string]*keyShape
	// spreadOnly lists keys spread knows that this runner ignores.
	spreadOnly map[string]bool
	// each is the shape of every value of a mapping with free-form keys.
	each *keyShape
	// items is the shape of every item of a sequence.
	items *keyShape
}

func (s *keyShape) check(file string, node *yaml.Node, warnings []string) []string {
	if s == nil || node == nil {
		return warnings
	}
	switch {
	case node.Kind == yaml.SequenceNode && s.items != nil:
		for _, item := range node.Content {
			warnings = s.items.check(file, item, warnings)
		}
	case node.Kind == yaml.MappingNode && s.each != nil:
		for i := 1; i < len(node.Content); i += 2 {
			warnings = s.each.check(file, node.Content[i], warnings)
		}
	case node.Kind == yaml.MappingNode && s.known != nil:
		warnings = s.checkKeys(file, node, warnings)
	}
	return warnings
}

func (s *keyShape) checkKeys(file string, node *yaml.Node, warnings []string) []string {
	for i := 0; i+1 < len(node.Content); i += 2 {
		key, value := node.Content[i], node.Content[i+1]
		shape, known := s.known[key.Value]
		switch {
		case known:
			warnings = shape.check(file, value, warnings)
		case s.spreadOnly[key.Value]:
			warnings = append(warnings, fmt.Sprintf(
				"%s:%d: key %q is not supported by this runner and is ignored",
				file, key.Line, key.Value))
		default:
			warnings = append(warnings, fmt.Sprintf(
				"%s:%d: unknown key %q is ignored", file, key.Line, key.Value))
		}
	}
	return warnings
}

func keys(shapes map[string]*keyShape, names ...string) map[string]*keyShape {
	for _, name := range names {
		shapes[name] = nil
	}
	return shapes
}

func set(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, name := range names {
		m[name] = true
	}
	return m
}

var scriptKeys = []string{
	"prepare", "restore", "debug", "prepare-each", "restore-each", "debug-each",
}

var levelKeys = []string{"environment", "variants", "priority", "manual"}

var systemShape = &keyShape{
	known:      keys(map[string]*keyShape{}, append(levelKeys, "username", "password", "workers")...),
	spreadOnly: set("image", "kernel", "preserve", "storage", "secure-boot", "plan"),
}

var backendShape = &keyShape{
	known: keys(map[string]*keyShape{
		"systems": {items: &keyShape{each: systemShape}},
	}, append(append(levelKeys, scriptKeys...),
		"type", "allocate", "discard", "warn-timeout", "kill-timeout")...),
	spreadOnly: set("key", "memory", "plan", "location", "storage", "halt-timeout"),
}

var suiteShape = &keyShape{
	known: keys(map[string]*keyShape{}, append(append(levelKeys, scriptKeys...),
		"summary", "systems", "backends", "warn-timeout", "kill-timeout")...),
}

var projectShape = &keyShape{
	known: keys(map[string]*keyShape{
		"backends": {each: backendShape},
		"suites":   {each: suiteShape},
	}, append(scriptKeys,
		"project", "path", "exclude", "environment", "warn-timeout", "kill-timeout")...),
	spreadOnly: set("repack", "include", "rename", "reroute"),
}

var taskShape = &keyShape{
	known: keys(map[string]*keyShape{}, append(levelKeys,
		"summary", "details", "systems", "backends", "prepare", "restore", "execute",
		"debug", "warn-timeout", "kill-timeout")...),
	spreadOnly: set("samples", "residue", "artifacts"),
}
