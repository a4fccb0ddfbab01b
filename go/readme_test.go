// SPDX-License-Identifier: GPL-2.0-or-later

package nfqueue_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The README's Go example builds as written, against this package.
func TestReadmeExampleBuilds(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Skipf("no README beside the package (not a checkout): %v", err)
	}
	text := string(readme)
	start := strings.Index(text, "\n## Go\n")
	if start < 0 {
		t.Fatal("the README has no Go section")
	}
	section := text[start+1:]
	if end := strings.Index(section, "\n## "); end >= 0 {
		section = section[:end]
	}
	blocks := regexp.MustCompile("(?s)```go\n(.*?)```").FindAllStringSubmatch(section, -1)
	if len(blocks) == 0 {
		t.Fatal("the README's Go section has no Go example")
	}
	pkgDir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command on PATH to build the example with: %v", err)
	}
	for i, block := range blocks {
		dir := t.TempDir()
		files := map[string]string{
			"main.go": block[1],
			"go.mod": "module example.com/readme\n\ngo 1.24\n\nrequire github.com/nfqueue/nfqueue/go v0.0.0\n\n" +
				"replace github.com/nfqueue/nfqueue/go => " + pkgDir + "\n",
		}
		for name, content := range files {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		cmd := exec.Command(goTool, "vet", ".")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod -buildvcs=false", "GOTOOLCHAIN=local", "GOPROXY=off")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("README Go example %d does not build: %v\n%s", i+1, err, out)
		}
	}
}
