package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"shm-e2e/harness/probe"
)

// staticProbe is built once with the same flags the snaps use, so the tests run the
// very kind of binary that goes into them.
var staticProbe string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "probe-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	staticProbe = filepath.Join(dir, "probe")
	code := buildAndRun(m)
	os.RemoveAll(dir)
	os.Exit(code)
}

func buildAndRun(m *testing.M) int {
	build := exec.Command("go", "build", "-o", staticProbe,
		"-ldflags", "-linkmode external -extldflags -static", ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=1")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "cannot build static probe: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

// uniqueName keeps parallel test runs on one host out of each other's segments.
func uniqueName(t *testing.T, what string) string {
	return fmt.Sprintf("probe-test.%d.%s.%s", os.Getpid(), t.Name(), what)
}

func runProbe(t *testing.T, args ...string) ([]probe.Result, int) {
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(staticProbe, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	exitCode := 0
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		exitCode = exitErr.ExitCode()
	} else {
		require.NoError(t, err)
	}
	results, parseErr := probe.Parse(stdout.String())
	require.NoError(t, parseErr, "stdout: %s\nstderr: %s", &stdout, &stderr)
	return results, exitCode
}

func TestProbeIsStatic(t *testing.T) {
	out, err := exec.Command("file", staticProbe).CombinedOutput()
	if errors.Is(err, exec.ErrNotFound) {
		t.Skip("file(1) is not installed")
	}
	require.NoError(t, err)

	assert.Contains(t, string(out), "statically linked")
}

func TestCreateReadAndUnlinkSegment(t *testing.T) {
	name := uniqueName(t, "seg")
	t.Cleanup(func() { os.Remove("/dev/shm/" + name) })

	results, code := runProbe(t, "create", name, "marker one", "read", name, "unlink", name)

	require.Len(t, results, 3)
	assert.Equal(t, 0, code)
	assert.Equal(t, probe.Result{Op: "shm-create", Name: name, Status: "ok",
		Data: map[string]string{"marker": "marker one", "path": "/dev/shm/" + name}}, results[0])
	assert.Equal(t, "marker one", results[1].Data["marker"])
	assert.Equal(t, "4096", results[1].Data["size"])
	assert.True(t, results[2].OK(), results[2].String())
	assert.NoFileExists(t, "/dev/shm/"+name)
}

func TestDottedBrowserStyleNameLandsInDevShm(t *testing.T) {
	name := "." + uniqueName(t, "org.chromium.Chromium.XXXXXX")
	t.Cleanup(func() { os.Remove("/dev/shm/" + name) })

	results, code := runProbe(t, "create", name, "m", "stat", "/dev/shm/"+name, "list")

	assert.Equal(t, 0, code)
	require.Len(t, results, 3)
	assert.Equal(t, "0600", results[1].Data["mode"])
	assert.Equal(t, "file", results[1].Data["type"])
	assert.Contains(t, results[2].List("entries"), name)
}

func TestSemaphoreGetsGlibcPrefixAndCounts(t *testing.T) {
	name := uniqueName(t, "sem")
	t.Cleanup(func() { os.Remove("/dev/shm/sem." + name) })

	results, code := runProbe(t, "sem-create", "/"+name, "sem-open", name, "sem-unlink", name)

	assert.Equal(t, 0, code)
	require.Len(t, results, 3)
	assert.Equal(t, "/dev/shm/sem."+name, results[0].Data["path"])
	assert.Equal(t, "1", results[0].Data["value"])
	assert.Equal(t, "1", results[1].Data["value"])
	assert.True(t, results[2].OK(), results[2].String())
	assert.NoFileExists(t, "/dev/shm/sem."+name)
}

func TestMissingSegmentFailsWithENOENTAndExitsOne(t *testing.T) {
	missing := uniqueName(t, "never-created")

	results, code := runProbe(t, "read", missing, "whoami", "sem-open", missing)

	assert.Equal(t, 1, code)
	require.Len(t, results, 3)
	assert.Equal(t, "ENOENT", results[0].Status)
	assert.Equal(t, "No such file or directory", results[0].Data["error"])
	assert.True(t, results[1].OK(), "a failure must not stop the chain")
	assert.Equal(t, fmt.Sprint(os.Getuid()), results[1].Data["uid"])
	assert.Equal(t, "ENOENT", results[2].Status)
}

func TestNameWithSlashIsRejectedByGlibc(t *testing.T) {
	results, code := runProbe(t, "create", "a/b", "m")

	assert.Equal(t, 1, code)
	require.Len(t, results, 1)
	assert.Equal(t, "EINVAL", results[0].Status)
}

func TestSubdirCreatesDirectoryWithFile(t *testing.T) {
	dir := uniqueName(t, "dir")
	t.Cleanup(func() { os.RemoveAll("/dev/shm/" + dir) })

	results, code := runProbe(t, "subdir", dir, "stat", "/dev/shm/"+dir, "subdir", dir)

	require.Len(t, results, 3)
	assert.Equal(t, 1, code)
	assert.True(t, results[0].OK(), results[0].String())
	assert.FileExists(t, "/dev/shm/"+dir+"/probe-file")
	assert.Equal(t, "dir", results[1].Data["type"])
	assert.Equal(t, "0700", results[1].Data["mode"])
	assert.Equal(t, "EEXIST", results[2].Status)
}

func TestMountinfoFindsDevShm(t *testing.T) {
	results, code := runProbe(t, "mountinfo")

	assert.Equal(t, 0, code)
	require.Len(t, results, 1)
	assert.Contains(t, results[0].Data["line"], " /dev/shm ")
	assert.NotEmpty(t, results[0].Data["fstype"])
	assert.True(t, strings.HasPrefix(results[0].Data["root"], "/"))
}

func TestUsageErrorsRunNothing(t *testing.T) {
	name := uniqueName(t, "not-created")
	cases := [][]string{{}, {"create", name}, {"create", name, "m", "bogus"}}
	for _, args := range cases {
		var stdout, stderr bytes.Buffer

		code := run(args, &stdout, &stderr)

		assert.Equal(t, 2, code, "args %q", args)
		assert.Empty(t, stdout.String(), "args %q", args)
		assert.Contains(t, stderr.String(), "usage: probe", "args %q", args)
	}
	assert.NoFileExists(t, "/dev/shm/"+name)
}

func TestMountinfoParsingPicksFieldsAfterSeparator(t *testing.T) {
	line := "871 870 0:27 /snap.shm-private-a /dev/shm rw,nosuid shared:5 - tmpfs tmpfs rw"

	data := parseMountinfoLine(line)

	assert.Equal(t, map[string]string{"root": "/snap.shm-private-a", "fstype": "tmpfs",
		"source": "tmpfs"}, data)
}
