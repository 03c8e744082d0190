package probe

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The Python probe ships in the shm-python snap and formats its own lines; these tests
// hold it to this package's format.
var pythonProbeDir = filepath.Join("..", "..", "test-snaps", "shm-python", "bin")

func python3(t *testing.T) string {
	path, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed")
	}
	return path
}

func TestPythonFormatterMatchesFormatByteForByte(t *testing.T) {
	names := []string{"foo", ".org.chromium.Chromium.XXXXXX", "sem.snap.a_key.s",
		"with space", "eq=ual", "per%cent", "tab\tnl\n", "ünï", "~tilde", "fastrtps_port7411"}
	data := map[string]string{"marker": "a b=c", "entries": "x/.y", "z": ""}
	namesJSON, err := json.Marshal(names)
	require.NoError(t, err)
	dataJSON, err := json.Marshal(data)
	require.NoError(t, err)
	script := fmt.Sprintf(`import json, sys
sys.path.insert(0, %q)
import mp_probe
for name in json.loads(%q):
    print(mp_probe.format_result("op", name, "ok", json.loads(%q)))
`, pythonProbeDir, namesJSON, dataJSON)

	out, err := exec.Command(python3(t), "-c", script).CombinedOutput()

	require.NoError(t, err, "%s", out)
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	require.Len(t, lines, len(names))
	for i, name := range names {
		want := Format(Result{Op: "op", Name: name, Status: StatusOK, Data: data})
		assert.Equal(t, want, lines[i], "name %q", name)
	}
}

func TestPythonProbeSharesMemoryWithChildAndRunsPool(t *testing.T) {
	segment := fmt.Sprintf("probe-py-test.%d", os.Getpid())
	t.Cleanup(func() { os.Remove("/dev/shm/" + segment) })
	script := filepath.Join(pythonProbeDir, "mp_probe.py")

	out, err := exec.Command(python3(t), script,
		"shm-pass", segment, "hello child", "pool", "1000", "shm-pass", "-", "auto").Output()

	require.NoError(t, err, "%s", out)
	results, err := Parse(string(out))
	require.NoError(t, err)
	require.Len(t, results, 3)
	assert.Equal(t, Result{Op: "py-shm-pass", Name: segment, Status: StatusOK,
		Data: map[string]string{"marker": "hello child", "segment": segment,
			"start-method": results[0].Data["start-method"]}}, results[0])
	assert.Equal(t, "332833500", results[1].Data["result"])
	assert.True(t, strings.HasPrefix(results[2].Data["segment"], "psm_"), results[2].String())
	assert.NoFileExists(t, "/dev/shm/"+segment, "the probe unlinks what it created")
}

func TestPythonProbeReportsErrnoAndExitsOne(t *testing.T) {
	script := filepath.Join(pythonProbeDir, "mp_probe.py")

	out, err := exec.Command(python3(t), script, "shm-pass", "a/b", "m").Output()

	var exitErr *exec.ExitError
	require.ErrorAs(t, err, &exitErr)
	assert.Equal(t, 1, exitErr.ExitCode())
	results, parseErr := Parse(string(out))
	require.NoError(t, parseErr)
	require.Len(t, results, 1)
	assert.Equal(t, "EINVAL", results[0].Status)
	assert.Equal(t, "Invalid argument", results[0].Data["error"])
}

func TestPythonProbeUsageErrorExitsTwo(t *testing.T) {
	script := filepath.Join(pythonProbeDir, "mp_probe.py")

	out, err := exec.Command(python3(t), script, "pool").Output()

	var exitErr *exec.ExitError
	require.ErrorAs(t, err, &exitErr)
	assert.Equal(t, 2, exitErr.ExitCode())
	assert.Empty(t, string(out))
}
