// Package runner runs spread projects (spread.yaml plus suite/task/task.yaml) without
// spread itself, so that the same files drive real spread in snapd's CI and this harness
// where spread cannot be installed.
//
// It follows spread's semantics: jobs are named backend:system:suite/task[:variant],
// selectors use spread's filter rules, prepare/restore run at project, backend, suite and
// task level in spread's order, environments cascade with $(HOST:...) evaluated on the
// host and VAR/variant keys creating variants, and scripts run on the machine under
// "bash -eu" with set -x, cd into the task directory, the environment exported and the
// MATCH, NOMATCH, ERROR and REBOOT helpers defined. Only adhoc backends are supported:
// their allocate and discard scripts run on the host with the ADDRESS, ERROR and FATAL
// helpers. REBOOT fails the script with a message saying it is unsupported.
//
// Machines are reached with the OpenSSH client using a private key (Options.SSHKey),
// with connection multiplexing because handshakes into emulated VMs are slow.
//
// # Artifacts
//
// With Options.Artifacts set, each job keeps what it printed, stage by stage, in
//
//	<artifacts>/<backend>:<system>/<suite>/<task>[:variant]/output.log
//
// and the whole run is summarised in <artifacts>/junit.xml.
//
// # Serial logs
//
// An allocate script may name the machine's serial console log with the SERIAL helper,
// next to ADDRESS:
//
//	ADDRESS 127.0.0.1:5022
//	SERIAL /var/tmp/vm-1/serial.log
//
// The runner then copies what the log gained while each job ran into serial.log next to
// that job's output.log, and the whole log into <artifacts>/<backend>:<system>/ as
// serial-<address>.log when the machine is discarded. The file stays on the host; the
// runner only reads it.
package runner
