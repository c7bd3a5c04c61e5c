-- wrk script: each thread sends its share of the listed requests, each one once, in order.
-- args: FILE NTHREADS METHOD BODY [HEADER...]; FILE has one "path<TAB>cookie" per line.
-- Prints one line "BENCHJSON {...}" with the status counts and latency percentiles.
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local file, nthreads, method, body = args[1], tonumber(args[2]), args[3], args[4]
  if body == "" then body = nil end
  local common = {}
  for i = 5, #args do
    local name, value = args[i]:match("^([^:]+):%s*(.*)$")
    common[name] = value
  end
  reqs = {}
  local n = 0
  for line in io.lines(file) do
    if n % nthreads == id then
      local path, cookie = line:match("^([^\t]*)\t?(.*)$")
      local headers = {}
      for k, v in pairs(common) do headers[k] = v end
      if cookie ~= "" then headers["Cookie"] = "lupe_session=" .. cookie end
      table.insert(reqs, wrk.format(method, path, headers, body))
    end
    n = n + 1
  end
  idx = 0
  ok = 0
  bad = 0
  wrapped = 0
end

function request()
  idx = idx + 1
  if idx > #reqs then
    idx = 1
    wrapped = 1
  end
  return reqs[idx]
end

function response(status, headers, body)
  if status == 200 then ok = ok + 1 else bad = bad + 1 end
end

function done(summary, latency, requests)
  local sent, o, b, w = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    sent = sent + t:get("idx")
    o = o + t:get("ok")
    b = b + t:get("bad")
    w = w + t:get("wrapped")
  end
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {"requests":%d,"duration_us":%d,"ok":%d,"non200":%d,"sent_first_pass":%d,"wrapped":%d,' ..
    '"connect_errors":%d,"read_errors":%d,"write_errors":%d,"timeouts":%d,' ..
    '"p50_ms":%.3f,"p90_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f,"mean_ms":%.3f}\n',
    summary.requests, summary.duration, o, b, sent, w,
    e.connect, e.read, e.write, e.timeout,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, latency.mean / 1000))
end
