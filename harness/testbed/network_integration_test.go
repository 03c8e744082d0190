//go:build vmintegration

package testbed_test

import (
	"context"
	"net"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"shm-e2e/harness/testbed"
	"shm-e2e/harness/vms"
)

// TestVMReachesNothingButItsSSHPort proves the VM's network restriction on a real
// machine: a listener on the host's loopback is in plain reach of an unrestricted
// guest (as 10.0.2.2), yet the guest's connection must fail and the listener must see
// nothing. Needs a built debian-12-64 image.
func TestVMReachesNothingButItsSSHPort(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	tb, err := testbed.Open()
	require.NoError(t, err)
	m, err := tb.Allocate(ctx, "debian-12-64")
	require.NoError(t, err, "allocating a debian-12-64 VM (build it with shm-e2e images)")
	defer m.Stop()

	listener, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer listener.Close()
	var accepted atomic.Int32
	go func() {
		for {
			conn, err := listener.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			conn.Close()
		}
	}()
	port := strconv.Itoa(listener.Addr().(*net.TCPAddr).Port)

	ssh := vms.SSH{Key: tb.Key, Port: m.Port}
	out, err := ssh.Run(ctx, "timeout 10 bash -c 'echo > /dev/tcp/10.0.2.2/"+port+
		"' && echo CONNECTED || echo BLOCKED")
	require.NoError(t, err)
	require.Contains(t, out, "BLOCKED", "the guest reached the host's loopback:\n%s", out)
	require.Zero(t, accepted.Load(), "the host's listener saw a connection from the guest")
}
