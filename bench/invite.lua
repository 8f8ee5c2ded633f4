-- wrk script for `bench/bench.py load`: each request invites a new address
-- (POST /api/v1/invitations with a bearer token), then one JSON line of
-- results. Arguments after `--`: the token and a prefix unique to the run.
local next_thread = 0

function setup(thread)
  thread:set("thread_id", next_thread)
  next_thread = next_thread + 1
end

function init(args)
  token = args[1]
  prefix = args[2]
  sent = 0
end

function request()
  sent = sent + 1
  local body = string.format('{"email":"%s-%d-%d@bench.example","role":"host_user"}', prefix, thread_id, sent)
  return wrk.format("POST", "/api/v1/invitations", {["content-type"] = "application/json", ["authorization"] = "Bearer " .. token}, body)
end

-- Keep the first refusal, to say what went wrong.
function response(status, headers, body)
  if status ~= 201 and not refused then
    refused = status .. " " .. body
    io.stderr:write("first refusal: " .. refused .. "\n")
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"socket_errors":%d,"non_2xx":%d,"p50_ms":%.2f,"p95_ms":%.2f,"p99_ms":%.2f}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
