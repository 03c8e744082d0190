package runner

import (
	"context"
	"testing"
	"time"
)

// BenchmarkOverheadPerTask runs the two trivial ordering tasks and reports the time
// per task spent outside the tasks' own scripts (ssh round trips, logging, packing).
func BenchmarkOverheadPerTask(b *testing.B) {
	server := requireSSHD(b)
	tmp := b.TempDir()
	b.Setenv("SHM_TEST_TRACE", tmp+"/trace")
	b.Setenv("SHM_TEST_SERIAL", tmp+"/serial")
	b.Setenv("SHM_TEST_REMOTE", tmp+"/remote")
	b.Setenv("SHM_TEST_PORT", itoa(server.port))

	var overhead time.Duration
	for i := 0; i < b.N; i++ {
		result, err := Run(context.Background(), Options{
			ProjectDir: "testdata/basic", Selectors: []string{"ubuntu-24.04-64:tests/order/"},
			SSHKey: server.key, Artifacts: b.TempDir(),
		})
		if err != nil {
			b.Fatal(err)
		}
		overhead += result.Overhead()
	}
	b.ReportMetric(float64(overhead.Milliseconds())/float64(b.N), "overhead-ms/task")
}
