package xonly_test

import (
	"os"
	"testing"
)

func TestMain(m *testing.M) { os.Exit(m.Run()) }

func TestOnlyExternal(t *testing.T) {}
