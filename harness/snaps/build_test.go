package snaps

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"shm-e2e/harness/progress"
)

// fakeProbe is a tiny cgo program in its own module, built with the same static
// flags as the real probe but in a second or two.
var fakeProbe = map[string]string{
	"probe/go.mod":  "module fakeprobe\n\ngo 1.25\n",
	"probe/main.go": cgoMain("42"),
}

// cgoMain is a probe whose C part returns answer, which may be made not to compile.
func cgoMain(answer string) string {
	return "package main\n\n// int answer(void) { return " + answer + "; }\n" +
		"import \"C\"\n\nfunc main() { _ = C.answer() }\n"
}

func snapYAML(name string) string {
	return "name: " + name + "\nversion: \"1\"\nbase: shm-base\n"
}

func sourcesWith(t *testing.T, extra map[string]string) string {
	files := map[string]string{}
	for path, content := range fakeProbe {
		files[path] = content
	}
	for path, content := range extra {
		files[path] = content
	}
	return writeTree(t, files)
}

func captureProgress(t *testing.T) *bytes.Buffer {
	var buf bytes.Buffer
	progress.SetOutput(&buf)
	t.Cleanup(func() { progress.SetOutput(os.Stderr) })
	return &buf
}

func modTime(t *testing.T, path string) int64 {
	info, err := os.Stat(path)
	require.NoError(t, err)
	return info.ModTime().UnixNano()
}

func TestBuildAllPacksEverySnapWithProbe(t *testing.T) {
	requireSquashfsTools(t)
	src := sourcesWith(t, map[string]string{
		"snap-one/meta/snap.yaml": snapYAML("snap-one"),
		"snap-two/meta/snap.yaml": snapYAML("snap-two"),
		"snap-two/bin/helper.sh":  "#!/bin/sh\n",
		"README.md":               "not a snap",
	})
	out := t.TempDir()
	captureProgress(t)

	built, err := BuildAll(Options{SrcDir: src, OutDir: out})

	require.NoError(t, err)
	assert.Equal(t, []Built{
		{Name: "snap-one", Path: filepath.Join(out, "snap-one.snap")},
		{Name: "snap-two", Path: filepath.Join(out, "snap-two.snap")},
	}, built)
	listing := listSquashfs(t, built[1].Path)
	assert.Regexp(t, `-rwxr-xr-x root/root .* squashfs-root/bin/probe\n`, listing)
	assert.Contains(t, listing, "squashfs-root/bin/helper.sh")
	assert.Contains(t, listing, "squashfs-root/meta/snap.yaml")
	assert.NotContains(t, dirEntries(t, out), "probe.snap")
}

func TestSecondBuildIsANoOpUntilASourceChanges(t *testing.T) {
	requireSquashfsTools(t)
	src := sourcesWith(t, map[string]string{
		"snap-one/meta/snap.yaml": snapYAML("snap-one"),
		"snap-two/meta/snap.yaml": snapYAML("snap-two"),
	})
	out := t.TempDir()
	log := captureProgress(t)
	_, err := BuildAll(Options{SrcDir: src, OutDir: out})
	require.NoError(t, err)
	oneBefore := modTime(t, filepath.Join(out, "snap-one.snap"))
	twoBefore := modTime(t, filepath.Join(out, "snap-two.snap"))

	log.Reset()
	again, err := BuildAll(Options{SrcDir: src, OutDir: out})

	require.NoError(t, err)
	assert.True(t, again[0].Cached && again[1].Cached, "%v", again)
	assert.Contains(t, log.String(), "All 2 snaps are up to date")
	assert.NotContains(t, log.String(), "Building snap")
	assert.Equal(t, oneBefore, modTime(t, filepath.Join(out, "snap-one.snap")))

	extra := filepath.Join(src, "snap-two", "extra.txt")
	require.NoError(t, os.WriteFile(extra, []byte("x"), 0o644))
	log.Reset()
	third, err := BuildAll(Options{SrcDir: src, OutDir: out})

	require.NoError(t, err)
	assert.True(t, third[0].Cached)
	assert.False(t, third[1].Cached)
	assert.Contains(t, log.String(), "Building snap snap-two done")
	assert.NotEqual(t, twoBefore, modTime(t, filepath.Join(out, "snap-two.snap")))
	assert.Contains(t, listSquashfs(t, third[1].Path), "squashfs-root/extra.txt")
}

func TestBuildAllRejectsUnparsableSnapYAMLWithLine(t *testing.T) {
	src := sourcesWith(t, map[string]string{
		"good/meta/snap.yaml":   snapYAML("good"),
		"broken/meta/snap.yaml": "name: broken\nversion: \"1\"\nplugs: [a\n  b: c\n",
	})
	out := t.TempDir()

	_, err := BuildAll(Options{SrcDir: src, OutDir: out})

	require.Error(t, err)
	yamlPath := filepath.Join(src, "broken", "meta", "snap.yaml")
	assert.Regexp(t, `^cannot build snap broken: `+yamlPath+`:\d+: `, err.Error())
	assert.Empty(t, dirEntries(t, out), "nothing is built when any snap.yaml is bad")
}

func TestBuildAllRejectsMissingSnapYAML(t *testing.T) {
	src := sourcesWith(t, map[string]string{"empty/bin/x.sh": "#!/bin/sh\n"})

	_, err := BuildAll(Options{SrcDir: src, OutDir: t.TempDir()})

	require.Error(t, err)
	assert.Contains(t, err.Error(), "cannot build snap empty: ")
	assert.Contains(t, err.Error(), filepath.Join("empty", "meta", "snap.yaml")+": missing")
}

func TestBuildAllChecksNameAndVersion(t *testing.T) {
	cases := map[string]string{
		"name: other\nversion: \"1\"\n": `:1: name "other" does not match directory "wrong"`,
		"version: \"1\"\n":              `:1: missing name`,
		"name: wrong\n":                 `:1: missing version`,
		"name: wrong\nversion: [1]\n":   `:2: version must be a non-empty string`,
		"- a list\n":                    `:1: top level is not a mapping`,
	}
	for content, want := range cases {
		src := sourcesWith(t, map[string]string{"wrong/meta/snap.yaml": content})

		_, err := BuildAll(Options{SrcDir: src, OutDir: t.TempDir()})

		require.Error(t, err, content)
		assert.Contains(t, err.Error(), want, content)
	}
}

func TestBuildAllMissingSourceDir(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nowhere")

	_, err := BuildAll(Options{SrcDir: missing, OutDir: t.TempDir()})

	require.Error(t, err)
	assert.Contains(t, err.Error(), "cannot list snap sources")
	assert.Contains(t, err.Error(), missing)
}

func TestFailedProbeBuildShowsCompilerOutput(t *testing.T) {
	src := writeTree(t, map[string]string{
		"probe/go.mod":       "module fakeprobe\n\ngo 1.25\n",
		"probe/main.go":      cgoMain("nope"),
		"one/meta/snap.yaml": snapYAML("one"),
	})
	out := t.TempDir()
	captureProgress(t)

	_, err := BuildAll(Options{SrcDir: src, OutDir: out})

	require.Error(t, err)
	assert.Contains(t, err.Error(), "cannot build probe from "+filepath.Join(src, "probe"))
	assert.Contains(t, err.Error(), "nope", "the compiler's complaint is shown")
	assert.NoFileExists(t, filepath.Join(out, "one.snap"))
}

func TestProbeInSourcesIsRefused(t *testing.T) {
	requireSquashfsTools(t)
	src := sourcesWith(t, map[string]string{
		"one/meta/snap.yaml": snapYAML("one"),
		"one/bin/probe":      "stale",
	})
	out := t.TempDir()
	captureProgress(t)

	_, err := BuildAll(Options{SrcDir: src, OutDir: out})

	stray := filepath.Join(src, "one", "bin", "probe")
	assert.ErrorContains(t, err, "cannot build snap one: "+stray+": exists in the sources")
	assert.NoFileExists(t, filepath.Join(out, "one.snap"))
}
