package filelock

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLockWaitsForTheHolder(t *testing.T) {
	path := filepath.Join(t.TempDir(), ".lock")
	unlock, err := Lock(path)
	require.NoError(t, err)

	got := make(chan struct{})
	go func() {
		second, err := Lock(path)
		if err == nil {
			second()
		}
		close(got)
	}()
	select {
	case <-got:
		t.Fatal("a second Lock returned while the first was held")
	case <-time.After(100 * time.Millisecond):
	}
	unlock()
	select {
	case <-got:
	case <-time.After(5 * time.Second):
		t.Fatal("the second Lock did not get the lock after unlock")
	}
}

func TestLockNamesAFileItCannotOpen(t *testing.T) {
	_, err := Lock("/nonexistent-dir/.lock")
	assert.ErrorContains(t, err, "cannot open lock /nonexistent-dir/.lock")
}
