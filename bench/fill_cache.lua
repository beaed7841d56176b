-- wrk script for bench/run.sh --sessions N: requests the page once with
-- each cookie value of a file (one per line), so that barrier reads each
-- session from its store and caches it.
--
--   wrk -t T -c C -d 600s -s bench/fill_cache.lua URL -- COOKIES_FILE COOKIE_NAME T C MARK
--
-- Thread i of T takes lines i, i+T, i+2T... and stops once it has as many
-- answers as lines plus its connections (each connection has one request
-- in flight, so by then every line's request has been answered; the extra
-- requests start over from its first lines). It then creates the file
-- MARK.i: wrk itself runs for its whole duration whatever its threads do,
-- so the caller sends it SIGINT once all T files exist. done() prints
-- "fill: <answers> answers, <non-200> not 200".

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  local file, name, count, connections = args[1], args[2], tonumber(args[3]), tonumber(args[4])
  mark = args[5] .. "." .. id
  cookies = {}
  local line_number = 0
  for line in io.lines(file) do
    if line_number % count == id then
      cookies[#cookies + 1] = wrk.format(nil, nil, { Cookie = name .. "=" .. line })
    end
    line_number = line_number + 1
  end
  target = #cookies + math.ceil(connections / count)
  sent, answers, failed = 0, 0, 0
end

function request()
  sent = sent + 1
  return cookies[(sent - 1) % #cookies + 1]
end

function response(status)
  answers = answers + 1
  if status ~= 200 then failed = failed + 1 end
  if answers == target then
    io.open(mark, "w"):close()
    wrk.thread:stop()
  end
end

function done()
  local answered, not_ok = 0, 0
  for _, thread in ipairs(threads) do
    answered = answered + thread:get("answers")
    not_ok = not_ok + thread:get("failed")
  end
  io.write(string.format("fill: %d answers, %d not 200\n", answered, not_ok))
end
