package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/vizrun/vizrun/internal/findings"
	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/internal/summary"
)

// Many traces at once (summary, check and report of a directory, a glob or
// several files): they are read in parallel, one model per CPU at a time,
// and each model is dropped once what the command keeps of it is taken.

// traceExts are the file names a directory's traces end with.
var traceExts = []string{".trace", ".trace.gz"}

// expandTraces turns arguments into trace files: a directory gives the
// traces it holds (not those of its subdirectories), a pattern with * ? or
// [ the files it matches (when no file has that very name), and a file
// itself. many reports whether the arguments name a set of traces rather
// than one file.
func expandTraces(args []string) (paths []string, many bool, err error) {
	many = len(args) > 1
	seen := map[string]bool{}
	add := func(p string) {
		if !seen[p] {
			seen[p] = true
			paths = append(paths, p)
		}
	}
	for _, a := range args {
		if a == "-" {
			add(a)
			continue
		}
		st, statErr := os.Stat(a)
		switch {
		case statErr == nil && st.IsDir():
			many = true
			ents, err := os.ReadDir(a)
			if err != nil {
				return nil, false, cleanPathError(err)
			}
			var found []string
			for _, ent := range ents {
				if !ent.IsDir() && hasTraceExt(ent.Name()) {
					found = append(found, filepath.Join(a, ent.Name()))
				}
			}
			if len(found) == 0 {
				return nil, false, fmt.Errorf("%s holds no trace files (%s)", a, strings.Join(traceExts, ", "))
			}
			slices.Sort(found)
			for _, p := range found {
				add(p)
			}
		case statErr == nil:
			add(a)
		case strings.ContainsAny(a, "*?["):
			many = true
			m, err := filepath.Glob(a)
			if err != nil {
				return nil, false, usagef("bad pattern %q: %v", a, err)
			}
			var found []string
			for _, p := range m {
				if st, err := os.Stat(p); err == nil && !st.IsDir() {
					found = append(found, p)
				}
			}
			if len(found) == 0 {
				return nil, false, fmt.Errorf("no file matches %s", a)
			}
			slices.Sort(found)
			for _, p := range found {
				add(p)
			}
		default:
			return nil, false, cleanPathError(statErr)
		}
	}
	return paths, many, nil
}

func hasTraceExt(name string) bool {
	for _, x := range traceExts {
		if strings.HasSuffix(name, x) {
			return true
		}
	}
	return false
}

// traceResult is one trace read by readEach.
type traceResult struct {
	i    int
	path string
	t    *parse.Trace     // nil when err is set
	s    *summary.Summary // likewise
	err  error
}

// readEach reads the traces at paths, as many at once as there are CPUs,
// and calls fn for each on the goroutine that read it, with its model and
// summary: fn's keep what they need of them (a row, a report written), so
// that at most one model per CPU is in memory. Unreadable traces come to
// fn with err set. It returns when every trace has been seen, or the
// context is cancelled (it then says so).
func readEach(ctx context.Context, e *env, paths []string, th findings.Thresholds, fn func(r *traceResult)) error {
	workers := min(runtime.GOMAXPROCS(0), len(paths))
	jobs := make(chan int)
	quiet := &env{stdin: e.stdin, stdout: io.Discard, stderr: io.Discard, ctx: e.ctx, verbose: e.verbose}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var stopped error // what the first read the interruption ended said
	done := 0
	start, last := time.Now(), time.Now()
	every := max(5*time.Second, progressEvery(e.stderr))
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				r := &traceResult{i: i, path: paths[i]}
				// One decoder per trace: the traces already keep the CPUs busy.
				r.t, r.err = loadTraceWith(ctx, quiet, paths[i], parse.Options{Decoders: 1})
				if r.err == nil {
					r.s = summary.BuildWith(r.t, paths[i], th)
				}
				if ctx.Err() != nil {
					mu.Lock()
					if stopped == nil && r.err != nil {
						stopped = r.err
					}
					mu.Unlock()
					return
				}
				fn(r)
				mu.Lock()
				done++
				if now := time.Now(); now.Sub(start) > 2*time.Second && now.Sub(last) > every && done < len(paths) {
					last = now
					fmt.Fprintf(e.stderr, "read %d of %d trace%s\n", done, len(paths), plural(len(paths)))
				}
				mu.Unlock()
			}
		}()
	}
feed:
	for i := range paths {
		select {
		case jobs <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if ctx.Err() != nil {
		if stopped != nil {
			return stopped
		}
		return errors.New("interrupted while reading the traces")
	}
	return nil
}

// fleetRows reads the traces at paths into one row each, in order.
func fleetRows(ctx context.Context, e *env, paths []string, th findings.Thresholds) ([]summary.Row, error) {
	rows := make([]summary.Row, len(paths))
	var mu sync.Mutex
	err := readEach(ctx, e, paths, th, func(r *traceResult) {
		row := summary.Row{Source: r.path}
		if r.err != nil {
			row.Error = strings.TrimPrefix(r.err.Error(), r.path+": ")
		} else {
			row = summary.RowOf(r.s, r.t)
			for _, w := range r.t.Warnings {
				mu.Lock()
				fmt.Fprintf(e.stderr, "%s: warning: %s\n", r.path, w)
				mu.Unlock()
			}
		}
		rows[r.i] = row
	})
	return rows, err
}

// unreadable is the error of a command that read many traces and could
// not read some: everything else was printed.
func unreadable(n, of int) error {
	return &exitError{code: 1, msg: fmt.Sprintf("%d of %d trace%s could not be read", n, of, plural(of))}
}
