package lxd

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"shm-e2e/harness/filelock"
	"shm-e2e/harness/progress"
)

// ImportImage makes the container image known to LXD under its alias, once: imports
// of the same alias wait for each other.
func (h Host) ImportImage(ctx context.Context, c *ContainerImage) error {
	if err := os.MkdirAll(h.Dir, 0o755); err != nil {
		return err
	}
	unlock, err := filelock.Lock(filepath.Join(h.Dir, ".import-"+c.Alias+".lock"))
	if err != nil {
		return err
	}
	defer unlock()
	if _, err := lxc(ctx, "image", "info", c.Alias); err == nil {
		return nil
	}
	done := progress.Step("Importing container image %s into LXD", c.Alias)
	_, err = lxc(ctx, "image", "import", c.MetadataTar(), c.RootfsTar(), "--alias", c.Alias)
	done(err)
	return err
}

// Cleanup removes everything of the harness's from LXD: its containers, its imported
// images, its profile and its storage pool, then stops the daemon if the harness
// started it. The container images stay in the cache, like the VM images.
func (h Host) Cleanup(ctx context.Context) error {
	if !daemonReady(ctx, 1) {
		return nil
	}
	var errs []string
	note := func(err error) {
		if err != nil {
			errs = append(errs, err.Error())
		}
	}
	note(h.deleteContainers(ctx))
	note(deleteImages(ctx))
	if _, err := lxc(ctx, "profile", "show", Profile); err == nil {
		_, err = lxc(ctx, "profile", "delete", Profile)
		note(err)
	}
	if _, err := lxc(ctx, "storage", "show", Pool); err == nil {
		_, err = lxc(ctx, "storage", "delete", Pool)
		note(err)
	}
	note(h.StopDaemon(ctx))
	if len(errs) > 0 {
		return fmt.Errorf("cannot clean up LXD: %s", strings.Join(errs, "; "))
	}
	return nil
}

func (h Host) deleteContainers(ctx context.Context) error {
	out, err := lxc(ctx, "list", "--format", "csv", "--columns", "n")
	if err != nil {
		return err
	}
	for _, name := range strings.Fields(out) {
		if strings.HasPrefix(name, Prefix+"-") {
			if _, err := lxc(ctx, "delete", "--force", name); err != nil {
				return err
			}
		}
	}
	os.RemoveAll(h.machinesDir())
	return nil
}

// deleteImages deletes the images with one of our aliases (and only those).
func deleteImages(ctx context.Context) error {
	out, err := lxc(ctx, "image", "list", "--format", "json")
	if err != nil {
		return err
	}
	var list []struct {
		Fingerprint string `json:"fingerprint"`
		Aliases     []struct {
			Name string `json:"name"`
		} `json:"aliases"`
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		return fmt.Errorf("cannot parse lxc image list: %w", err)
	}
	for _, img := range list {
		for _, alias := range img.Aliases {
			if strings.HasPrefix(alias.Name, Prefix+"-") {
				if _, err := lxc(ctx, "image", "delete", img.Fingerprint); err != nil {
					return err
				}
				break
			}
		}
	}
	return nil
}
