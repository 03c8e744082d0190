package lxd

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"shm-e2e/harness/images"
)

func TestPreseedKeepsEverythingOnTheMachine(t *testing.T) {
	var doc map[string]any
	require.NoError(t, yaml.Unmarshal([]byte(NewPreseed().YAML()), &doc))
	config := doc["config"].(map[string]any)
	assert.Equal(t, ClosedProxy, config["core.proxy_http"])
	assert.Equal(t, ClosedProxy, config["core.proxy_https"])
	assert.Equal(t, "0", config["images.auto_update_interval"])
	assert.Equal(t, []any{}, doc["networks"], "no managed network")
	profile := doc["profiles"].([]any)[0].(map[string]any)
	assert.Equal(t, Profile, profile["name"])
	devices := profile["devices"].(map[string]any)
	assert.Len(t, devices, 1, "a root disk and no network device")
	assert.Equal(t, "disk", devices["root"].(map[string]any)["type"])
}

func TestDaemonStartsWithProxiesAtTheClosedPort(t *testing.T) {
	env := strings.Join(daemonEnv(), " ")
	for _, name := range []string{"http_proxy", "https_proxy", "HTTPS_PROXY"} {
		assert.Contains(t, env, name+"="+ClosedProxy)
	}
	assert.True(t, strings.HasPrefix(ClosedProxy, "http://127.0.0.1:"))
}

func TestLaunchIsEphemeralWithSSHOnLoopbackOnly(t *testing.T) {
	args := LaunchArgs("alias", "shm-e2e-debian-12-64-4000", 4000)
	require.Len(t, args, 3)
	assert.Equal(t, []string{"init", "alias", "shm-e2e-debian-12-64-4000", "--ephemeral",
		"--profile", Profile}, args[0])
	assert.Contains(t, args[1], "listen=tcp:127.0.0.1:4000")
	assert.Contains(t, args[1], "connect=tcp:127.0.0.1:22")
	assert.Equal(t, []string{"start", "shm-e2e-debian-12-64-4000"}, args[2])
	assert.Equal(t, "shm-e2e-debian-12-64-4000", ContainerName("debian-12-64", 4000))
}

func TestImageKeyFollowsItsInputs(t *testing.T) {
	sys := images.Systems["debian-12-64"]
	in := ImageInputs{System: sys.Name, Suite: sys.Suite, VMKey: "a", Metadata: metadataYAML(sys)}
	same := in
	assert.Equal(t, in.Key(), same.Key(), "the same inputs give the same key")
	other := in
	other.VMKey = "b"
	assert.NotEqual(t, in.Key(), other.Key(), "a rebuilt VM image makes a new entry")
	assert.True(t, strings.HasPrefix(in.Alias(), "shm-e2e-debian-12-64-"))
	assert.Contains(t, metadataYAML(sys), "release: bookworm")
}

func TestFindImageIgnoresUnfinishedBuilds(t *testing.T) {
	h := Host{Dir: t.TempDir()}
	in := ImageInputs{System: "debian-12-64", VMKey: "a"}
	c, err := h.FindImage(in)
	require.NoError(t, err)
	assert.Nil(t, c, "no manifest, no entry")
	build := h.imagesDir(in.System) + "/.build-x"
	require.NoError(t, os.MkdirAll(build, 0o755))
	_, err = h.commitImage(build, &ContainerImage{System: in.System, Key: in.Key()})
	require.NoError(t, err)
	c, err = h.FindImage(in)
	require.NoError(t, err)
	require.NotNil(t, c)
	assert.Equal(t, in.Key(), c.Key)
}

func TestBumpReportSaysWhichCPUsWereBehind(t *testing.T) {
	got := describeBumps("6.18.44", 100, []cpuBump{
		{CPU: 0, First: 15, Last: 101, Unshares: 87}, {CPU: 1, First: 120, Last: 120,
			Unshares: 1}})
	assert.Equal(t, "kernel 6.18.44: raised 2 CPUs' next mount namespace id above the "+
		"container's 100 (behind: cpu0 at 15; 88 namespaces made)", got)
}
