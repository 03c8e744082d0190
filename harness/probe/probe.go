// Package probe defines the lines the test snaps' probes print, one per operation, so
// that checks running in the VMs can tell exactly which call succeeded and which errno
// a failed one hit. The Go probe and the Python probe both print this format.
//
// A line is
//
//	RESULT op=OP name=NAME status=STATUS [KEY=VALUE]...
//
// where STATUS is "ok", an errno name such as "EACCES", or "ERROR" for a failure that
// has no errno. Every value is percent-encoded: bytes other than ASCII letters, digits
// and "_.-~/:,+@" become %XX (upper-case hex), so names with spaces, "=" or "%" round
// trip exactly. Extra keys follow in sorted order so that a line is stable.
package probe

import (
	"fmt"
	"sort"
	"strings"
)

// Prefix starts every result line; probes may print other lines, which Parse skips.
const Prefix = "RESULT"

const (
	// StatusOK marks an operation that did what was asked.
	StatusOK = "ok"
	// StatusError marks a failure without an errno (for example a marker mismatch);
	// the "error" data key says what went wrong.
	StatusError = "ERROR"
)

// Result is one operation's outcome.
type Result struct {
	Op     string
	Name   string
	Status string
	Data   map[string]string
}

// OK reports whether the operation succeeded.
func (r Result) OK() bool {
	return r.Status == StatusOK
}

// List splits a data value that holds several file names; they are joined with "/"
// because no file name can contain one.
func (r Result) List(key string) []string {
	value := r.Data[key]
	if value == "" {
		return nil
	}
	return strings.Split(value, "/")
}

// String is the line Format prints, so failed assertions show the whole result.
func (r Result) String() string {
	return Format(r)
}

var reservedKeys = map[string]bool{"op": true, "name": true, "status": true}

// Format renders r as one line without a trailing newline.
func Format(r Result) string {
	var b strings.Builder
	b.WriteString(Prefix)
	writeField(&b, "op", r.Op)
	writeField(&b, "name", r.Name)
	writeField(&b, "status", r.Status)
	for _, key := range sortedKeys(r.Data) {
		writeField(&b, key, r.Data[key])
	}
	return b.String()
}

func writeField(b *strings.Builder, key, value string) {
	b.WriteByte(' ')
	b.WriteString(escape(key))
	b.WriteByte('=')
	b.WriteString(escape(value))
}

func sortedKeys(data map[string]string) []string {
	keys := make([]string, 0, len(data))
	for key := range data {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	return keys
}

// Parse returns the results in output in order. Lines that do not start with Prefix
// are ignored; a malformed result line is an error, since a check must never guess.
func Parse(output string) ([]Result, error) {
	var results []Result
	for i, line := range strings.Split(output, "\n") {
		line = strings.TrimSuffix(line, "\r")
		if !isResultLine(line) {
			continue
		}
		result, err := parseLine(line)
		if err != nil {
			return nil, fmt.Errorf("cannot parse probe output line %d %q: %w", i+1, line, err)
		}
		results = append(results, result)
	}
	return results, nil
}

func isResultLine(line string) bool {
	return line == Prefix || strings.HasPrefix(line, Prefix+" ")
}

func parseLine(line string) (Result, error) {
	fields := strings.Split(line, " ")[1:]
	if len(fields) < 3 {
		return Result{}, fmt.Errorf("want at least op, name and status, got %d fields",
			len(fields))
	}
	var result Result
	for i, field := range fields {
		key, value, err := parseField(field)
		if err != nil {
			return Result{}, err
		}
		if err := result.set(i, key, value); err != nil {
			return Result{}, err
		}
	}
	return result, nil
}

func parseField(field string) (key, value string, err error) {
	rawKey, rawValue, found := strings.Cut(field, "=")
	if !found {
		return "", "", fmt.Errorf("field %q has no '='", field)
	}
	if key, err = unescape(rawKey); err != nil {
		return "", "", err
	}
	if value, err = unescape(rawValue); err != nil {
		return "", "", err
	}
	return key, value, nil
}

// set stores the field at position i; op, name and status must come first and in
// that order so that every probe prints the same shape.
func (r *Result) set(i int, key, value string) error {
	fixed := []string{"op", "name", "status"}
	if i < len(fixed) {
		if key != fixed[i] {
			return fmt.Errorf("field %d is %q, want %q", i+1, key, fixed[i])
		}
		r.setFixed(key, value)
		return nil
	}
	if reservedKeys[key] {
		return fmt.Errorf("field %q repeated", key)
	}
	if _, dup := r.Data[key]; dup {
		return fmt.Errorf("data key %q repeated", key)
	}
	if r.Data == nil {
		r.Data = map[string]string{}
	}
	r.Data[key] = value
	return nil
}

func (r *Result) setFixed(key, value string) {
	switch key {
	case "op":
		r.Op = value
	case "name":
		r.Name = value
	case "status":
		r.Status = value
	}
}
