module github.com/vizrun/vizrun/scripts/corpus

go 1.26.0

// The live-capture and wall-clock workloads use the vizrun tracer of this
// checkout; the truth program does not import vizrun.
replace github.com/vizrun/vizrun => ../..

require (
	github.com/google/pprof v0.0.0-20240227163752-401108e1b7e7
	github.com/vizrun/vizrun v0.0.0
	golang.org/x/exp v0.0.0-20261113113407-e3970619a1a4
	golang.org/x/time v0.16.0
)

require (
	github.com/felixge/fgprof v0.9.5 // indirect
	github.com/go-echarts/go-echarts/v2 v2.6.7 // indirect
)
