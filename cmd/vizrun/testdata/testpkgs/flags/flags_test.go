package flags

import (
	"fmt"
	"testing"
)

// Set by files built only with -tags vizruntag, or with -race.
var tagged, raced bool

func TestFlags(t *testing.T) { fmt.Printf("tagged %v, race %v\n", tagged, raced) }
