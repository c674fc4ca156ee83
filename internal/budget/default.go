package budget

// DefaultJSON is the budget vizrun check applies when given none, so that
// a first CI step is one line: no goroutine the runtime proved leaked, no
// leaked goroutine blocked at the end for 100 ms or more (one that blocked
// just before the trace ended may be on its way out), and no critical
// finding. BUDGET.md shows it; a test keeps the two the same.
const DefaultJSON = `{
  "max_proven_leaks": 0,
  "max_leaked_goroutines": 0,
  "max_findings": { "critical": 0 },
  "thresholds": { "leak_min_blocked": "100ms" }
}`

// Default returns the default budget (DefaultJSON).
func Default() *Budget {
	b, err := Parse([]byte(DefaultJSON))
	if err != nil {
		panic("budget: the default budget does not parse: " + err.Error())
	}
	return b
}
