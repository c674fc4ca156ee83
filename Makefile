# The two commands of the README:
#   make demo   trace a real program and write its HTML report to out/
#   make test   install what the tests need, then vet and test everything
GO ?= go

.PHONY: demo test vet build

demo:
	@mkdir -p out
	$(GO) run ./internal/workload/gentrace -o out/demo.trace
	$(GO) run ./cmd/vizrun report -o out/demo.html out/demo.trace
	$(GO) run ./cmd/vizrun summary out/demo.trace
	@echo "open out/demo.html in a browser"

test: vet
	$(GO) test -race -count=1 ./...

vet:
	$(GO) vet ./...

build:
	$(GO) build -o vizrun ./cmd/vizrun
