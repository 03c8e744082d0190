package runner

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMalformedTaskNamesFileAndLine(t *testing.T) {
	_, err := Load("testdata/malformed")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "testdata/malformed/tests/main/bad/task.yaml")
	assert.Contains(t, err.Error(), "line 3")

	_, _, err = List(Options{ProjectDir: "testdata/malformed"})
	var input *InputError
	assert.ErrorAs(t, err, &input)
}

func TestListUsesSpreadSelectors(t *testing.T) {
	t.Setenv("SHM_TEST_REMOTE", "/tmp/never-used")
	cases := []struct {
		selectors []string
		want      []string
	}{
		{[]string{"ubuntu-24.04-64:tests/env/variants"}, []string{
			"loop:ubuntu-24.04-64:tests/env/variants:one",
			"loop:ubuntu-24.04-64:tests/env/variants:two"}},
		{[]string{"tests/env/variants:two"}, []string{
			"loop:broken-1-64:tests/env/variants:two",
			"loop:debian-12-64:tests/env/variants:two",
			"loop:ubuntu-24.04-64:tests/env/variants:two"}},
		{[]string{"debian-...:tests/order/"}, []string{
			"loop:debian-12-64:tests/order/a", "loop:debian-12-64:tests/order/b"}},
		{[]string{"tests/failing/"}, []string{"loop:ubuntu-24.04-64:tests/failing/prep"}},
		{[]string{"tests/manual/"}, []string{
			"loop:broken-1-64:tests/manual/only", "loop:debian-12-64:tests/manual/only",
			"loop:ubuntu-24.04-64:tests/manual/only"}},
		{[]string{"loop:ubuntu-24.04-64:tests/order/a"}, []string{
			"loop:ubuntu-24.04-64:tests/order/a"}},
	}
	for _, c := range cases {
		names, _, err := List(Options{ProjectDir: "testdata/basic", Selectors: c.selectors})
		require.NoError(t, err, c.selectors)
		assert.Equal(t, c.want, names, c.selectors)
	}
}

func TestManualTaskIsNotListedUnlessNamed(t *testing.T) {
	t.Setenv("SHM_TEST_REMOTE", "/tmp/never-used")
	names, warnings, err := List(Options{ProjectDir: "testdata/basic"})
	require.NoError(t, err)
	assert.Len(t, names, 29)
	for _, name := range names {
		assert.NotContains(t, name, "manual")
	}
	assert.Len(t, warnings, 1)
}

func TestSelectorsMatchWholeParts(t *testing.T) {
	s, err := NewSelector([]string{"ubuntu"})
	require.NoError(t, err)
	assert.False(t, s.Match("qemu:ubuntu-24.04-64:tests/main/a"))
	s, err = NewSelector([]string{"qemu:"})
	require.NoError(t, err)
	assert.True(t, s.Match("qemu:ubuntu-24.04-64:tests/main/a"))
	assert.False(t, s.Match("loop:ubuntu-24.04-64:tests/main/qemu"))
}

func TestVariantValueWinsOverPlainValue(t *testing.T) {
	env := NewEnv("A", "plain", "A/x", "for-x", "B/y", "for-y")
	x := env.forVariant("x")
	assert.Equal(t, []string{"A"}, x.Keys())
	assert.Equal(t, "for-x", x.Get("A"))
	assert.Equal(t, "plain", env.forVariant("y").Get("A"))
}

func TestResolveNamesDeltasAndGlobs(t *testing.T) {
	names, err := resolveNames("systems",
		nameList{"backend", []string{"ubuntu-22.04-64", "ubuntu-24.04-64", "debian-12-64"}},
		nameList{"suite", []string{"-ubuntu-2*"}},
		nameList{"task", []string{"+ubuntu-24.04-64"}})
	require.NoError(t, err)
	assert.Equal(t, []string{"debian-12-64", "ubuntu-24.04-64"}, names)

	_, err = resolveNames("systems", nameList{"backend", []string{"a-1"}},
		nameList{"suite", []string{"a-1", "-a-1"}})
	assert.ErrorContains(t, err, "both in delta and plain format")
}
