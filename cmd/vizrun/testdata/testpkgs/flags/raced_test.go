//go:build race

package flags

func init() { raced = true }
