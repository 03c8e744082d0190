package snaps

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
)

// The cache key of a snap lives in NAME.snap.key beside it. It is written after the
// snap, so a key never vouches for a snap that was not completely built.

func cacheKey(srcDir string, probe probeBinary) (string, error) {
	treeHash, err := hashTree(srcDir)
	if err != nil {
		return "", err
	}
	packing := strings.Join(packFlags, " ")
	material := fmt.Sprintf("%s\x00%s\x00%s\x00%s", cacheFormat, packing, treeHash, probe.hash)
	sum := sha256.Sum256([]byte(material))
	return hex.EncodeToString(sum[:]), nil
}

func keyPath(outFile string) string {
	return outFile + ".key"
}

func isCached(outFile, key string) bool {
	stored, err := os.ReadFile(keyPath(outFile))
	if err != nil || strings.TrimSpace(string(stored)) != key {
		return false
	}
	_, err = os.Stat(outFile)
	return err == nil
}

func writeKey(outFile, key string) error {
	tmp, err := reserveTempBeside(keyPath(outFile))
	if err != nil {
		return err
	}
	if err := os.WriteFile(tmp, []byte(key+"\n"), 0o644); err != nil {
		os.Remove(tmp)
		return err
	}
	return publish(tmp, keyPath(outFile))
}
