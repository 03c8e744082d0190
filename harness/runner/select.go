package runner

import (
	"fmt"
	"regexp"
	"strings"
)

// Selector picks jobs by name with spread's filter rules: an argument matches whole
// ':'-separated parts of backend:system:suite/task:variant, so "qemu:" selects a
// backend, "ubuntu-24.04-64" a system, "tests/main/" a suite and "tests/main/foo" a task
// in all its variants; "..." matches any run of characters within one part, so
// "ubuntu-..." selects every ubuntu system.
type Selector struct {
	args []string
	exps []*regexp.Regexp
}

var selectorTokens = regexp.MustCompile(`\.+|:+`)

// NewSelector compiles selector arguments. No arguments select every job.
func NewSelector(args []string) (*Selector, error) {
	selector := &Selector{args: args}
	for _, arg := range args {
		exp, err := compileSelector(arg)
		if err != nil {
			return nil, err
		}
		selector.exps = append(selector.exps, exp)
	}
	return selector, nil
}

func compileSelector(arg string) (*regexp.Regexp, error) {
	var bad error
	pattern := selectorTokens.ReplaceAllStringFunc(arg, func(token string) string {
		switch token {
		case ".":
			return `\.`
		case "...":
			return `[^:]*`
		case ":":
			return `(:.+)*:(.+:)*`
		}
		bad = fmt.Errorf("invalid selector %q: unexpected %q", arg, token)
		return token
	})
	if bad != nil {
		return nil, bad
	}

	if strings.HasPrefix(pattern, "(:.+)*:") || strings.HasPrefix(pattern, "/") {
		pattern = ".+" + pattern
	}
	if strings.HasSuffix(pattern, ":(.+:)*") || strings.HasSuffix(pattern, "/") {
		pattern += ".+"
	}
	exp, err := regexp.Compile("(?:^|:)" + pattern + "(?:$|:)")
	if err != nil {
		return nil, fmt.Errorf("invalid selector %q: %v", arg, err)
	}
	return exp, nil
}

// Empty reports whether the selector was given no arguments.
func (s *Selector) Empty() bool { return s == nil || len(s.exps) == 0 }

// Match reports whether a job name is selected.
func (s *Selector) Match(jobName string) bool {
	if s.Empty() {
		return true
	}
	for _, exp := range s.exps {
		if exp.MatchString(jobName) {
			return true
		}
	}
	return false
}
