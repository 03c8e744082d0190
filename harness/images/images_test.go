package images

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func testInputs() Inputs {
	return Inputs{System: Systems["debian-12-64"], Mirror: "http://mirror.invalid/debian",
		Packages: Packages, SSHPubKey: "ssh-ed25519 AAAA test"}
}

func TestKeyChangesWithEveryInput(t *testing.T) {
	base := testInputs()
	variants := map[string]Inputs{}
	suite := base
	suite.System = Systems["debian-13-64"]
	variants["suite"] = suite
	mirror := base
	mirror.Mirror = "http://other.invalid/debian"
	variants["mirror"] = mirror
	pkgs := base
	pkgs.Packages = append(append([]string{}, Packages...), "strace")
	variants["packages"] = pkgs
	key := base
	key.SSHPubKey = "ssh-ed25519 BBBB other"
	variants["ssh key"] = key

	assert.Equal(t, base.Key(), testInputs().Key(), "same inputs, same key")
	for name, in := range variants {
		assert.NotEqual(t, base.Key(), in.Key(), "changing the %s must change the key", name)
	}
}

func TestFindIgnoresIncompleteEntries(t *testing.T) {
	cache := Cache{Dir: t.TempDir()}
	in := testInputs()

	// A build that died leaves a directory without a manifest.
	dir := cache.entryDir(in.System.Name, in.Key())
	require.NoError(t, os.MkdirAll(dir, 0o755))
	img, err := cache.Find(in)
	require.NoError(t, err)
	assert.Nil(t, img, "an entry without a manifest is not complete")

	build := filepath.Join(cache.Dir, "images", in.System.Name, ".build-x")
	require.NoError(t, os.MkdirAll(build, 0o755))
	require.NoError(t, cache.commit(build, &Image{System: in.System.Name, Key: in.Key(),
		Snapd: "2.57.6"}))
	img, err = cache.Find(in)
	require.NoError(t, err)
	require.NotNil(t, img)
	assert.Equal(t, "2.57.6", img.Snapd)
	assert.Equal(t, dir, img.Dir)
	assert.NoDirExists(t, build)
}

func TestMasterBootRecordHasOneBootablePartition(t *testing.T) {
	mbr := masterBootRecord(diskSize)

	require.Len(t, mbr, 512)
	assert.Equal(t, []byte{0x55, 0xaa}, mbr[510:])
	entry := mbr[446:462]
	assert.EqualValues(t, 0x80, entry[0], "bootable flag")
	assert.EqualValues(t, 0x83, entry[4], "Linux partition type")
	assert.EqualValues(t, 2048, binary.LittleEndian.Uint32(entry[8:]), "first sector")
	assert.EqualValues(t, diskSize/512-2048, binary.LittleEndian.Uint32(entry[12:]))
	assert.Equal(t, make([]byte, 48), mbr[462:510], "other partition entries are empty")
}

func TestRootUUIDIsStableAndWellFormed(t *testing.T) {
	id := rootUUID("abc")
	assert.Equal(t, id, rootUUID("abc"))
	assert.NotEqual(t, id, rootUUID("abd"))
	assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, id)
}

func TestKernelArgsEnableAppArmorAndSerialConsole(t *testing.T) {
	args := kernelArgs("1234")
	assert.Contains(t, args, "root=UUID=1234")
	assert.Contains(t, args, "apparmor=1 security=apparmor")
	assert.Contains(t, args, "console=ttyS0")
}

func TestDebianURIReadsBothSourceFormats(t *testing.T) {
	dir := t.TempDir()
	deb822 := filepath.Join(dir, "debian.sources")
	require.NoError(t, os.WriteFile(deb822, []byte(
		"Types: deb\nURIs: http://mirror.invalid/debian-security\nSuites: x\n\n"+
			"Types: deb\nURIs: http://mirror.invalid/debian/\nSuites: bookworm\n"), 0o644))
	oneLine := filepath.Join(dir, "sources.list")
	require.NoError(t, os.WriteFile(oneLine, []byte(
		"deb [arch=amd64] http://other.invalid/debian bookworm main\n"), 0o644))
	foreign := filepath.Join(dir, "foreign.list")
	require.NoError(t, os.WriteFile(foreign, []byte("deb http://x.invalid/apt stable main\n"),
		0o644))

	assert.Equal(t, "http://mirror.invalid/debian", debianURI(deb822))
	assert.Equal(t, "http://other.invalid/debian", debianURI(oneLine))
	assert.Equal(t, "", debianURI(foreign))
}

func TestBaseSnapKeepsMountPointsOfExcludedDirectories(t *testing.T) {
	assert.True(t, excluded("usr/lib/modules"))
	assert.True(t, excluded("usr/share/doc/x"))
	assert.False(t, excluded("usr/lib/snapd"))
	assert.Contains(t, baseMountPoints, "usr/lib/modules",
		"snap-confine mounts the host's modules there")
}

func TestLookupNamesKnownSystems(t *testing.T) {
	_, err := Lookup("debian-99-64")
	assert.ErrorContains(t, err, "debian-12-64")
	sys, err := Lookup("debian-13-64")
	require.NoError(t, err)
	assert.Equal(t, "trixie", sys.Suite)
}
