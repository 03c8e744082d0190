package runner

import (
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"strings"
	"time"
)

// The helpers an adhoc allocate or discard script may call. Each prints a line the
// runner reads back; ERROR and FATAL also stop the script.
const adhocHelpers = `ADDRESS() { { set +xu; } 2>/dev/null; echo "<ADDRESS $1>"; }
SERIAL() { { set +xu; } 2>/dev/null; echo "<SERIAL $1>"; }
ERROR() { { set +xu; } 2>/dev/null; echo "<ERROR $*>"; exit 213; }
FATAL() { { set +xu; } 2>/dev/null; echo "<FATAL $*>"; exit 213; }
`

var adhocResult = regexp.MustCompile(`^(?:<([A-Z_]+) ?(.*)>|([A-Z_]+)=(.*))$`)

const defaultAdhocTimeout = 15 * time.Minute

// fatalError is an allocation failure that retrying cannot fix.
type fatalError struct{ msg string }

func (e *fatalError) Error() string { return e.msg }

// adhocAllocate runs the backend's allocate script on the host and returns the address
// and serial log path it printed.
func adhocAllocate(ctx context.Context, p *Project, b *Backend, s *System) (*machine, error) {
	if b.Type != "adhoc" {
		return nil, &fatalError{fmt.Sprintf("backend type %q is not supported by this runner "+
			"(only adhoc)", b.Type)}
	}
	result, output, err := runAdhocScript(ctx, p, b, s, b.Allocate, "")
	if err != nil {
		return nil, err
	}

	address := result["ADDRESS"]
	if address == "" || strings.Contains(address, " ") {
		return nil, fmt.Errorf("allocate must print ADDRESS <ssh address>, got %q; it "+
			"printed:\n%s", address, tailText(output, 10))
	}
	return &machine{backend: b, system: s, address: address, serial: result["SERIAL"]}, nil
}

// adhocDiscard runs the backend's discard script for a machine.
func adhocDiscard(ctx context.Context, p *Project, m *machine) error {
	if strings.TrimSpace(m.backend.Discard) == "" {
		return nil
	}
	_, _, err := runAdhocScript(ctx, p, m.backend, m.system, m.backend.Discard, m.address)
	return err
}

// runAdhocScript returns what the script printed, parsed and whole.
func runAdhocScript(ctx context.Context, p *Project, b *Backend, s *System,
	script, address string) (map[string]string, string, error) {
	timeout := b.KillTimeout.Duration
	if timeout == 0 {
		timeout = defaultAdhocTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	cmd := exec.CommandContext(ctx, "/bin/bash", "-eu", "-")
	cmd.Dir = p.Path
	cmd.Env = append(cmd.Environ(), adhocEnv(b, s, address).hostEnviron()...)
	cmd.Stdin = strings.NewReader(adhocHelpers + "set -x\n" + script + "\n")
	output, err := cmd.CombinedOutput()

	result := parseAdhocOutput(string(output))
	if msg, ok := result["FATAL"]; ok {
		return nil, "", &fatalError{msg}
	}
	if msg, ok := result["ERROR"]; ok {
		return nil, "", fmt.Errorf("%s", msg)
	}
	if err != nil {
		return nil, "", fmt.Errorf("%v\n%s", err, tailText(string(output), 10))
	}
	return result, string(output), nil
}

func adhocEnv(b *Backend, s *System, address string) *Env {
	return NewEnv(
		"SPREAD_BACKEND", b.Name,
		"SPREAD_SYSTEM", s.Name,
		"SPREAD_SYSTEM_USERNAME", s.Username,
		"SPREAD_SYSTEM_PASSWORD", s.Password,
		"SPREAD_SYSTEM_ADDRESS", address,
	)
}

func parseAdhocOutput(output string) map[string]string {
	result := map[string]string{}
	for _, line := range strings.Split(output, "\n") {
		m := adhocResult.FindStringSubmatch(strings.TrimSpace(line))
		switch {
		case m == nil:
		case m[1] != "":
			result[m[1]] = m[2]
		default:
			result[m[3]] = m[4]
		}
	}
	return result
}

func tailText(text string, n int) string {
	return strings.Join(tailLines(text, n), "\n")
}

func tailLines(text string, n int) []string {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	if len(lines) == 1 && lines[0] == "" {
		return nil
	}
	return lines
}
