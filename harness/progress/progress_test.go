package progress

import (
	"bytes"
	"errors"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestStepSaysWhatAndHowLong(t *testing.T) {
	var out bytes.Buffer
	SetOutput(&out)
	defer SetOutput(os.Stderr)

	Step("Building %s", "debian-12-64")(nil)
	Step("Booting %s", "debian-13-64")(errors.New("SSH did not answer"))

	assert.Regexp(t, `^\d\d:\d\d:\d\d Building debian-12-64\.\.\.\n`+
		`\d\d:\d\d:\d\d Building debian-12-64 done \(\d+(\.\d)?m?s\)\n`+
		`\d\d:\d\d:\d\d Booting debian-13-64\.\.\.\n`+
		`\d\d:\d\d:\d\d Booting debian-13-64 failed after \d+(\.\d)?m?s\n$`, out.String())
	assert.NotContains(t, out.String(), "SSH did not answer",
		"the cause is the returned error's to say, once")
}
