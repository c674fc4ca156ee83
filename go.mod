module github.com/vizrun/vizrun

go 1.26.0

require (
	github.com/felixge/fgprof v0.9.5
	github.com/go-echarts/go-echarts/v2 v2.6.7
	github.com/google/pprof v0.0.0-20240227163752-401108e1b7e7
	golang.org/x/exp v0.0.0-20261113113407-e3970619a1a4
	golang.org/x/sync v0.25.0
)
