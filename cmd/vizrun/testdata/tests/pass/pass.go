package pass

// Double doubles.
func Double(x int) int { return 2 * x }
