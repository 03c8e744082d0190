package runner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"shm-e2e/harness/progress"
)

// machine is one allocated system the runner talks to over ssh.
type machine struct {
	backend *Backend
	system  *System
	address string
	serial  string
	reused  bool
	ssh     *sshTarget
}

func (m *machine) String() string { return m.backend.Name + ":" + m.system.Name }

const (
	defaultWarnTimeout = 5 * time.Minute
	defaultKillTimeout = 15 * time.Minute
)

// scriptRun is one script to run on a machine.
type scriptRun struct {
	script      string
	dir         string
	env         *Env
	warnTimeout time.Duration
	killTimeout time.Duration
	label       string
}

// scriptOutcome is what a script printed (without runner markers) and how long the
// script itself ran on the machine.
type scriptOutcome struct {
	output  string
	elapsed time.Duration
}

// connect waits for ssh on the machine and opens the shared connection.
func (m *machine) connect(ctx context.Context, key string, timeout time.Duration) error {
	target, err := newSSHTarget(m.address, m.system.Username, key)
	if err != nil {
		return err
	}
	if err := target.waitReady(ctx, timeout); err != nil {
		target.close()
		return err
	}
	m.ssh = target
	return nil
}

// run executes a script under bash -eu on the machine, killing it and everything it
// started when its kill-timeout passes or ctx ends.
func (m *machine) run(ctx context.Context, run scriptRun) (scriptOutcome, error) {
	runCtx, cancel := context.WithTimeout(ctx, orDefault(run.killTimeout, defaultKillTimeout))
	defer cancel()

	sidFile := fmt.Sprintf("/tmp/shm-e2e-%d-%d.sid", os.Getpid(), time.Now().UnixNano())
	cmd := m.ssh.command(runCtx, m.ssh.sudo()+"/bin/bash -eu - 2>&1", false)
	cmd.Stdin = strings.NewReader(remoteScript(run.script, run.dir, sidFile, run.env))
	var out lockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out

	stopWarn := m.warnWhenQuiet(run, &out)
	err := cmd.Run()
	stopWarn()

	output, elapsed := takeElapsed(out.String())
	outcome := scriptOutcome{output: output, elapsed: elapsed}
	if runCtx.Err() != nil {
		m.killSession(sidFile)
		return outcome, stoppedError(ctx, run)
	}
	return outcome, scriptError(err, output)
}

func stoppedError(ctx context.Context, run scriptRun) error {
	if ctx.Err() != nil {
		return fmt.Errorf("interrupted")
	}
	return fmt.Errorf("kill-timeout reached after %v",
		orDefault(run.killTimeout, defaultKillTimeout))
}

func scriptError(err error, output string) error {
	if err == nil {
		return nil
	}
	if msg, ok := errorMessage(output); ok {
		return errors.New(msg)
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() == 255 {
		return fmt.Errorf("ssh failed: %s", tailText(output, 3))
	}
	return fmt.Errorf("%v", err)
}

// warnWhenQuiet prints spread's warning when a script prints nothing for warn-timeout.
func (m *machine) warnWhenQuiet(run scriptRun, out *lockedBuffer) func() {
	warn := orDefault(run.warnTimeout, defaultWarnTimeout)
	ticker := time.NewTicker(warn)
	done := make(chan struct{})
	go func() {
		last := -1
		for {
			select {
			case <-done:
				return
			case <-ticker.C:
				if size := out.Len(); size == last {
					progress.Printf("WARNING: %s running late. Output unchanged for %v.",
						run.label, warn)
				} else {
					last = size
				}
			}
		}
	}()
	return func() { ticker.Stop(); close(done) }
}

// killSession kills the remote script's whole session, since killing the local ssh
// client leaves a multiplexed remote command running.
func (m *machine) killSession(sidFile string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	q := shellQuote(sidFile)
	remote := m.ssh.sudo() + "/bin/bash -c " + shellQuote(
		"test -s "+q+" && pkill -KILL -s \"$(cat "+q+")\"; rm -f "+q)
	if _, err := m.ssh.output(ctx, remote); err != nil {
		progress.Printf("Cannot kill timed-out script on %s: %v", m, err)
	}
}

// send unpacks the packed project at the remote path.
func (m *machine) send(ctx context.Context, packed, remotePath string) error {
	file, err := os.Open(packed)
	if err != nil {
		return fmt.Errorf("cannot open packed project: %v", err)
	}
	defer file.Close()

	q := shellQuote(remotePath)
	remote := m.ssh.sudo() + "/bin/bash -c " +
		shellQuote("mkdir -p "+q+" && cd "+q+" && tar xz 2>&1")
	cmd := m.ssh.command(ctx, remote, false)
	cmd.Stdin = file
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("cannot send project to %s: %v: %s", m, err, bytes.TrimSpace(out))
	}
	return nil
}

// hasProject reports whether a reused machine already holds the project.
func (m *machine) hasProject(ctx context.Context, remotePath string) bool {
	out, err := m.ssh.output(ctx, "ls -A "+shellQuote(remotePath)+" 2>/dev/null || true")
	return err == nil && strings.TrimSpace(out) != ""
}

// shell opens an interactive shell in dir with env, for -debug and -shell.
func (m *machine) shell(ctx context.Context, dir string, env *Env) error {
	rcFile := fmt.Sprintf("/tmp/shm-e2e-%d.rc", os.Getpid())
	upload := m.ssh.command(ctx, "cat > "+shellQuote(rcFile), false)
	upload.Stdin = strings.NewReader(shellRC(dir, env))
	if out, err := upload.CombinedOutput(); err != nil {
		return fmt.Errorf("cannot prepare shell: %v: %s", err, out)
	}

	cmd := m.ssh.command(ctx, m.ssh.sudo()+"/bin/bash --rcfile "+shellQuote(rcFile)+" -i", true)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	return cmd.Run()
}

func orDefault(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

// lockedBuffer collects output written by ssh while the warning ticker reads its size.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Len()
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var _ io.Writer = (*lockedBuffer)(nil)
