-- wrk script: the same chat completion request again and again (the exact-cache hit path).
--   wrk -t2 -c32 -d10s -s tests/bench/chat.lua http://127.0.0.1:PORT/v1/chat/completions
--   BENCH_LAT=1 wrk -t1 -c1 -d10s -s tests/bench/chat.lua URL     (plain latency percentiles)
-- BENCH_COUNT=1 also counts hits and misses. See report.lua for the BENCH line it prints.

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
package.path = here .. "?.lua;" .. package.path
local report = require("report")

-- The body lives in chat-request.json so that run-proxy-bench.sh's curl checks send the very same
-- bytes (nginx keys on the raw body).
local file = assert(io.open(here .. "chat-request.json", "rb"))
local body = file:read("*a")
file:close()
local headers = {
   ["Content-Type"] = "application/json",
   ["Authorization"] = "Bearer sk-bench-not-a-real-key",
}

setup = report.setup
done = report.done

if os.getenv("BENCH_LAT") == "1" then
   -- A request() function makes wrk call into Lua per request; only do it when timing.
   local raw
   function request()
      report.tick()
      if not raw then raw = wrk.format("POST", nil, headers, body) end
      return raw
   end
else
   wrk.method = "POST"
   wrk.body = body
   for name, value in pairs(headers) do wrk.headers[name] = value end
end

if os.getenv("BENCH_COUNT") == "1" then
   function response(status, hdrs, body)
      report.count(hdrs)
   end
end
