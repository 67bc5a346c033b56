-- wrk script: POST /v1/orders at a bounded rate. Each connection waits BENCH_DELAY_MS before its
-- next request, so the rate is at most connections * 1000 / BENCH_DELAY_MS per second (the
-- achieved rate is measured and reported). Environment: BENCH_TOKEN, BENCH_BODY, BENCH_RUN,
-- BENCH_DELAY_MS. Prints ORDERS_CREATED, ORDERS_OTHER, P50_MS, P99_MS, DURATION_S.

local threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  token = os.getenv("BENCH_TOKEN")
  body = os.getenv("BENCH_BODY")
  run = os.getenv("BENCH_RUN") or "run"
  pause = tonumber(os.getenv("BENCH_DELAY_MS") or "50")
  created = 0
  other = 0
end

function delay()
  return pause
end

function request()
  counter = counter + 1
  local headers = {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
    ["Idempotency-Key"] = string.format("e2e-%s-%d-%d", run, tid, counter),
  }
  return wrk.format("POST", "/v1/orders", headers, body)
end

function response(status, headers, resp_body)
  if status == 201 then
    created = created + 1
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local c, o = 0, 0
  for _, t in ipairs(threads) do
    c = c + t:get("created")
    o = o + t:get("other")
  end
  io.write(string.format("ORDERS_CREATED %d\n", c))
  io.write(string.format("ORDERS_OTHER %d\n", o))
  io.write(string.format("P50_MS %.3f\n", latency:percentile(50) / 1000.0))
  io.write(string.format("P99_MS %.3f\n", latency:percentile(99) / 1000.0))
  io.write(string.format("DURATION_S %.3f\n", summary.duration / 1e6))
end
