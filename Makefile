# rt: `make` builds ./rt, `make test` runs every test, `make bench` compares
# rt with runc and crun.
GO ?= go
BATS ?= bats
BATS_JOBS ?= 1

.PHONY: all rt deps test unit integration fuzz demo bench clean

all: rt

# Static, and without urfave/cli's man-page generator: every container
# start runs this binary twice, so dynamic loading and package init count.
GO_TAGS ?= urfave_cli_no_docs,netgo,osusergo
GO_LDFLAGS ?= -s -w -linkmode external -extldflags -static

rt:
	$(GO) build -trimpath -tags '$(GO_TAGS)' -ldflags '$(GO_LDFLAGS)' -o rt .

# Debian packages the build and the tests need (run as root).
deps:
	./scripts/install-deps.sh

unit:
	$(GO) vet ./...
	$(GO) test ./libct/...

# Short fuzz runs of the parsers and the config validator.
fuzz:
	./scripts/fuzz.sh 5s

integration: rt
	$(BATS) --timing tests/integration

test: unit fuzz integration

# Installs the dependencies, builds rt, makes a busybox bundle in ./demo
# and runs it.
demo:
	./scripts/demo.sh

bench: rt
	./bench/bench.sh

clean:
	rm -rf rt demo bench/out
