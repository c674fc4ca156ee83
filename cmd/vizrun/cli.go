package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// usageError is a mistake in the command line: exit status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// errSilent ends the program with status 2 after usage was already printed
// (for -h, status 0: see exitCode).
var errSilent = errors.New("")

// errHelp is returned after -h printed a command's usage: exit status 0.
var errHelp = errors.New("help requested")

func exitCode(err error) int {
	var u *usageError
	var x *exitError
	switch {
	case errors.As(err, &x):
		return x.code
	case err == nil, errors.Is(err, errHelp):
		return 0
	case errors.As(err, &u), errors.Is(err, errSilent):
		return 2
	}
	return 1
}

// command is one subcommand.
type command struct {
	name, args, short string
	long              string
	flags             func(fs *flag.FlagSet) func(ctx context.Context, env *env, args []string) error
}

// env is what a command may touch.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	ctx            context.Context // ends on Ctrl-C; nil means never
	verbose        bool            // -v or VIZRUN_VERBOSE: errors in full
}

// context is e's context, never nil.
func (e *env) context() context.Context {
	if e.ctx == nil {
		return context.Background()
	}
	return e.ctx
}

var commands = map[string]*command{}

func register(c *command) { commands[c.name] = c }

// run is the whole program, testable in-process: main only calls it.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		printUsage(stderr)
		return errSilent
	}
	name, rest := args[0], args[1:]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(rest) == 0 {
			printUsage(stdout)
			return nil
		}
		c, ok := commands[rest[0]]
		if !ok {
			return usagef("help: unknown command %q (see 'vizrun help')", rest[0])
		}
		fs, _ := newFlagSet(c, stdout)
		fs.Usage()
		return nil
	}
	c, ok := commands[name]
	if !ok {
		return usagef("unknown command %q (see 'vizrun help')", name)
	}
	if !runsPrograms[name] {
		// Outputs give up at Ctrl-C; those of commands that run programs
		// are written after the program has dealt with it.
		e.ctx = ctx
	}
	fs, runFn := newFlagSet(c, stderr)
	if err := fs.Parse(rest); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return errSilent // the flag package already said what is wrong
	}
	if f := fs.Lookup("v"); f != nil && verboseFlag[name] && f.Value.String() == "true" {
		e.verbose = true
	}
	e.verbose = e.verbose || os.Getenv("VIZRUN_VERBOSE") != ""
	return e.oneLine(runFn(ctx, e, fs.Args()), verboseFlag[name])
}

// verboseFlag are the commands with a -v flag; the others (whose flags go
// to programs and tests too) take VIZRUN_VERBOSE=1.
var verboseFlag = map[string]bool{"report": true, "summary": true, "diff": true, "check": true, "pprof": true}

// oneLine makes err one line, as every error vizrun prints is: the rest (a
// broken trace's decoder state, many lines) is printed on stderr first when
// e.verbose is set, and the line says how to see it otherwise.
func (e *env) oneLine(err error, hasFlag bool) error {
	if err == nil {
		return nil
	}
	var d interface{ Detail() string }
	detail := ""
	if errors.As(err, &d) {
		detail = d.Detail()
	}
	msg := err.Error()
	if i := strings.IndexAny(msg, "\r\n"); i >= 0 {
		detail, msg = msg, strings.TrimSpace(msg[:i])
	}
	if detail == "" || detail == msg {
		return err
	}
	if e.verbose {
		fmt.Fprintf(e.stderr, "vizrun: the whole error:\n%s\n", strings.TrimRight(detail, "\n"))
		return &lineError{msg: msg, err: err}
	}
	how := "VIZRUN_VERBOSE=1"
	if hasFlag {
		how = "-v"
	}
	return &lineError{msg: msg + " (" + how + " shows more)", err: err}
}

// lineError is an error cut to one line; errors.As still finds the exit
// status and usage errors behind it.
type lineError struct {
	msg string
	err error
}

func (e *lineError) Error() string { return e.msg }
func (e *lineError) Unwrap() error { return e.err }

func newFlagSet(c *command, out io.Writer) (*flag.FlagSet, func(context.Context, *env, []string) error) {
	fs := flag.NewFlagSet("vizrun "+c.name, flag.ContinueOnError)
	fs.SetOutput(out)
	runFn := c.flags(fs)
	if verboseFlag[c.name] {
		fs.Bool("v", false, "when an error has more detail than its one line (a broken trace's decoder state), print it all")
	}
	fs.Usage = func() {
		fmt.Fprintf(out, "usage: vizrun %s %s\n\n%s\n", c.name, c.args, strings.TrimSpace(c.long))
		n := 0
		fs.VisitAll(func(*flag.Flag) { n++ })
		if n > 0 {
			fmt.Fprintf(out, "\nflags:\n")
			fs.PrintDefaults()
		}
	}
	return fs, runFn
}

func printUsage(w io.Writer) {
	fmt.Fprintf(w, "vizrun shows what the goroutines of a Go program did: where they ran,\nwaited and blocked, and how much parallelism the program got.\n\nusage:\n")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return commandOrder(names[i]) < commandOrder(names[j]) })
	for _, n := range names {
		c := commands[n]
		fmt.Fprintf(w, "  vizrun %-8s %-32s %s\n", c.name, c.args, c.short)
	}
	fmt.Fprintf(w, "  vizrun %-8s %-32s %s\n", "help", "[COMMAND]", "describe a command and its flags")
	fmt.Fprintf(w, "\nTRACE is a Go execution trace (runtime/trace, go test -trace, the vizrun\ntracer), or - for standard input.\n")
}

var order = []string{"run", "test", "examples", "report", "summary", "diff", "check", "pprof"}

func commandOrder(name string) int {
	for i, n := range order {
		if n == name {
			return i
		}
	}
	return len(order)
}
