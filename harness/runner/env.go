package runner

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Env is an environment map that keeps the order its keys were written in, because
// later values may refer to earlier ones when the machine's shell exports them.
type Env struct {
	keys []string
	vals map[string]string
}

var (
	varName    = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*(?:/[a-zA-Z0-9_]+(?:,[a-zA-Z0-9_]+)*)?$`)
	hostCmdRef = regexp.MustCompile(`\$\(HOST:.+?\)`)
)

// NewEnv builds an environment from key, value pairs.
func NewEnv(pairs ...string) *Env {
	env := &Env{vals: map[string]string{}}
	for i := 0; i+1 < len(pairs); i += 2 {
		env.Set(pairs[i], pairs[i+1])
	}
	return env
}

func ensureEnv(env **Env) {
	if *env == nil {
		*env = NewEnv()
	}
}

// UnmarshalYAML reads a mapping in order and rejects bad or repeated names.
func (e *Env) UnmarshalYAML(node *yaml.Node) error {
	*e = *NewEnv()
	if node.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: environment must be a map", node.Line)
	}
	for i := 0; i+1 < len(node.Content); i += 2 {
		key, value := node.Content[i], node.Content[i+1]
		if !varName.MatchString(key.Value) {
			return fmt.Errorf("line %d: invalid variable name: %q", key.Line, key.Value)
		}
		if _, seen := e.vals[key.Value]; seen {
			return fmt.Errorf("line %d: variable %q defined multiple times",
				key.Line, key.Value)
		}
		if value.Kind != yaml.ScalarNode {
			return fmt.Errorf("line %d: variable %q must have a plain value",
				value.Line, key.Value)
		}
		e.Set(key.Value, value.Value)
	}
	return nil
}

// Keys lists the variable names in order.
func (e *Env) Keys() []string { return append([]string(nil), e.keys...) }

// Get returns the value of key.
func (e *Env) Get(key string) string { return e.vals[key] }

// Set defines key, moving it to the end as spread does when a later level redefines it.
func (e *Env) Set(key, value string) {
	e.Unset(key)
	e.keys = append(e.keys, key)
	e.vals[key] = value
}

// Unset removes key.
func (e *Env) Unset(key string) {
	if _, ok := e.vals[key]; !ok {
		return
	}
	delete(e.vals, key)
	for i, k := range e.keys {
		if k == key {
			e.keys = append(e.keys[:i], e.keys[i+1:]...)
			return
		}
	}
}

// splitVariants splits "VAR/a,b" into "VAR" and [a b].
func splitVariants(key string) (string, []string) {
	name, list, found := strings.Cut(key, "/")
	if !found {
		return key, nil
	}
	return name, strings.Split(list, ",")
}

// variantNames lists the variants that keys such as VAR/a,b introduce.
func (e *Env) variantNames() []string {
	seen := map[string]bool{}
	for _, key := range e.keys {
		_, variants := splitVariants(key)
		for _, variant := range variants {
			seen[variant] = true
		}
	}
	return sortedKeys(seen)
}

// forVariant keeps the values meant for variant under their plain names and drops
// those meant for other variants.
func (e *Env) forVariant(variant string) *Env {
	out := NewEnv()
	for _, key := range e.keys {
		name, variants := splitVariants(key)
		if variants == nil {
			if !e.hasVariantKey(name, variant) {
				out.Set(name, e.vals[key])
			}
			continue
		}
		if contains(variants, variant) {
			out.Set(name, e.vals[key])
		}
	}
	return out
}

// hasVariantKey reports whether name has a value specific to variant, which must win
// over a plain value even when the plain one is written later.
func (e *Env) hasVariantKey(name, variant string) bool {
	for _, key := range e.keys {
		kname, variants := splitVariants(key)
		if kname == name && contains(variants, variant) {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, item := range list {
		if item == s {
			return true
		}
	}
	return false
}

// hostEvaluator runs $(HOST:...) commands on the host, once per distinct command.
type hostEvaluator struct {
	dir   string
	env   []string // added to the host's environment
	cache map[string]string
}

func newHostEvaluator(dir string, env []string) *hostEvaluator {
	return &hostEvaluator{dir: dir, env: env, cache: map[string]string{}}
}

// expand replaces every $(HOST:...) in value; other references are left for the
// machine's shell, as spread does.
func (h *hostEvaluator) expand(context, value string) (string, error) {
	var failure error
	out := hostCmdRef.ReplaceAllStringFunc(value, func(ref string) string {
		if failure != nil {
			return ""
		}
		output, err := h.run(ref[len("$(HOST:") : len(ref)-1])
		if err != nil {
			failure = fmt.Errorf("cannot evaluate %s in %s: %v", ref, context, err)
		}
		return output
	})
	return out, failure
}

func (h *hostEvaluator) run(command string) (string, error) {
	if output, ok := h.cache[command]; ok {
		return output, nil
	}

	var stderr bytes.Buffer
	cmd := exec.Command("/bin/bash", "-c", command)
	cmd.Dir = h.dir
	cmd.Env = append(os.Environ(), h.env...)
	cmd.Stderr = &stderr
	output, err := cmd.Output()
	if err != nil {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return "", fmt.Errorf("%s", strings.ReplaceAll(msg, "\n", "; "))
		}
		return "", err
	}

	value := strings.TrimRight(string(output), "\n")
	h.cache[command] = value
	return value, nil
}

// namedEnv is one level's environment with the name used in error messages.
type namedEnv struct {
	context string
	env     *Env
}

// mergeEnvs layers environments in order, evaluating $(HOST:...) in each value.
func (h *hostEvaluator) mergeEnvs(levels ...namedEnv) (*Env, error) {
	out := NewEnv()
	for _, level := range levels {
		for _, key := range level.env.keys {
			value, err := h.expand(level.context+" environment", level.env.vals[key])
			if err != nil {
				return nil, err
			}
			out.Set(key, value)
		}
	}
	return out, nil
}

// exportLines renders the environment as spread's script wrapper does: values are
// double-quoted unless empty or already quoted, so the machine's shell expands them.
func (e *Env) exportLines() string {
	var buf strings.Builder
	for _, key := range e.keys {
		value := e.vals[key]
		if value == "" || value[0] == '"' || value[0] == '\'' {
			fmt.Fprintf(&buf, "export %s=%s\n", key, value)
		} else {
			fmt.Fprintf(&buf, "export %s=\"%s\"\n", key, value)
		}
	}
	return buf.String()
}

// hostEnviron renders the environment for a local process.
func (e *Env) hostEnviron() []string {
	out := make([]string, 0, len(e.keys))
	for _, key := range e.keys {
		out = append(out, key+"="+e.vals[key])
	}
	sort.Strings(out)
	return out
}
