# shm-e2e: end-to-end tests of snapd's private shared memory in real VMs.
# `make e2e` runs the whole suite; `make test` runs the harness's own tests and one
# real VM task. Both install what they need (as root) on a fresh Debian machine.

GO ?= go
BIN := .build/bin/shm-e2e
SYSTEMS ?= debian-12-64,debian-13-64
# stock, patched or stock,patched: which snapd the suite runs against (a column each).
SNAPD ?= stock
ARTIFACTS ?= artifacts

DEB_PACKAGES := qemu-system-x86 qemu-utils debootstrap squashfs-tools e2fsprogs \
	openssh-client openssh-server mount util-linux gcc libc6-dev ca-certificates

.PHONY: all deps build snaps checks suite-inputs images spread-images e2e list test vet unit smoke clean

all: build

# Go itself is not installed here: Debian's is too old for go.mod. Any Go from 1.21 on
# fetches the toolchain go.mod names through the module proxy.
deps:
	@command -v $(GO) >/dev/null || { echo "Go 1.21 or later is needed (go.dev/doc/install)"; \
		exit 1; }
	@missing=$$(for p in $(DEB_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null \
		| grep -q 'ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "Installing $$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	$(GO) mod download

build:
	$(GO) build -o $(BIN) ./harness/cmd/shm-e2e

snaps: build
	$(BIN) snaps

checks:
	CGO_ENABLED=0 $(GO) test -c -tags vmchecks -o .build/checks.test.tmp ./harness/checks
	mv .build/checks.test.tmp .build/checks.test

# What spread uploads into every machine: the test snaps and the checks binary.
suite-inputs: snaps checks

images: build
	$(BIN) images -system $(SYSTEMS)

# For real spread's own qemu backend (KVM hosts): ~/.spread/qemu/SYSTEM.img.
spread-images: build
	$(BIN) images -system $(SYSTEMS) -spread-links

# The whole suite on both systems, with the report; e2e builds what it needs itself.
e2e: deps build
	$(BIN) e2e -system $(SYSTEMS) -snapd $(SNAPD) -artifacts $(ARTIFACTS)

list: build
	@$(BIN) run -list

vet:
	$(GO) vet ./...
	$(GO) vet -tags vmchecks ./harness/checks
	$(GO) vet -tags vmintegration ./harness/testbed
	@test -z "$$(gofmt -l harness test-snaps)" || { gofmt -l harness test-snaps; exit 1; }

unit:
	$(GO) test ./...

# Real VMs, so that a broken main job fails `make test`: the network restriction, and
# one task of the suite.
smoke: build suite-inputs
	$(BIN) images -system debian-12-64
	$(GO) test -count=1 -tags vmintegration ./harness/testbed
	$(BIN) run -artifacts $(ARTIFACTS)/smoke qemu-local:debian-12-64:tests/main/private-dev-shm

test: deps vet unit smoke

clean:
	rm -rf .build $(ARTIFACTS)
