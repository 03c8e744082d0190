package main

import (
	"context"
	"fmt"
	"os/signal"
	"syscall"
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

	address, err := allocate(ctx, args[0])
	if err != nil {
		fmt.Printf("FATAL %q\n", err.Error())
		return err
	}
	fmt.Printf("ADDRESS %s\n", address)
	return nil
}

func allocate(ctx context.Context, system string) (string, error) {
	h, err := newHost()
	if err != nil {
		return "", err
	}
	img, err := h.image(ctx, system, false)
	if err != nil {
		return "", err
	}
	launcher, err := h.launcher(ctx, img)
	if err != nil {
		return "", err
	}
	spec, ready := img.ReadySpec(launcher.Accel)
	if !ready {
		spec = img.Spec()
	}
	m, err := launcher.Start(ctx, spec)
	if err != nil {
		return "", err
	}
	return m.Address(), nil
}

func runDiscard(args []string) error {
	if len(args) != 1 {
		return usageError{fmt.Errorf("usage: shm-e2e discard ADDRESS")}
	}
	h, err := newHost()
	if err != nil {
		return err
	}
	launcher := vmsLauncher(h)
	m, err := launcher.Find(args[0])
	if err != nil {
		return err
	}
	return m.Stop()
}

func runMachines(args []string) error {
	h, err := newHost()
	if err != nil {
		return err
	}
	for _, m := range vmsLauncher(h).List() {
		fmt.Printf("%s\t%s\tpid %d\t%s\tserial %s\n", m.Address(), m.System, m.PID, m.Accel,
			m.SerialLog)
	}
	return nil
}
