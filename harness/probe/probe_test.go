package probe

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFormatPlainResult(t *testing.T) {
	line := Format(Result{Op: "shm-read", Name: "foo", Status: StatusOK,
		Data: map[string]string{"marker": "m1", "bytes": "4096"}})

	assert.Equal(t, "RESULT op=shm-read name=foo status=ok bytes=4096 marker=m1", line)
}

func TestFormatEscapesSeparatorsAndPercent(t *testing.T) {
	line := Format(Result{Op: "shm-create", Name: "a b=c%d\n", Status: "EACCES"})

	assert.Equal(t, "RESULT op=shm-create name=a%20b%3Dc%25d%0A status=EACCES", line)
}

func TestRoundTripTrickyNames(t *testing.T) {
	names := []string{
		"foo",
		".org.chromium.Chromium.XXXXXX",
		"snap.shm-private-a.seg",
		"sem.snap.shm-private-a_key.sem1",
		"fastrtps_port7411",
		"fastrtps_0f1e2d3c4b5a69788796a5b4",
		"/dev/shm/snap.x/dir",
		"with space",
		"equals=sign",
		"per%cent",
		"tab\tnewline\nquote\"",
		"ünïcödé",
		"\xff\x00raw",
		"",
	}
	for _, name := range names {
		original := Result{Op: "op", Name: name, Status: StatusOK,
			Data: map[string]string{"marker": name}}

		parsed, err := Parse(Format(original) + "\n")

		require.NoError(t, err, "name %q", name)
		require.Len(t, parsed, 1)
		assert.Equal(t, original, parsed[0], "name %q", name)
	}
}

func TestRoundTripWithoutDataHasNilData(t *testing.T) {
	parsed, err := Parse(Format(Result{Op: "sem-unlink", Name: "s", Status: "ENOENT"}))

	require.NoError(t, err)
	assert.Equal(t, []Result{{Op: "sem-unlink", Name: "s", Status: "ENOENT"}}, parsed)
}

func TestParseSkipsOtherLinesAndKeepsOrder(t *testing.T) {
	output := "starting\nRESULT op=a name=1 status=ok\r\nnoise RESULT op=x\n" +
		"RESULTS are coming\nRESULT op=b name=2 status=EPERM error=Operation%20not%20permitted\n"

	parsed, err := Parse(output)

	require.NoError(t, err)
	require.Len(t, parsed, 2)
	assert.Equal(t, "a", parsed[0].Op)
	assert.True(t, parsed[0].OK())
	assert.Equal(t, "b", parsed[1].Op)
	assert.False(t, parsed[1].OK())
	assert.Equal(t, "Operation not permitted", parsed[1].Data["error"])
}

func TestParseRejectsMalformedLines(t *testing.T) {
	bad := map[string]string{
		"too few fields":    "RESULT op=a name=b",
		"missing equals":    "RESULT op=a name=b status",
		"wrong order":       "RESULT name=b op=a status=ok",
		"repeated fixed":    "RESULT op=a name=b status=ok op=c",
		"repeated data key": "RESULT op=a name=b status=ok k=1 k=2",
		"raw space":         "RESULT op=a name=b  status=ok",
		"bad escape":        "RESULT op=a name=%G1 status=ok",
		"lower-case escape": "RESULT op=a name=%2f status=ok",
		"truncated escape":  "RESULT op=a name=ab%2 status=ok",
		"unescaped byte":    "RESULT op=a name=a\"b status=ok",
		"bare prefix":       "RESULT",
	}
	for why, line := range bad {
		_, err := Parse("ok line\n" + line + "\n")

		assert.Error(t, err, why)
		if err != nil {
			assert.Contains(t, err.Error(), "line 2", why)
		}
	}
}

func TestListSplitsOnSlash(t *testing.T) {
	r := Result{Data: map[string]string{"entries": "a/.b c/snap.x", "none": ""}}

	assert.Equal(t, []string{"a", ".b c", "snap.x"}, r.List("entries"))
	assert.Nil(t, r.List("none"))
	assert.Nil(t, r.List("missing"))
}

func TestStringIsTheFormattedLine(t *testing.T) {
	r := Result{Op: "stat", Name: "/dev/shm", Status: StatusOK}

	assert.True(t, strings.HasPrefix(r.String(), "RESULT op=stat name=/dev/shm"))
}
