package runner

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"gopkg.in/yaml.v3"

	"shm-e2e/harness/progress"
)

const allocateAttempts = 3

// obtainMachine reuses a kept machine or allocates one, connects, and sends the
// project. On failure the system's jobs are left to other workers or aborted.
func (w *worker) obtainMachine(ctx context.Context) bool {
	m, err := w.reuseOrAllocate(ctx)
	if err == nil {
		err = w.connectAndSend(ctx, m)
	}
	if err != nil {
		w.r.reportAllocationFailure(w.system, err)
		w.r.workerLost(w.system, "allocate", err.Error())
		return false
	}
	w.m = m
	return true
}

func (w *worker) reuseOrAllocate(ctx context.Context) (*machine, error) {
	if m := w.r.reuse.take(w.r.project, w.system); m != nil {
		progress.Printf("Reusing %s at %s...", m, m.address)
		return m, nil
	}

	var err error
	for attempt := 1; attempt <= allocateAttempts && ctx.Err() == nil; attempt++ {
		done := progress.Step("Allocating %s:%s", w.backend.Name, w.system.Name)
		var m *machine
		m, err = adhocAllocate(ctx, w.r.project, w.backend, w.system)
		done(err)
		if err == nil {
			w.r.reuse.add(m)
			return m, nil
		}
		var fatal *fatalError
		if errors.As(err, &fatal) {
			break
		}
		sleep(ctx, 5*time.Second)
	}
	if err == nil {
		err = ctx.Err() // cancelled before any attempt
	}
	return nil, err
}

func (w *worker) connectAndSend(ctx context.Context, m *machine) error {
	done := progress.Step("Connecting to %s at %s", m, m.address)
	err := m.connect(ctx, w.r.opts.SSHKey, w.r.opts.ConnectTimeout)
	done(err)
	if err == nil {
		err = w.sendProject(ctx, m)
	}
	if err != nil {
		w.discard(context.WithoutCancel(ctx), m)
	}
	return err
}

func (w *worker) sendProject(ctx context.Context, m *machine) error {
	if m.reused && m.hasProject(ctx, w.r.project.RemotePath) {
		progress.Printf("Reusing project data on %s...", m)
		return nil
	}
	done := progress.Step("Sending project content to %s", m)
	err := m.send(ctx, w.r.packed, w.r.project.RemotePath)
	done(err)
	return err
}

// releaseMachine keeps the machine with -reuse and discards it otherwise.
func (w *worker) releaseMachine(ctx context.Context) {
	if w.r.opts.Reuse {
		progress.Printf("Keeping %s at %s", w.m, w.m.address)
		w.m.ssh.close()
		return
	}
	cleanup, cancel := cleanupContext(ctx)
	defer cancel()
	w.discard(cleanup, w.m)
}

func (w *worker) discard(ctx context.Context, m *machine) {
	w.keepWholeSerial(m)
	if m.ssh != nil {
		m.ssh.close()
	}
	done := progress.Step("Discarding %s", m)
	done(adhocDiscard(ctx, w.r.project, m))
	w.r.reuse.remove(m)
}

func (w *worker) keepWholeSerial(m *machine) {
	if m.serial == "" {
		return
	}
	dest := filepath.Join(w.r.opts.Artifacts, m.String(), "serial-"+m.address+".log")
	err := os.MkdirAll(filepath.Dir(dest), 0o755)
	if err == nil {
		err = copyRange(m.serial, dest, 0, fileSize(m.serial))
	}
	if err != nil {
		progress.Printf("Cannot keep serial log of %s: %v", m, err)
	}
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

func (r *run) reportAllocationFailure(system *System, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.allocFailed == nil {
		r.allocFailed = map[*System]bool{}
	}
	if !r.allocFailed[system] {
		r.allocFailed[system] = true
		progress.Printf("Cannot allocate %s:%s: %v", system.Backend, system.Name, err)
	}
}

func (r *run) abendSet() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.abend
}

// reuseFileName keeps machines between -reuse runs. It is not spread's reuse file,
// whose format differs, so the two never read each other's.
const reuseFileName = ".shm-e2e-reuse.yaml"

type reusedMachine struct {
	Backend string `yaml:"backend"`
	System  string `yaml:"system"`
	Address string `yaml:"address"`
	Serial  string `yaml:"serial,omitempty"`
	inUse   bool
}

// reuseFile tracks machines kept with -reuse; it is only written when reusing.
type reuseFile struct {
	mu       sync.Mutex
	path     string
	enabled  bool
	machines []*reusedMachine
}

func openReuse(p *Project, enabled bool) *reuseFile {
	f := &reuseFile{path: filepath.Join(p.Path, reuseFileName), enabled: enabled}
	if data, err := os.ReadFile(f.path); err == nil {
		if err := yaml.Unmarshal(data, &f.machines); err != nil {
			progress.Printf("WARNING: cannot read %s: %v", f.path, err)
		}
	}
	return f
}

func (f *reuseFile) take(p *Project, system *System) *machine {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.enabled {
		return nil
	}
	for _, kept := range f.machines {
		if kept.Backend == system.Backend && kept.System == system.Name && !kept.inUse {
			kept.inUse = true
			return &machine{backend: p.Backends[kept.Backend], system: system,
				address: kept.Address, serial: kept.Serial, reused: true}
		}
	}
	return nil
}

func (f *reuseFile) add(m *machine) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.machines = append(f.machines, &reusedMachine{Backend: m.backend.Name,
		System: m.system.Name, Address: m.address, Serial: m.serial, inUse: true})
	f.save()
}

func (f *reuseFile) remove(m *machine) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, kept := range f.machines {
		if kept.Address == m.address && kept.System == m.system.Name {
			f.machines = append(f.machines[:i], f.machines[i+1:]...)
			break
		}
	}
	f.save()
}

func (f *reuseFile) save() {
	if !f.enabled {
		return
	}
	if len(f.machines) == 0 {
		os.Remove(f.path)
		return
	}
	data, _ := yaml.Marshal(f.machines)
	if err := os.WriteFile(f.path, data, 0o644); err != nil {
		progress.Printf("WARNING: cannot write %s: %v", f.path, err)
	}
}

// discardReused discards every machine an earlier -reuse run kept.
func discardReused(ctx context.Context, p *Project) error {
	f := openReuse(p, true)
	var failed error
	for _, kept := range append([]*reusedMachine(nil), f.machines...) {
		m, err := keptMachine(p, kept)
		if err == nil {
			done := progress.Step("Discarding %s at %s", m, m.address)
			err = adhocDiscard(ctx, p, m)
			done(err)
		}
		if err != nil {
			failed = err
			continue
		}
		f.remove(m)
	}
	return failed
}

func keptMachine(p *Project, kept *reusedMachine) (*machine, error) {
	backend := p.Backends[kept.Backend]
	if backend == nil {
		return nil, fmt.Errorf("cannot discard %s: backend %q is gone", kept.Address, kept.Backend)
	}
	for _, system := range backend.Systems {
		if system.Name == kept.System {
			return &machine{backend: backend, system: system, address: kept.Address}, nil
		}
	}
	return nil, fmt.Errorf("cannot discard %s: system %q is gone", kept.Address, kept.System)
}
