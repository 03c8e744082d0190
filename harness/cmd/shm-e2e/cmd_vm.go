package main

import (
	"context"
	"fmt"
	"os/signal"
	"syscall"

	"shm-e2e/harness/testbed"
)

func init() {
	register("allocate", "start a VM of SYSTEM; prints ADDRESS 127.0.0.1:PORT (spread adhoc)",
		runAllocate)
	register("discard", "stop the VM at ADDRESS and remove its disk (spread adhoc)", runDiscard)
	register("machines", "list the running VMs", runMachines)
}

// runAllocate speaks spread's adhoc protocol: its output is meant for eval in an
// allocate script, where ADDRESS and FATAL are spread's helpers.
func runAllocate(args []string) error {
	if len(args) != 1 {
		return usageError{fmt.Errorf("usage: shm-e2e allocate SYSTEM")}
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	tb, err := testbed.Open()
	if err == nil {
		m, allocErr := tb.Allocate(ctx, args[0])
		if allocErr == nil {
			fmt.Printf("ADDRESS %s\n", m.Address())
			// SERIAL is the harness runner's helper for keeping the console log per
			// task; real spread has none, so the line only calls it where it exists.
			fmt.Printf("if declare -F SERIAL >/dev/null; then SERIAL %q; fi\n", m.SerialLog)
			return nil
		}
		err = allocErr
	}
	fmt.Printf("FATAL %q\n", err.Error())
	return err
}

func runDiscard(args []string) error {
	if len(args) != 1 {
		return usageError{fmt.Errorf("usage: shm-e2e discard ADDRESS")}
	}
	tb, err := testbed.Open()
	if err != nil {
		return err
	}
	m, err := tb.StopOnlyLauncher().Find(args[0])
	if err != nil {
		return err
	}
	return m.Stop()
}

func runMachines(args []string) error {
	tb, err := testbed.Open()
	if err != nil {
		return err
	}
	for _, m := range tb.StopOnlyLauncher().List() {
		fmt.Printf("%s\t%s\tpid %d\t%s\tserial %s\n", m.Address(), m.System, m.PID, m.Accel,
			m.SerialLog)
	}
	return nil
}
