package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// vizrun test lists the files it writes into its output directory in a
// manifest there, and the next vizrun test into that directory removes
// them (and only them) first: traces of packages that failed last time but
// were not run this time do not stay behind for vizrun check to fail on.

// manifestName is the manifest's file name in the output directory.
const manifestName = ".vizrun-test.json"

// ManifestSchema names the manifest's layout.
const ManifestSchema = "vizrun.test-manifest/v1"

type testManifest struct {
	Schema string   `json:"schema"`
	Files  []string `json:"files"` // names in the directory
}

// writeManifest writes the manifest of the files results wrote into
// outDir, and index.html. It is written after each package, so that an
// interrupted run's files are listed too.
func writeManifest(e *env, outDir string, results []testResult) error {
	m := testManifest{Schema: ManifestSchema, Files: []string{"index.html"}}
	for _, r := range results {
		m.Files = append(m.Files, r.files...)
	}
	return writeGenerated(e, filepath.Join(outDir, manifestName), func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(m)
	})
}

// removePrevious removes the files the manifest in outDir lists, then the
// manifest. It removes nothing else: a name that is not a plain .html or
// .trace file name of the directory, or that is there as a directory or
// anything but a file or a link, is left alone. A missing manifest means
// nothing to remove; one that cannot be read is said, and nothing removed.
func removePrevious(e *env, outDir string) error {
	mp := filepath.Join(outDir, manifestName)
	data, err := os.ReadFile(mp)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	var m testManifest
	if err == nil {
		err = json.Unmarshal(data, &m)
		if err == nil && m.Schema != ManifestSchema {
			err = fmt.Errorf("schema %q, want %q", m.Schema, ManifestSchema)
		}
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "vizrun: warning: %s: %v; the previous results in %s are left as they are\n", mp, unwrapPath(err), outDir)
		return nil
	}
	for _, name := range m.Files {
		if !generatedName(name) {
			continue
		}
		p := filepath.Join(outDir, name)
		st, err := os.Lstat(p)
		if err != nil || !(st.Mode().IsRegular() || st.Mode()&fs.ModeSymlink != 0) {
			continue
		}
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("cannot remove the previous %s: %v", p, unwrapPath(err))
		}
	}
	if err := os.Remove(mp); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("cannot remove %s: %v", mp, unwrapPath(err))
	}
	return nil
}

// generatedName reports whether name is one vizrun test could have given a
// file it wrote: a plain file name ending in .html or .trace.
func generatedName(name string) bool {
	return name != "" && filepath.Base(name) == name && !strings.ContainsAny(name, `/\`) &&
		name != "." && name != ".." && !strings.HasPrefix(name, ".") &&
		(strings.HasSuffix(name, ".html") || strings.HasSuffix(name, ".trace"))
}
