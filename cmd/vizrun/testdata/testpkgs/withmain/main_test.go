package withmain

import (
	"fmt"
	"os"
	"testing"
)

var setUp bool

func TestMain(m *testing.M) {
	setUp = true
	code := m.Run()
	fmt.Println("own TestMain done")
	os.Exit(code)
}

func TestSetUp(t *testing.T) {
	if !setUp {
		t.Fatal("the package's TestMain did not run")
	}
}
