#!/usr/bin/env bash
# The quickstart (docs/quickstart.md): runs the real daemons on this machine with the embedded
# registry and TSO, as separate processes: a sluice-pump, a sluice-drainer with the file sink (and
# the mysql sink into a private MariaDB), and sluice-loadgen writing into a private upstream
# MariaDB for a bounded time; then prints what was replicated, the throughput and the lag, and
# stops everything it started (also on Ctrl-C), by PID.
#
# Usage: scripts/quickstart.sh BUILD_DIR   (run.sh builds first and calls this)
# Environment: SLUICE_QS_SECONDS (30) load duration, SLUICE_QS_RATE (0: unlimited) transactions/s,
#   SLUICE_QS_THREADS (4), SLUICE_QS_DIR (./sluice-quickstart, wiped at start).
set -euo pipefail

build_dir="${1:?usage: quickstart.sh BUILD_DIR}"
bin="$build_dir/bin"
seconds="${SLUICE_QS_SECONDS:-30}"
rate="${SLUICE_QS_RATE:-0}"
threads="${SLUICE_QS_THREADS:-4}"
dir="$(realpath -m "${SLUICE_QS_DIR:-$PWD/sluice-quickstart}")"

for tool in sluice-pump sluice-drainer sluice-loadgen sluice-sync-diff; do
  [[ -x "$bin/$tool" ]] || { echo "quickstart: $bin/$tool is missing (build first)" >&2; exit 1; }
done
for tool in curl python3; do
  command -v "$tool" >/dev/null || { echo "quickstart: $tool is needed" >&2; exit 1; }
done

pids=()
names=()
stop_all() {
  local i
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    if kill -0 "${pids[$i]}" 2>/dev/null; then
      kill -TERM "${pids[$i]}" 2>/dev/null || true
      for _ in $(seq 1 100); do kill -0 "${pids[$i]}" 2>/dev/null || break; sleep 0.1; done
      if kill -0 "${pids[$i]}" 2>/dev/null; then
        echo "quickstart: ${names[$i]} (pid ${pids[$i]}) ignored SIGTERM for 10 s: SIGKILL" >&2
        kill -KILL "${pids[$i]}" 2>/dev/null || true
      fi
      wait "${pids[$i]}" 2>/dev/null || true
    fi
  done
  pids=()
  names=()
}
trap 'echo; echo "quickstart: interrupted, stopping what it started"; stop_all; exit 130' INT TERM
trap stop_all EXIT

started() {  # name pid
  names+=("$1")
  pids+=("$2")
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Waits until a daemon's log says it serves (or it exits).
wait_serving() {  # name pid log
  for _ in $(seq 1 300); do
    grep -q "serving gRPC" "$3" 2>/dev/null && return 0
    if ! kill -0 "$2" 2>/dev/null; then
      echo "quickstart: $1 exited during start; its log ($3):" >&2
      tail -20 "$3" >&2
      exit 1
    fi
    sleep 0.1
  done
  echo "quickstart: $1 did not start within 30 s; its log ($3):" >&2
  tail -20 "$3" >&2
  exit 1
}

rm -rf "$dir"
mkdir -p "$dir"
echo "quickstart: working in $dir"

# --- MariaDB: a private server per side, run as the current user (no system service).
mariadbd="$(command -v mariadbd || command -v mysqld || ls /usr/sbin/mariadbd 2>/dev/null || true)"
install_db="$(command -v mariadb-install-db || command -v mysql_install_db || true)"
admin="$(command -v mariadb-admin || command -v mysqladmin || true)"
mysql_client="$(command -v mariadb || command -v mysql || true)"
have_mariadb=0
[[ -n "$mariadbd" && -n "$install_db" && -n "$admin" && -n "$mysql_client" ]] && have_mariadb=1

user_args=()
[[ "$(id -u)" == 0 ]] && user_args=(--user=root)  # mariadbd refuses root without it

start_mariadb() {  # name port
  local base="$dir/$1"
  mkdir -p "$base/tmp"
  "$install_db" --no-defaults --auth-root-authentication-method=normal --datadir="$base/data" \
    "${user_args[@]}" --skip-test-db --skip-name-resolve --innodb-buffer-pool-size=64M \
    --innodb-log-file-size=16M --tmpdir="$base/tmp" >"$base/install.log" 2>&1 || {
    echo "quickstart: $install_db failed; see $base/install.log" >&2
    return 1
  }
  "$mariadbd" --no-defaults "${user_args[@]}" --datadir="$base/data" --port="$2" \
    --bind-address=127.0.0.1 --socket="$base/mysqld.sock" --pid-file="$base/mysqld.pid" \
    --log-error="$base/error.log" --tmpdir="$base/tmp" --skip-name-resolve --skip-log-bin \
    --innodb-flush-log-at-trx-commit=2 --innodb-buffer-pool-size=64M --innodb-log-file-size=16M \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci \
    >"$base/mariadbd.out" 2>&1 &
  started "MariaDB $1" $!
  for _ in $(seq 1 300); do
    "$admin" --protocol=tcp -h127.0.0.1 -P"$2" -uroot ping >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "quickstart: MariaDB $1 did not answer on port $2; see $base/error.log" >&2
  return 1
}

if [[ $have_mariadb == 0 ]]; then
  echo "quickstart: no MariaDB server binaries (mariadbd, mariadb-install-db): the load generator"
  echo "quickstart: needs one as its reference; running the built-in demo instead."
  exec "$bin/sluice" demo --seconds "$seconds" --dir "$dir"
fi

upstream_port="$(free_port)"
downstream_port="$(free_port)"
echo "quickstart: starting two private MariaDB servers (upstream :$upstream_port, downstream :$downstream_port)"
start_mariadb upstream "$upstream_port"
start_mariadb downstream "$downstream_port"

# --- pump and drainer, embedded registry and TSO in $dir/registry.
pump_port="$(free_port)"
pump_status="$(free_port)"
drainer_port="$(free_port)"
drainer_status="$(free_port)"
cat >"$dir/pump.toml" <<EOF
addr = "127.0.0.1:$pump_port"
status-addr = "127.0.0.1:$pump_status"
data-dir = "$dir/pump"
registry-dir = "$dir/registry"
node-id = "quickstart-pump"
EOF
cat >"$dir/drainer.toml" <<EOF
addr = "127.0.0.1:$drainer_port"
status-addr = "127.0.0.1:$drainer_status"
data-dir = "$dir/drainer"
registry-dir = "$dir/registry"
node-id = "quickstart-drainer"
detect-interval = 1
checkpoint-interval = "500ms"

[[sink]]
name = "mariadb"
plugin = "mysql"
[sink.config]
host = "127.0.0.1"
port = $downstream_port
user = "root"
worker-count = 8

[[sink]]
name = "files"
plugin = "file"
[sink.config]
dir = "$dir/binlog"
EOF

"$bin/sluice-pump" -config "$dir/pump.toml" -L info >"$dir/pump.log" 2>&1 &
started sluice-pump $!
wait_serving sluice-pump $! "$dir/pump.log"
"$bin/sluice-drainer" -config "$dir/drainer.toml" -L info >"$dir/drainer.log" 2>&1 &
drainer_pid=$!
started sluice-drainer $drainer_pid
wait_serving sluice-drainer $drainer_pid "$dir/drainer.log"

cat <<EOF
quickstart: pump :$pump_port, drainer :$drainer_port; while it runs, in another terminal:
  curl -s http://127.0.0.1:$drainer_status/status      # drainer position, sinks, lag
  curl -s http://127.0.0.1:$drainer_status/metrics     # Prometheus metrics
  $mysql_client -h127.0.0.1 -P$downstream_port -uroot sbtest   # the replicated copy
Ctrl-C stops everything the quickstart started.
quickstart: load: ${seconds} s, $threads threads, rate ${rate} txn/s (0: unlimited), a DDL every 2000 transactions
EOF

load_start_ms=$(($(date +%s%N) / 1000000))
set +e
"$bin/sluice-loadgen" --port "$upstream_port" --registry-dir "$dir/registry" --threads "$threads" \
  --tables 4 --duration "$seconds" --rate "$rate" --ddl-every 2000 2>&1 | tee "$dir/loadgen.log"
load_status=${PIPESTATUS[0]}
set -e
load_end_ms=$(($(date +%s%N) / 1000000))
if [[ $load_status != 0 ]]; then
  echo "quickstart: sluice-loadgen failed (exit $load_status); see $dir/loadgen.log" >&2
  exit 1
fi

# The checkpoint's physical part (ms) passes the load's end once everything is durable in both
# sinks (idle pumps send watermarks).
status_json() { curl -sf "http://127.0.0.1:$drainer_status/status"; }
checkpoint_ms() {
  status_json | python3 -c 'import json,sys; print(json.load(sys.stdin)["Checkpoint"] >> 18)'
}
echo "quickstart: waiting for the drainer to catch up"
caught_up=0
for _ in $(seq 1 1200); do
  if ! kill -0 "$drainer_pid" 2>/dev/null; then
    echo "quickstart: the drainer stopped; see $dir/drainer.log" >&2
    tail -20 "$dir/drainer.log" >&2
    exit 1
  fi
  ms="$(checkpoint_ms 2>/dev/null || echo 0)"
  if ((ms >= load_end_ms)); then caught_up=1; break; fi
  sleep 0.1
done
caught_up_ms=$(($(date +%s%N) / 1000000))
if [[ $caught_up == 0 ]]; then
  echo "quickstart: the drainer did not catch up within 120 s; see $dir/drainer.log" >&2
  exit 1
fi

curl -sf "http://127.0.0.1:$drainer_status/metrics" >"$dir/drainer.metrics"
status_json >"$dir/drainer.status.json"
set +e
"$bin/sluice-sync-diff" --source-port "$upstream_port" --target-port "$downstream_port" \
  --schema sbtest >"$dir/sync-diff.txt" 2>&1
diff_status=$?
set -e

python3 - "$dir" "$load_start_ms" "$load_end_ms" "$caught_up_ms" <<'EOF'
import json, os, re, sys
d, start_ms, end_ms, caught_ms = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
series = {}
for line in open(os.path.join(d, "drainer.metrics")):
    if line.startswith("#") or not line.strip():
        continue
    m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)', line)
    if m:
        series.setdefault(m.group(1), []).append((m.group(2) or "", float(m.group(3))))

def per_sink(name):
    return {re.search(r'sink="([^"]*)"', l).group(1): v for l, v in series.get(name, [])
            if 'sink="' in l}

def quantile(name, q):
    buckets = sorted((float(re.search(r'le="([^"]*)"', l).group(1).replace("+Inf", "inf")), v)
                     for l, v in series.get(name + "_bucket", []))
    if not buckets or buckets[-1][1] == 0:
        return None
    total = buckets[-1][1]
    for bound, count in buckets:
        if count >= q * total:
            return bound, int(total)
    return None

status = json.load(open(os.path.join(d, "drainer.status.json")))
load = open(os.path.join(d, "loadgen.log")).read().strip().splitlines()
summary = next((l for l in reversed(load) if l.startswith("committed ")), "")
m = re.match(r"committed (\d+) transactions \((\d+) rows\) in ([\d.]+) s", summary)
print()
print("=== what was replicated ===")
if m:
    txns, rows, secs = int(m.group(1)), int(m.group(2)), float(m.group(3))
    print(f"upstream (loadgen): {txns} transactions, {rows} rows in {secs:.1f} s: "
          f"{txns / secs:.0f} txn/s, {rows / secs:.0f} rows/s")
txn = per_sink("sluice_sink_transactions_total")
ev = per_sink("sluice_sink_events_total")
for sink in sorted(txn):
    print(f"sink {sink}: {int(txn[sink])} transactions, {int(ev.get(sink, 0))} events "
          "(rows and DDL, including the set-up)")
catch = (caught_ms - end_ms) / 1000.0
print(f"drainer caught up {max(catch, 0):.1f} s after the load ended; checkpoint "
      f"{status.get('Checkpoint')}")
for q in (0.5, 0.99):
    r = quantile("binlog_drainer_checkpoint_delay_seconds", q)
    if r:
        print(f"lag (commit -> durable in every sink, at each checkpoint save): "
              f"p{int(q * 100)} <= {r[0]:g} s (histogram bucket bound, {r[1]} samples)")
files = sorted(f for f in os.listdir(os.path.join(d, "binlog")) if f.startswith("binlog-"))
size = sum(os.path.getsize(os.path.join(d, "binlog", f)) for f in files)
print(f"file sink: {len(files)} file(s), {size} bytes in {os.path.join(d, 'binlog')}")
EOF

echo "sync-diff upstream vs downstream: $(tail -1 "$dir/sync-diff.txt")"
cat <<EOF

=== to look at it ===
  $bin/sluice-reparo --data-dir $dir/binlog --dest-type print | head -40   # the file sink's binlogs
  cat $dir/drainer.status.json; less $dir/drainer.log $dir/pump.log
Logs, configs and data stay in $dir; every process the quickstart started is stopped now.
EOF
stop_all
if [[ $diff_status != 0 ]]; then
  echo "quickstart: the downstream differs from the upstream (sync-diff exit $diff_status); see $dir/sync-diff.txt" >&2
  exit 1
fi
