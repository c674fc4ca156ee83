package main

import (
	"flag"
	"fmt"
	"slices"
	"strings"
)

// The go command's build flags, which vizrun run and vizrun test take as
// go run and go test do and pass to go build and go list in the order
// given. -overlay is vizrun's own (it is how the tracing is added), and
// -o, -C and -n do not apply.
var (
	goBoolBuildFlags  = []string{"a", "asan", "cover", "linkshared", "modcacherw", "msan", "race", "trimpath", "work", "x"}
	goValueBuildFlags = []string{"asmflags", "buildmode", "buildvcs", "compiler", "covermode", "coverpkg", "gccgoflags",
		"gcflags", "installsuffix", "ldflags", "mod", "modfile", "p", "pgo", "pkgdir", "tags", "toolexec"}
)

// buildFlags collects the build flags of one command line, in order.
type buildFlags struct {
	args []string
}

type buildFlag struct {
	b    *buildFlags
	name string
	bool bool
}

func (f *buildFlag) String() string   { return "" }
func (f *buildFlag) IsBoolFlag() bool { return f.bool }
func (f *buildFlag) Set(v string) error {
	f.b.args = append(f.b.args, "-"+f.name+"="+v)
	return nil
}

// addBuildFlags registers the go command's build flags on fs.
func addBuildFlags(fs *flag.FlagSet) *buildFlags {
	b := &buildFlags{}
	for _, n := range goBoolBuildFlags {
		fs.Var(&buildFlag{b: b, name: n, bool: true}, n, "go build flag")
	}
	for _, n := range goValueBuildFlags {
		fs.Var(&buildFlag{b: b, name: n}, n, "go build flag (`value`)")
	}
	fs.Func("overlay", "not available: vizrun adds its tracing with an overlay of its own", func(string) error {
		return fmt.Errorf("vizrun builds with an overlay of its own; -overlay cannot be combined with it")
	})
	return b
}

// isBuildFlag reports whether name is one of the build flags, and whether
// it takes no value.
func isBuildFlag(name string) (ok, isBool bool) {
	if slices.Contains(goBoolBuildFlags, name) {
		return true, true
	}
	return slices.Contains(goValueBuildFlags, name), false
}

// splitBuildFlags takes the build flags out of go test flags (as
// vizrun test ./x -- -race -run TestX gives them): go test takes both
// kinds in one list.
func splitBuildFlags(flags []string) (build, rest []string, err error) {
	for i := 0; i < len(flags); i++ {
		f := flags[i]
		if !strings.HasPrefix(f, "-") || f == "-" || f == "--" {
			rest = append(rest, f)
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(f, "-"), "=")
		if name == "overlay" {
			return nil, nil, usagef("vizrun builds with an overlay of its own; -overlay cannot be combined with it")
		}
		ok, isBool := isBuildFlag(name)
		if !ok {
			rest = append(rest, f)
			continue
		}
		switch {
		case hasValue:
			build = append(build, "-"+name+"="+value)
		case isBool:
			build = append(build, "-"+name)
		case i+1 < len(flags):
			i++
			build = append(build, "-"+name+"="+flags[i])
		default:
			return nil, nil, usagef("flag needs an argument: -%s", name)
		}
	}
	return build, rest, nil
}
