#!/usr/bin/env bash
# Load test of crashkit collect-serve with Antenna's load-test mix, storage
# on local disk and on tmpfs, beside nginx reading the same bodies (the rate
# the load generator reaches on these cores). Appends its figures to
# BENCHMARKS.md. Not a test: nothing here passes or fails.
#
#   scripts/bench-collector.sh [SECONDS]      default: 20 s per row
#   BASELINE=/path/to/old/crashkit BASELINE_LABEL=2ecd706 scripts/bench-collector.sh
#                                             an older build measured beside
#                                             this one, row by row
#
# This machine's speed drifts by a fifth within minutes (a shared VM), so a
# baseline is not measured in a run of its own: each row runs the baseline
# and this build one after the other, twice, alternating which goes first.
#
# Mix (Antenna's): 60% 400 KB uncompressed single-dump posts, 10% 150 KB
# gzipped, 25% 400 KB with 4 dumps, 5% 1.5 MB. Load from wrk (Debian's
# package, installed if missing) with a Lua script choosing a body per request.
# CPU per request is the server's user+system time over the row (from
# /proc) divided by the requests wrk completed.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-20}"
command -v wrk >/dev/null || apt-get install -y wrk >/dev/null
command -v nginx >/dev/null || apt-get install -y nginx-light >/dev/null
cargo build --release --quiet
crashkit="$PWD/target/release/crashkit"
label="$(git rev-parse --short HEAD)"
builds=("$label=$crashkit")
if [ -n "${BASELINE:-}" ]; then
  builds=("${BASELINE_LABEL:-baseline}=$BASELINE" "$label=$crashkit" "$label=$crashkit" "${BASELINE_LABEL:-baseline}=$BASELINE")
fi
work="$(mktemp -d)"
disk_store="$(mktemp -d -p "$work")"
shm_store="$(mktemp -d -p /dev/shm)"
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work" "$shm_store"; }
trap cleanup EXIT

python3 - "$work" <<'PY'
import gzip, os, random, sys
work = sys.argv[1]
rng = random.Random(7)
B = "crashkitbench"
def body(dumps, annotations_size=2000):
    out = []
    out.append(f"--{B}\r\nContent-Disposition: form-data; name=\"ProductName\"\r\n\r\nFirefox\r\n")
    out.append(f"--{B}\r\nContent-Disposition: form-data; name=\"Version\"\r\n\r\n150.0\r\n")
    out.append(f"--{B}\r\nContent-Disposition: form-data; name=\"Notes\"\r\n\r\n{'x' * annotations_size}\r\n")
    data = "".join(out).encode()
    for name, size in dumps:
        head = f"--{B}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{name}.dmp\"\r\nContent-Type: application/octet-stream\r\n\r\n".encode()
        # Minidump-like bytes: part repetitive, part random, like real dumps compress.
        payload = bytes(rng.getrandbits(8) if i % 3 == 0 else 0 for i in range(size))
        data += head + payload + b"\r\n"
    return data + f"--{B}--\r\n".encode()
bodies = {
    "plain": body([("upload_file_minidump", 400_000)]),
    "gzip": None,
    "four": body([("upload_file_minidump", 250_000), ("upload_file_minidump_browser", 50_000),
                  ("upload_file_minidump_content", 50_000), ("upload_file_minidump_gpu", 50_000)]),
    "large": body([("upload_file_minidump", 1_500_000)]),
}
# 150 KB on the wire after gzip.
raw = body([("upload_file_minidump", 210_000)])
bodies["gzip"] = gzip.compress(raw, 6)
for k, v in bodies.items():
    with open(os.path.join(work, k), "wb") as f:
        f.write(v)
    print(k, len(v))
PY

cat > "$work/mix.lua" <<LUA
-- Each request is formatted once: wrk then sends the same bytes again
-- (formatting a fresh copy per request costs wrk more than the server).
local function load(name, encoding)
  local f = assert(io.open("$work/" .. name, "rb")); local d = f:read("*all"); f:close()
  local headers = {["Content-Type"] = "multipart/form-data; boundary=crashkitbench"}
  if encoding then headers["Content-Encoding"] = encoding end
  return wrk.format("POST", "/submit", headers, d)
end
local plain, gz, four, large
-- In init, where wrk has set the Host header that nginx requires.
init = function(args)
  plain, gz, four, large = load("plain"), load("gzip", "gzip"), load("four"), load("large")
end
request = function()
  local r = math.random(100)
  if r <= 60 then return plain
  elseif r <= 70 then return gz
  elseif r <= 95 then return four
  else return large end
end
LUA
size() { stat -c %s "$work/$1"; }
mean_kb="$(echo "(0.60*$(size plain) + 0.10*$(size gzip) + 0.25*$(size four) + 0.05*$(size large))/1000" | bc -l)"

start_server() { # storage directory [binary]
  "${2:-$crashkit}" -q collect-serve --bind 127.0.0.1:0 --storage "$1" 2> "$work/server.log" &
  server=$!
  for _ in $(seq 1 100); do grep -q "listening on" "$work/server.log" && break; sleep 0.1; done
  addr="$(grep -o 'http://[0-9.:]*' "$work/server.log" | head -1)"
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# One table row: connections, where, requests/s, MB/s, latencies, CPU per
# request, peak RSS, crashes stored, errors.
row() { # conns server cpu_ticks rss_kb stored
  local rps p50 p99 requests errors mbs cpu_ms
  rps="$(awk '/Requests\/sec/ {print $2}' "$work/wrk.out")"
  requests="$(awk '/requests in/ {print $1}' "$work/wrk.out")"
  p50="$(awk '$1=="50%" {print $2}' "$work/wrk.out")"
  p99="$(awk '$1=="99%" {print $2}' "$work/wrk.out")"
  errors="$(grep -E 'Non-2xx|Socket errors' "$work/wrk.out" | tr -s ' ' | tr '\n' ';' || true)"
  mbs="$(echo "$rps * $mean_kb / 1000" | bc -l)"
  cpu_ms="$(echo "$3 * 1000 / $(getconf CLK_TCK) / $requests" | bc -l)"
  printf '| %d | %s | %.0f | %.1f | %s | %s | %.2f ms | %.0f MiB | %s | %s |' "$1" "$2" "$rps" "$mbs" "$p50" "$p99" "$cpu_ms" "$(echo "$4/1024" | bc -l)" "$5" "${errors:-none}"
}

rows=()
for conns in 16 64; do
  for where in disk tmpfs; do
    store="$disk_store"; [ "$where" = tmpfs ] && store="$shm_store"
    for build in "${builds[@]}"; do
      rm -rf "$store/crashes"
      start_server "$store/crashes" "${build#*=}"
      wrk -t2 -c"$conns" -d"${seconds}s" --latency -s "$work/mix.lua" "$addr" > "$work/wrk.out"
      ticks="$(cpu_ticks "$server")"
      rss_kb="$(awk '/VmHWM/ {print $2}' /proc/$server/status)"
      kill "$server"; wait "$server" || true; server=""
      stored="$(find "$store/crashes/v1/raw_crash" -type f ! -name '.tmp-*' | wc -l)"
      rows+=("$(row "$conns" "collect-serve ${build%%=*}, $where" "$ticks" "$rss_kb" "$stored")")
    done
  done
  # nginx reading and discarding the same bodies: what wrk reaches here.
  mkdir -p "$work/nginx/logs"
  cat > "$work/nginx/nginx.conf" <<NGINX
worker_processes 1;
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_max_body_size 25m;
  client_body_temp_path $work/nginx/body;
  server { listen 127.0.0.1:18932; location / { return 200 "CrashID=bp-ok\n"; } }
}
NGINX
  nginx -p "$work/nginx" -e "$work/nginx/logs/error.log" -c "$work/nginx/nginx.conf" -g 'daemon off;' &
  server=$!
  for _ in $(seq 1 100); do curl -s -o /dev/null http://127.0.0.1:18932/ && break; sleep 0.1; done
  wrk -t2 -c"$conns" -d"${seconds}s" --latency -s "$work/mix.lua" http://127.0.0.1:18932 > "$work/wrk.out"
  ticks=0; for pid in "$server" $(pgrep -P "$server"); do ticks=$((ticks + $(cpu_ticks "$pid"))); done
  rss_kb="$(awk '/VmHWM/ {print $2}' /proc/$server/status)"
  kill "$server"; wait "$server" || true; server=""
  rows+=("$(row "$conns" "nginx (one worker, discards)" "$ticks" "$rss_kb" "-")")
done

cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
{
  echo
  echo "## collect-serve (commit $label${BASELINE:+, beside ${BASELINE_LABEL:-baseline}}): $(date -u +%Y-%m-%d) on $(nproc) cores ($cpu), $(free -g | awk '/Mem:/ {print $2}') GiB"
  echo
  echo "wrk (2 threads) for ${seconds} s per row, Antenna's mix (60% 400 KB, 10% 150 KB gzipped, 25% 400 KB with 4 dumps, 5% 1.5 MB; mean $(printf '%.0f' "$mean_kb") KB per request) against \`crashkit collect-serve\` (release build) with the directory backend on local disk (ext4) or tmpfs, every crash fsynced before its answer, and against nginx reading the same bodies; load generator and server share the machine's cores. CPU per request: the server's user+system time over the row / requests completed.${BASELINE:+ Beside the baseline build each row is measured twice per build, interleaved (baseline, this, this, baseline), as the speed of this machine drifts within minutes.}"
  echo
  echo "| connections | server | requests/s | MB/s received | p50 latency | p99 latency | CPU per request | peak RSS | crashes stored | errors |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
} | tee -a BENCHMARKS.md
# Peak memory under 64 concurrent uploads of 24 MiB (two 12 MiB dumps), the
# largest body the default limits allow, storage on tmpfs.
python3 - "$work/big" <<'PY'
import os, sys
B = "crashkitbench"
def part(name, size):
    head = f"--{B}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{name}.dmp\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    return head.encode() + os.urandom(size) + b"\r\n"
body = f"--{B}\r\nContent-Disposition: form-data; name=\"ProductName\"\r\n\r\nBig\r\n".encode()
body += part("upload_file_minidump", 12 << 20) + part("upload_file_minidump_browser", (12 << 20) - 4096)
open(sys.argv[1], "wb").write(body + f"--{B}--\r\n".encode())
PY
cat > "$work/big.lua" <<LUA
local f = assert(io.open("$work/big", "rb")); local d = f:read("*all"); f:close()
local req
init = function(args) req = wrk.format("POST", "/submit", {["Content-Type"] = "multipart/form-data; boundary=crashkitbench"}, d) end
request = function() return req end
LUA
echo | tee -a BENCHMARKS.md
for in_flight in 16 64; do
  for build in "${builds[@]:0:2}"; do
    big_store="$shm_store/big-$in_flight"
    export CRASHKIT_COLLECTOR_MAX_IN_FLIGHT="$in_flight"
    start_server "$big_store/crashes" "${build#*=}"
    unset CRASHKIT_COLLECTOR_MAX_IN_FLIGHT
    wrk -t2 -c64 -d"${seconds}s" --timeout 60s -s "$work/big.lua" "$addr" > "$work/wrk.out"
    rss_kb="$(awk '/VmHWM/ {print $2}' /proc/$server/status)"
    kill "$server"; wait "$server" || true; server=""
    printf -- '- %s: 64 concurrent 24 MiB uploads (%s s, storage on tmpfs, collector.max_in_flight = %s): %s requests/s, peak RSS %.0f MiB, %s crashes stored.\n' \
      "${build%%=*}" "$seconds" "$in_flight" "$(awk '/Requests\/sec/ {print $2}' "$work/wrk.out")" "$(echo "$rss_kb/1024" | bc -l)" \
      "$(find "$big_store/crashes/v1/raw_crash" -type f ! -name '.tmp-*' | wc -l)" | tee -a BENCHMARKS.md
    rm -rf "$big_store"
  done
done
