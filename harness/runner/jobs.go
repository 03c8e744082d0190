package runner

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
)

// Job is one task to run on one system in one variant.
type Job struct {
	Name     string
	Backend  *Backend
	System   *System
	Suite    *Suite
	Task     *Task
	Variant  string
	Env      *Env
	Priority int64
}

// nameList is one level's list of names, in spread's plain or +/- delta form.
type nameList struct {
	context string
	names   []string
}

// Jobs expands the project into the jobs the selector picks, sorted by name.
func (p *Project) Jobs(selector *Selector) ([]*Job, error) {
	host := newHostEvaluator(p.Path, p.HostEnv)
	if err := p.resolveRemotePath(host); err != nil {
		return nil, err
	}

	var jobs []*Job
	for _, sname := range sortedKeys(p.Suites) {
		suite := p.Suites[sname]
		for _, tname := range sortedKeys(suite.Tasks) {
			taskJobs, err := p.taskJobs(host, suite, suite.Tasks[tname])
			if err != nil {
				return nil, err
			}
			jobs = append(jobs, selectJobs(taskJobs, selector)...)
		}
	}

	jobs = dropManual(jobs, !selector.Empty())
	if len(jobs) == 0 {
		if !selector.Empty() {
			return nil, fmt.Errorf("nothing matches selectors %s", strings.Join(selector.args, " "))
		}
		return nil, fmt.Errorf("cannot find any tasks")
	}
	sort.Slice(jobs, func(i, j int) bool { return jobs[i].Name < jobs[j].Name })
	return jobs, nil
}

func (p *Project) resolveRemotePath(host *hostEvaluator) error {
	value, err := host.expand("project path", p.RemotePath)
	if err != nil {
		return err
	}
	clean := filepath.Clean(value)
	if !filepath.IsAbs(clean) || filepath.Dir(clean) == clean {
		return fmt.Errorf("remote project path must be absolute and not /: %s", value)
	}
	p.RemotePath = clean
	return nil
}

func (p *Project) taskJobs(host *hostEvaluator, suite *Suite, task *Task) ([]*Job, error) {
	backends, err := resolveNames("backends",
		nameList{"project", sortedKeys(p.Backends)},
		nameList{"suite " + suite.Name, suite.Backends},
		nameList{"task " + task.Name, task.Backends})
	if err != nil {
		return nil, err
	}

	var jobs []*Job
	for _, bname := range backends {
		backendJobs, err := p.backendJobs(host, p.Backends[bname], suite, task)
		if err != nil {
			return nil, err
		}
		jobs = append(jobs, backendJobs...)
	}
	return jobs, nil
}

func (p *Project) backendJobs(host *hostEvaluator, backend *Backend, suite *Suite,
	task *Task) ([]*Job, error) {
	systems, err := resolveNames("systems",
		nameList{"backend " + backend.Name, systemNames(backend)},
		nameList{"suite " + suite.Name, suite.Systems},
		nameList{"task " + task.Name, task.Systems})
	if err != nil {
		return nil, err
	}

	var jobs []*Job
	for _, system := range backend.Systems {
		if !contains(systems, system.Name) {
			continue
		}
		systemJobs, err := p.systemJobs(host, backend, system, suite, task)
		if err != nil {
			return nil, err
		}
		jobs = append(jobs, systemJobs...)
	}
	return jobs, nil
}

func (p *Project) systemJobs(host *hostEvaluator, backend *Backend, system *System,
	suite *Suite, task *Task) ([]*Job, error) {
	variants, err := jobVariants(p, backend, system, suite, task)
	if err != nil {
		return nil, err
	}

	var jobs []*Job
	for _, variant := range variants {
		job := &Job{
			Backend: backend, System: system, Suite: suite, Task: task,
			Variant:  variant,
			Priority: firstPriority(task.Priority, suite.Priority, system.Priority, backend.Priority),
		}
		job.Name = jobName(backend.Name, system.Name, task.Name, variant)
		if err := p.setJobEnv(host, job); err != nil {
			return nil, err
		}
		jobs = append(jobs, job)
	}
	return jobs, nil
}

func jobName(backend, system, task, variant string) string {
	name := backend + ":" + system + ":" + task
	if variant != "" {
		name += ":" + variant
	}
	return name
}

// jobVariants follows spread: variants come from VAR/variant keys at every level and
// from variants lists, where a plain list replaces what earlier levels gave and a +/-
// list adjusts it.
func jobVariants(p *Project, b *Backend, y *System, s *Suite, t *Task) ([]string, error) {
	projectVariants := p.Environment.variantNames()
	if len(projectVariants) == 0 {
		projectVariants = []string{""}
	}
	variants, err := resolveNames("variants",
		nameList{"project", projectVariants},
		nameList{"backend " + b.Name, plus(b.Environment.variantNames())},
		nameList{"backend " + b.Name, b.Variants},
		nameList{"system " + y.Name, plus(y.Environment.variantNames())},
		nameList{"system " + y.Name, y.Variants},
		nameList{"suite " + s.Name, plus(s.Environment.variantNames())},
		nameList{"suite " + s.Name, s.Variants},
		nameList{"task " + t.Name, plus(t.Environment.variantNames())},
		nameList{"task " + t.Name, t.Variants})
	if err != nil {
		return nil, err
	}

	if len(variants) > 1 {
		variants = removeString(variants, "")
	}
	return variants, nil
}

func (p *Project) setJobEnv(host *hostEvaluator, job *Job) error {
	spreadVars := NewEnv(
		"SPREAD_JOB", job.Name,
		"SPREAD_PROJECT", p.Name,
		"SPREAD_PATH", p.RemotePath,
		"SPREAD_BACKEND", job.Backend.Name,
		"SPREAD_SYSTEM", job.System.Name,
		"SPREAD_SUITE", job.Suite.Name,
		"SPREAD_TASK", job.Task.Name,
		"SPREAD_VARIANT", job.Variant,
		"SPREAD_SAMPLE", "1",
	)
	env, err := host.mergeEnvs(
		namedEnv{"$SPREAD_*", spreadVars},
		namedEnv{"project", p.Environment},
		namedEnv{"backend " + job.Backend.Name, job.Backend.Environment},
		namedEnv{"system " + job.System.Name, job.System.Environment},
		namedEnv{"suite " + job.Suite.Name, job.Suite.Environment},
		namedEnv{"task " + job.Task.Name, job.Task.Environment})
	if err != nil {
		return err
	}
	job.Env = env.forVariant(job.Variant)
	return nil
}

func plus(names []string) []string {
	out := make([]string, len(names))
	for i, name := range names {
		out[i] = "+" + name
	}
	return out
}

func removeString(list []string, s string) []string {
	var out []string
	for _, item := range list {
		if item != s {
			out = append(out, item)
		}
	}
	return out
}

func systemNames(backend *Backend) []string {
	names := make([]string, len(backend.Systems))
	for i, system := range backend.Systems {
		names[i] = system.Name
	}
	return names
}

func firstPriority(values ...*int64) int64 {
	for _, value := range values {
		if value != nil {
			return *value
		}
	}
	return 0
}

func selectJobs(jobs []*Job, selector *Selector) []*Job {
	var out []*Job
	for _, job := range jobs {
		if selector.Match(job.Name) {
			out = append(out, job)
		}
	}
	return out
}

// dropManual removes manual backends, systems, suites and tasks unless selectors were
// given and every selected job is manual at that level, which is how spread lets a
// manual task run only when it is named explicitly.
func dropManual(jobs []*Job, selected bool) []*Job {
	levels := []func(*Job) bool{
		func(j *Job) bool { return j.Backend.Manual },
		func(j *Job) bool { return j.System.Manual },
		func(j *Job) bool { return j.Suite.Manual },
		func(j *Job) bool { return j.Task.Manual },
	}
	keepManual := make([]bool, len(levels))
	for i, manual := range levels {
		keepManual[i] = selected && allJobs(jobs, manual)
	}

	var out []*Job
	for _, job := range jobs {
		if !droppedAsManual(job, levels, keepManual) {
			out = append(out, job)
		}
	}
	return out
}

func droppedAsManual(job *Job, levels []func(*Job) bool, keepManual []bool) bool {
	for i, manual := range levels {
		if manual(job) && !keepManual[i] {
			return true
		}
	}
	return false
}

func allJobs(jobs []*Job, pred func(*Job) bool) bool {
	for _, job := range jobs {
		if !pred(job) {
			return false
		}
	}
	return true
}

// resolveNames applies spread's rules for systems, backends and variants lists: the
// first list is the base; a later plain list replaces the result with the names it
// matches (globs allowed), and a +name or -name list adds or removes matches.
func resolveNames(what string, lists ...nameList) ([]string, error) {
	final := map[string]bool{}
	for i, list := range lists {
		if err := checkDeltaForm(what, list, i == 0); err != nil {
			return nil, err
		}
		for j, entry := range list.names {
			applyName(final, entry, j == 0, lists[:i+1])
		}
	}
	return sortedKeys(final), nil
}

func checkDeltaForm(what string, list nameList, first bool) error {
	deltas := 0
	for _, name := range list.names {
		if strings.HasPrefix(name, "+") || strings.HasPrefix(name, "-") {
			deltas++
		}
	}
	if deltas > 0 && first {
		return fmt.Errorf("%s specifies %s in delta format", list.context, what)
	}
	if deltas > 0 && deltas < len(list.names) {
		return fmt.Errorf("%s specifies %s both in delta and plain format", list.context, what)
	}
	return nil
}

func applyName(final map[string]bool, entry string, firstOfList bool, known []nameList) {
	pattern := strings.TrimLeft(entry, "+-")
	matches := globMatches(pattern, known)
	switch {
	case strings.HasPrefix(entry, "+"):
		addAll(final, matches)
	case strings.HasPrefix(entry, "-"):
		for _, name := range matches {
			delete(final, name)
		}
	default:
		if firstOfList {
			clear(final)
		}
		addAll(final, matches)
	}
}

func addAll(set map[string]bool, names []string) {
	for _, name := range names {
		set[name] = true
	}
}

func globMatches(pattern string, lists []nameList) []string {
	var out []string
	for _, list := range lists {
		for _, name := range list.names {
			name = strings.TrimLeft(name, "+-")
			if ok, _ := filepath.Match(pattern, name); ok {
				out = append(out, name)
			}
		}
	}
	return out
}
