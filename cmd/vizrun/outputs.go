package main

import (
	"fmt"

	"github.com/vizrun/vizrun/internal/outfile"
)

// namedPath is a file a command reads or writes, with what the command
// line calls it ("-o", "-trace", "the trace").
type namedPath struct{ what, path string }

// refuseOverlap refuses, before any work, outputs that name an input or
// another output (the same file, by os.SameFile or by absolute path with
// links resolved): writing would replace what is read, or one output the
// other.
func refuseOverlap(outs, ins []namedPath) error {
	for i, o := range outs {
		for _, in := range ins {
			if outfile.Same(o.path, in.path) {
				return usagef("%s %s would overwrite %s %s: write the output elsewhere", o.what, o.path, in.what, in.path)
			}
		}
		for _, o2 := range outs[:i] {
			if outfile.Same(o.path, o2.path) {
				return usagef("%s %s and %s %s name the same file: give each output a file of its own", o2.what, o2.path, o.what, o.path)
			}
		}
	}
	return nil
}

// tracesIn names paths as the traces a command reads.
func tracesIn(paths ...string) []namedPath {
	var ns []namedPath
	for _, p := range paths {
		ns = append(ns, namedPath{"the trace", p})
	}
	return ns
}

// withInput adds the input file of flag what (-thresholds, -budget) to ins
// when it is given.
func withInput(ins []namedPath, what, path string) []namedPath {
	if path == "" {
		return ins
	}
	return append(ins, namedPath{what + " file", path})
}

// checkOutputs says, before any work, why an output (-o, -trace) could not
// be written: a directory, a missing directory, a socket.
func checkOutputs(outs ...namedPath) error {
	for _, o := range outs {
		if o.path == "" || o.path == "-" {
			continue
		}
		if err := outfile.Check(o.path); err != nil {
			return fmt.Errorf("%s: %v", o.what, err)
		}
	}
	return nil
}
