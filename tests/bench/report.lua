-- Shared by chat.lua and miss.lua: one machine-readable summary line per wrk run.
--
--   BENCH requests=N duration_us=N rps=F p50_us=N p90_us=N p99_us=N max_us=N
--         wrk_p50_us=N wrk_p90_us=N wrk_p99_us=N errors=N hit=N miss=N other=N
--
-- p50/p90/p99/max_us: plain latency percentiles, measured here (BENCH_LAT=1, one connection per
-- thread only; otherwise they repeat wrk's). wrk_*: wrk's own percentiles, which wrk "corrects"
-- for coordinated omission before done() runs: every sample longer than twice the mean interval
-- adds synthetic samples, so one scheduler stall of a few ms on a 2-core machine adds hundreds of
-- fake samples when answers take ~10 µs, and its p90/p99 (even p50) at one connection are then
-- mostly invented. Here, with a single connection, the time between two request() calls is the
-- previous request's round trip plus one event-loop turn of wrk (~1 µs), measured with
-- clock_gettime(CLOCK_MONOTONIC) through LuaJIT's FFI.
--
-- hit/miss/other count answers by X-Cachette or X-Cache-Status when the script has a response()
-- hook. That hook makes wrk build a Lua table of every answer's headers (client CPU on a 2-core
-- machine), so chat.lua installs it only when BENCH_COUNT=1.

local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
  int clock_gettime(int clock_id, bench_timespec *tp);
]]

local M = {}

local threads = {}
local timing = os.getenv("BENCH_LAT") == "1"

function M.setup(thread)
   thread:set("tid", #threads + 1)
   table.insert(threads, thread)
end

-- Per thread: histogram of request-to-request intervals in whole µs.
local ts = ffi.new("bench_timespec")
local last = nil
local skip = 2   -- the first intervals include connecting and wrk's own start-up check
hist = {}

local function now_us()
   ffi.C.clock_gettime(1, ts)   -- CLOCK_MONOTONIC
   return tonumber(ts.tv_sec) * 1000000 + tonumber(ts.tv_nsec) / 1000
end

-- Call at the start of every request() (only meaningful with one connection per thread).
function M.tick()
   if not timing then return end
   local t = now_us()
   if last then
      if skip > 0 then
         skip = skip - 1
      else
         local us = math.floor(t - last + 0.5)
         hist[us] = (hist[us] or 0) + 1
      end
   end
   last = t
end

-- Classifies an answer by Cachette's X-Cachette or nginx's X-Cache-Status header.
function M.classify(headers)
   for name, value in pairs(headers) do
      local n = string.lower(name)
      if n == "x-cachette" or n == "x-cache-status" then
         local v = string.lower(value)
         if v == "hit" then return "hit" end
         if v == "miss" then return "miss" end
         return "other"
      end
   end
   return "other"
end

function M.count(headers)
   local key = "n_" .. M.classify(headers)
   wrk.thread:set(key, (wrk.thread:get(key) or 0) + 1)
end

local function percentiles(merged, total, ps)
   local values = {}
   for us in pairs(merged) do values[#values + 1] = us end
   table.sort(values)
   local out, i, seen = {}, 1, 0
   for _, us in ipairs(values) do
      seen = seen + merged[us]
      while i <= #ps and seen >= math.floor(ps[i] / 100 * total + 0.5) do
         out[i] = us
         i = i + 1
      end
   end
   while i <= #ps do out[i] = values[#values] or 0; i = i + 1 end
   return out, values[#values] or 0
end

function M.done(summary, latency, requests)
   local hit, miss, other = 0, 0, 0
   local merged, total = {}, 0
   for _, t in ipairs(threads) do
      hit = hit + (t:get("n_hit") or 0)
      miss = miss + (t:get("n_miss") or 0)
      other = other + (t:get("n_other") or 0)
      for us, n in pairs(t:get("hist") or {}) do
         merged[us] = (merged[us] or 0) + n
         total = total + n
      end
   end
   local w50, w90, w99 = latency:percentile(50), latency:percentile(90), latency:percentile(99)
   local p, max
   if timing and total > 0 then
      p, max = percentiles(merged, total, {50, 90, 99})
   else
      p, max = {w50, w90, w99}, latency.max
   end
   local e = summary.errors
   local errors = e.connect + e.read + e.write + e.status + e.timeout
   io.write(string.format(
      "BENCH requests=%d duration_us=%d rps=%.1f p50_us=%d p90_us=%d p99_us=%d max_us=%d "
         .. "wrk_p50_us=%d wrk_p90_us=%d wrk_p99_us=%d errors=%d hit=%d miss=%d other=%d timed=%d\n",
      summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
      p[1], p[2], p[3], max, w50, w90, w99, errors, hit, miss, other, total))
end

return M
