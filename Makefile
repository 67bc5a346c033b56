# The two commands a newcomer needs: `make run` and `make test`. Everything installs what is missing.
SHELL := /bin/bash
JOBS ?= $(shell nproc)
LISTEN ?= 127.0.0.1:8080
DATA_DIR ?= $(CURDIR)/data

.PHONY: deps configure build run test test-asan bench bench-functions-crash bench-dispatch bench-mdrp bench-pdptw bench-forecast bench-staffing clean format

deps:
	@scripts/install-deps.sh

configure: deps
	@cmake --preset release >/dev/null

build: configure
	@cmake --build --preset release -j $(JOBS)

SPEEDUP ?= 10

# The demo server and, in the background, `hotpath simulate` keeping the city alive (docs/simulate.md).
run: build
	@scripts/run-demo.sh build/bin/hotpath $(LISTEN) $(DATA_DIR) $(SPEEDUP) --config config/alarms.example.toml

test: build
	@cd build && ctest --output-on-failure -j $(JOBS) --timeout 600

test-asan: deps
	@cmake --preset asan >/dev/null
	@cmake --build --preset asan -j $(JOBS)
	@cd build-asan && ctest --output-on-failure -j $(JOBS) --timeout 900

# Load benchmark of the platform against nginx (SQLite, then PostgreSQL + replica against pgbench:
# bench/postgres/run.py; cached reads with Redis against nginx and redis-benchmark:
# bench/redis/run.py), HAProxy and the CDN cache (bench/cluster/run.py), the dispatch epoch
# timings, the embedded log, the end-to-end order.placed -> notify webhook latency, then
# real-time tracking against redis GEOADD/GEOSEARCH (bench/tracking/run.sh).
bench: build
	@bench/run.sh
	@bench/postgres/run.py
	@bench/redis/run.py
	@bench/cluster/run.py
	@build/bin/dispatch_epoch_benchmark
	@bench/events/run.sh
	@bench/functions/run.sh
	@bench/tracking/run.sh

# The functions crash test at the issue's full size (5,000 orders, SIGKILL 5 times; several minutes).
bench-functions-crash: build
	bench/functions/crash.sh

# The long optimisation and forecasting benchmarks (tens of minutes each); see BENCHMARKS.md.
bench-mdrp: build
	build/bin/hotpath mdrp bench $(wildcard ../shared/data/mdrp/public_instances/*) --out build/mdrp-bench
bench-pdptw: build
	PDPTW_BIN=build/bin/hotpath-pdptw bench/pdptw/run.sh
bench-forecast: build
	bench/forecast/run.sh
# The staffing planner replayed on the 120 s1 MDRP days (a few minutes; docs/forecast.md).
# bench/staffing/tune.py reproduces the tuning grid on days 0-2.
bench-staffing: build
	bench/staffing/run.sh

format:
	@find src tests bench -name '*.cpp' -o -name '*.h' | xargs clang-format -i

clean:
	rm -rf build build-*
