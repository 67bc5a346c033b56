# The two commands a newcomer needs: `make run` and `make test`. Everything installs what is missing.
SHELL := /bin/bash
JOBS ?= $(shell nproc)
LISTEN ?= 127.0.0.1:8080
DATA_DIR ?= $(CURDIR)/data

.PHONY: deps configure build run test test-asan bench clean format

deps:
	@scripts/install-deps.sh

configure: deps
	@cmake --preset release >/dev/null

build: configure
	@cmake --build --preset release -j $(JOBS)

run: build
	build/bin/hotpath serve --demo --listen $(LISTEN) --data-dir $(DATA_DIR)

test: build
	@cd build && ctest --output-on-failure -j $(JOBS) --timeout 600

test-asan: deps
	@cmake --preset asan >/dev/null
	@cmake --build --preset asan -j $(JOBS)
	@cd build-asan && ctest --output-on-failure -j $(JOBS) --timeout 900

bench: build
	@bench/run.sh

format:
	@find src tests bench -name '*.cpp' -o -name '*.h' | xargs clang-format -i

clean:
	rm -rf build build-*
