package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"shm-e2e/harness/images"
	"shm-e2e/harness/testbed"
	"shm-e2e/harness/vms"
)

func init() {
	register("bench", "print image build, boot-to-SSH and allocation times per system",
		runBench)
}

// benchFigures are one system's timings; zero means not measured.
type benchFigures struct {
	system          string
	accel           vms.Accel
	cold, warm      time.Duration
	boot, allocated time.Duration
}

func runBench(args []string) error {
	flags := flag.NewFlagSet("bench", flag.ContinueOnError)
	systems := flags.String("system", strings.Join(images.SystemNames(), ","), "systems")
	cold := flags.Bool("cold", false, "also rebuild each image from scratch (minutes)")
	if err := flags.Parse(args); err != nil {
		return usageError{err}
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	tb, err := testbed.Open()
	if err != nil {
		return err
	}

	var rows []benchFigures
	for _, system := range strings.Split(*systems, ",") {
		figures, err := benchSystem(ctx, tb, system, *cold)
		if err != nil {
			return err
		}
		rows = append(rows, figures)
	}
	printBench(rows)
	return nil
}

func benchSystem(ctx context.Context, tb *testbed.Testbed, system string,
	cold bool) (benchFigures, error) {
	figures := benchFigures{system: system}
	sys, err := images.Lookup(system)
	if err != nil {
		return figures, err
	}
	if cold {
		start := time.Now()
		builder := images.Builder{Cache: tb.Cache, Force: true}
		if _, err := builder.Build(ctx, tb.Inputs(sys)); err != nil {
			return figures, err
		}
		figures.cold = time.Since(start)
	}
	start := time.Now()
	img, err := tb.BuildAndBake(ctx, system)
	if err != nil {
		return figures, err
	}
	figures.warm = time.Since(start)

	launcher, err := tb.Launcher(ctx, img)
	if err != nil {
		return figures, err
	}
	figures.accel = launcher.Accel
	if figures.boot, err = timeStart(ctx, launcher, img.Spec()); err != nil {
		return figures, err
	}
	if spec, ok := img.ReadySpec(launcher.Accel); ok {
		figures.allocated, err = timeStart(ctx, launcher, spec)
	}
	return figures, err
}

// timeStart measures a machine's start up to SSH answering, then stops it.
func timeStart(ctx context.Context, launcher vms.Launcher, spec vms.Spec) (time.Duration, error) {
	start := time.Now()
	m, err := launcher.Start(ctx, spec)
	if err != nil {
		return 0, err
	}
	took := time.Since(start)
	return took, m.Stop()
}

func printBench(rows []benchFigures) {
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "system\taccel\tbuild cold\tbuild warm (+bake)\tboot to SSH\tallocation")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.system, r.accel, seconds(r.cold),
			seconds(r.warm), seconds(r.boot), seconds(r.allocated))
	}
	tw.Flush()
}

func seconds(d time.Duration) string {
	if d == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f s", d.Seconds())
}
