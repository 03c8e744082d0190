// Package checks holds the suite's assertions. They run inside the test VMs, not on the
// host: `make checks` builds them with `go test -c -tags vmchecks` into
// .build/checks.test, spread uploads it with the project, and each task under
// tests/main runs the checks of its behaviour through tests/lib/check. The build tag
// keeps a host's `go test ./...` from running checks that need a VM with snapd.
//
// A check asserts what the design of private shared memory asks for, whatever the
// snapd version; where a version is known to fall short, tests/known-gaps.yaml says so
// and the report marks it, but the check still fails.
package checks
