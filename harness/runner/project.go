package runner

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Project is a loaded spread.yaml with its suites and tasks.
type Project struct {
	Name        string              `yaml:"project"`
	RemotePath  string              `yaml:"path"`
	Exclude     []string            `yaml:"exclude"`
	Backends    map[string]*Backend `yaml:"backends"`
	Suites      map[string]*Suite   `yaml:"suites"`
	Environment *Env                `yaml:"environment"`
	WarnTimeout Timeout             `yaml:"warn-timeout"`
	KillTimeout Timeout             `yaml:"kill-timeout"`
	Scripts     `yaml:",inline"`

	// Path is the local directory holding spread.yaml.
	Path string `yaml:"-"`
	// HostEnv is added to the environment of $(HOST:...) commands, so that runs in one
	// process can differ in what those commands see (Options.HostEnv).
	HostEnv []string `yaml:"-"`
	// Warnings name every key the runner does not understand, with file and line.
	Warnings []string `yaml:"-"`
}

// Scripts are the prepare, restore and debug scripts a level may define.
type Scripts struct {
	Prepare     string `yaml:"prepare"`
	Restore     string `yaml:"restore"`
	Debug       string `yaml:"debug"`
	PrepareEach string `yaml:"prepare-each"`
	RestoreEach string `yaml:"restore-each"`
	DebugEach   string `yaml:"debug-each"`
}

// Level holds the settings that backends, systems, suites and tasks share.
type Level struct {
	Environment *Env     `yaml:"environment"`
	Variants    []string `yaml:"variants"`
	Priority    *int64   `yaml:"priority"`
	Manual      bool     `yaml:"manual"`
}

// Backend is one entry of the project's backends map.
type Backend struct {
	Name        string    `yaml:"-"`
	Type        string    `yaml:"type"`
	Allocate    string    `yaml:"allocate"`
	Discard     string    `yaml:"discard"`
	Systems     []*System `yaml:"systems"`
	WarnTimeout Timeout   `yaml:"warn-timeout"`
	KillTimeout Timeout   `yaml:"kill-timeout"`
	Scripts     `yaml:",inline"`
	Level       `yaml:",inline"`
}

// System is one machine kind a backend provides.
type System struct {
	Name     string `yaml:"-"`
	Backend  string `yaml:"-"`
	Username string `yaml:"username"`
	Password string `yaml:"password"`
	Workers  int    `yaml:"workers"`
	Level    `yaml:",inline"`
}

// Suite is a directory of tasks with its own scripts and settings.
type Suite struct {
	Name        string           `yaml:"-"`
	Summary     string           `yaml:"summary"`
	Systems     []string         `yaml:"systems"`
	Backends    []string         `yaml:"backends"`
	WarnTimeout Timeout          `yaml:"warn-timeout"`
	KillTimeout Timeout          `yaml:"kill-timeout"`
	Tasks       map[string]*Task `yaml:"-"`
	Scripts     `yaml:",inline"`
	Level       `yaml:",inline"`
}

// Task is one task.yaml.
type Task struct {
	Name        string   `yaml:"-"`
	Suite       string   `yaml:"-"`
	File        string   `yaml:"-"`
	Summary     string   `yaml:"summary"`
	Details     string   `yaml:"details"`
	Systems     []string `yaml:"systems"`
	Backends    []string `yaml:"backends"`
	Prepare     string   `yaml:"prepare"`
	Restore     string   `yaml:"restore"`
	Execute     string   `yaml:"execute"`
	Debug       string   `yaml:"debug"`
	WarnTimeout Timeout  `yaml:"warn-timeout"`
	KillTimeout Timeout  `yaml:"kill-timeout"`
	Level       `yaml:",inline"`
}

// Timeout is a duration written as 10s, 15m or 1.5h.
type Timeout struct{ time.Duration }

// UnmarshalYAML keeps the line of a bad duration, which yaml.v3 does not add to errors
// returned by custom unmarshalers.
func (t *Timeout) UnmarshalYAML(node *yaml.Node) error {
	d, err := time.ParseDuration(strings.TrimSpace(node.Value))
	if err != nil {
		return fmt.Errorf("line %d: timeout must look like 10s or 15m or 1.5h, not %q",
			node.Line, node.Value)
	}
	t.Duration = d
	return nil
}

// UnmarshalYAML accepts both spread forms: a bare name, or a name mapped to settings.
func (s *System) UnmarshalYAML(node *yaml.Node) error {
	if node.Kind == yaml.ScalarNode {
		s.Name = node.Value
		return nil
	}
	if node.Kind != yaml.MappingNode || len(node.Content) != 2 {
		return fmt.Errorf("line %d: system must be a name or a single name: settings map",
			node.Line)
	}
	type plain System
	var settings plain
	if err := node.Content[1].Decode(&settings); err != nil {
		return err
	}
	*s = System(settings)
	s.Name = node.Content[0].Value
	return nil
}

var (
	validName  = regexp.MustCompile(`^[a-z0-9]+(?:[-._][a-z0-9]+)*$`)
	validSuite = regexp.MustCompile(`^(?:[a-z0-9]+(?:[-._][a-z0-9]+)*/)+$`)
	validSys   = regexp.MustCompile(`^[a-z*]+-[a-z0-9*]+(?:[-.][a-z0-9*]+)*$`)
)

// Load reads spread.yaml (or .spread.yaml) in dir and every task.yaml of its suites.
// Any error names the file, and the line when the YAML itself is at fault.
func Load(dir string) (*Project, error) {
	file, data, err := readProjectFile(dir)
	if err != nil {
		return nil, err
	}

	project := &Project{Path: filepath.Dir(file)}
	project.Warnings, err = decodeChecked(file, data, project, projectShape)
	if err != nil {
		return nil, err
	}
	if err := project.validate(file); err != nil {
		return nil, fmt.Errorf("cannot load %s: %v", file, err)
	}

	if err := project.loadSuites(); err != nil {
		return nil, err
	}
	return project, nil
}

func readProjectFile(dir string) (string, []byte, error) {
	for _, name := range []string{"spread.yaml", ".spread.yaml"} {
		file := filepath.Join(dir, name)
		data, err := os.ReadFile(file)
		if err == nil {
			return file, data, nil
		}
		if !os.IsNotExist(err) {
			return "", nil, fmt.Errorf("cannot read %s: %v", file, err)
		}
	}
	return "", nil, fmt.Errorf("cannot find spread.yaml or .spread.yaml in %s", dir)
}

// decodeChecked decodes data into out after warning about keys that shape lacks.
func decodeChecked(file string, data []byte, out any, shape *keyShape) ([]string, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("cannot load %s: %v", file, err)
	}
	if len(doc.Content) == 0 {
		return nil, fmt.Errorf("cannot load %s: file is empty", file)
	}

	warnings := shape.check(file, doc.Content[0], nil)
	if err := doc.Content[0].Decode(out); err != nil {
		return nil, fmt.Errorf("cannot load %s: %v", file, err)
	}
	return warnings, nil
}

func (p *Project) validate(file string) error {
	if !validName.MatchString(p.Name) {
		return fmt.Errorf("invalid project name: %q", p.Name)
	}
	if p.RemotePath == "" {
		return fmt.Errorf("missing project path field with remote project location")
	}
	if len(p.Backends) == 0 {
		return fmt.Errorf("must define at least one backend")
	}
	if len(p.Suites) == 0 {
		return fmt.Errorf("must define at least one task suite")
	}
	ensureEnv(&p.Environment)

	for name, backend := range p.Backends {
		if err := validateBackend(name, backend); err != nil {
			return err
		}
	}
	for name, suite := range p.Suites {
		if err := validateSuite(name, suite); err != nil {
			return err
		}
	}
	return nil
}

func validateBackend(name string, backend *Backend) error {
	if !validName.MatchString(name) {
		return fmt.Errorf("invalid backend name: %q", name)
	}
	if backend == nil {
		return fmt.Errorf("backend %q is empty", name)
	}
	backend.Name = name
	if backend.Type == "" {
		backend.Type = name
	}
	if backend.Type == "adhoc" && strings.TrimSpace(backend.Allocate) == "" {
		return fmt.Errorf("backend %q requires an allocate field", name)
	}
	if len(backend.Systems) == 0 {
		return fmt.Errorf("no systems specified for backend %q", name)
	}
	ensureEnv(&backend.Environment)

	for _, system := range backend.Systems {
		system.Backend = name
		if system.Workers < 0 {
			return fmt.Errorf("backend %q has system %q with %d workers",
				name, system.Name, system.Workers)
		}
		if system.Workers == 0 {
			system.Workers = 1
		}
		ensureEnv(&system.Environment)
	}
	return nil
}

func validateSuite(name string, suite *Suite) error {
	if !validSuite.MatchString(name) {
		return fmt.Errorf("invalid suite name (must look like dir/ or dir/sub/): %q", name)
	}
	if suite == nil || strings.TrimSpace(suite.Summary) == "" {
		return fmt.Errorf("suite %s is missing a summary", name)
	}
	suite.Name = name
	ensureEnv(&suite.Environment)
	return checkSystemNames("suite "+name, suite.Systems)
}

func checkSystemNames(context string, names []string) error {
	for _, name := range names {
		bare := strings.TrimLeft(name, "+-")
		if !validSys.MatchString(bare) {
			return fmt.Errorf("%s refers to invalid system name: %q", context, name)
		}
	}
	return nil
}

func (p *Project) loadSuites() error {
	for _, suite := range p.Suites {
		if err := p.loadTasks(suite); err != nil {
			return err
		}
	}
	return nil
}

func (p *Project) loadTasks(suite *Suite) error {
	dir := filepath.Join(p.Path, suite.Name)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("cannot list suite %s: %v", suite.Name, err)
	}

	suite.Tasks = map[string]*Task{}
	for _, entry := range entries {
		file := filepath.Join(dir, entry.Name(), "task.yaml")
		if !entry.IsDir() || !fileExists(file) {
			continue
		}
		task, err := p.loadTask(file, suite.Name+entry.Name())
		if err != nil {
			return err
		}
		task.Suite = suite.Name
		suite.Tasks[task.Name] = task
	}
	return nil
}

func (p *Project) loadTask(file, name string) (*Task, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %v", file, err)
	}

	task := &Task{Name: name, File: file}
	warnings, err := decodeChecked(file, data, task, taskShape)
	if err != nil {
		return nil, err
	}
	p.Warnings = append(p.Warnings, warnings...)

	if strings.TrimSpace(task.Summary) == "" {
		return nil, fmt.Errorf("cannot load %s: task is missing a summary", file)
	}
	if err := checkSystemNames("task "+name, task.Systems); err != nil {
		return nil, fmt.Errorf("cannot load %s: %v", file, err)
	}
	ensureEnv(&task.Environment)
	return task, nil
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for key := range m {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	return keys
}
