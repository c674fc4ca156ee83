module github.com/vizrun/vizrun

go 1.26.0

require golang.org/x/exp v0.0.0-20261113113407-e3970619a1a4

require github.com/go-echarts/go-echarts/v2 v2.6.7 // indirect
