package names_test

import (
	. "testing"
)

// A dot import of testing, in the external test package.
func TestExternal(t *T) {
	t.Run("sub", func(t *T) {})
}
