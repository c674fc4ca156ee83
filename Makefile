# The two commands of the README:
#   make demo   run every example with tracing; reports and an index in out/examples/
#   make test   install what the tests need, then vet and test everything
GO ?= go

.PHONY: demo test vet build

demo:
	$(GO) run ./cmd/vizrun examples -o out/examples
	@echo "open out/examples/index.html in a browser"

test: vet
	$(GO) test -race -count=1 ./...

vet:
	$(GO) vet ./...

build:
	$(GO) build -o vizrun ./cmd/vizrun
