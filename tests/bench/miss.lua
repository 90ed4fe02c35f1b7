-- wrk script: every request is new (a counter in the user message), so every answer is a real miss
-- that goes to the provider. Counts X-Cachette: miss answers, so the run can prove it.
--   BENCH_LAT=1 wrk -t1 -c1 -d10s -s tests/bench/miss.lua URL -- NONCE
-- NONCE keeps runs apart: Cachette stores every miss, so a later run must not repeat a body.
-- See report.lua for the BENCH line it prints.

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
package.path = here .. "?.lua;" .. package.path
local report = require("report")

local nonce = "0"
local counter = 0
local tid = 0
local headers = {
   ["Content-Type"] = "application/json",
   ["Authorization"] = "Bearer sk-bench-not-a-real-key",
}

function init(args)
   nonce = args[1] or tostring(os.time())
   tid = wrk.thread:get("tid") or 0
end

setup = report.setup
done = report.done

function request()
   report.tick()
   counter = counter + 1
   local body = string.format(
      '{"model":"gpt-4o-mini","messages":['
         .. '{"role":"system","content":"You are a concise assistant for a software team."},'
         .. '{"role":"user","content":"Request %s-%d-%d: explain in two sentences why caching '
         .. 'identical LLM requests locally saves both latency and money."}],"temperature":0}',
      nonce, tid, counter)
   return wrk.format("POST", nil, headers, body)
end

function response(status, hdrs, body)
   report.count(hdrs)
end
