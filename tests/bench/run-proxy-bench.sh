#!/usr/bin/env bash
# Exact-cache benchmark: Cachette against nginx proxy_cache on the hit path, and against the
# provider itself on the miss path. Loopback only; everything it starts lives in one temp dir and
# is stopped on exit. Prints a Markdown table; docs/benchmarks.md is written by hand from it.
#
#   tests/bench/run-proxy-bench.sh [BUILD_DIR]      (default: <repo>/build/bench)
#
# Environment:
#   ROUNDS=5        interleaved rounds per comparison (medians are taken over them; at least 3)
#   DURATION=10     seconds per timed wrk run
#   CACHETTE_BIN=…  use this binary instead of BUILD_DIR/cachette (or BUILD_DIR/app/cachette)
#   NO_BUILD=1      never build; by default the bench preset dir is built (incrementally) first
#   KEEP_TMP=1      keep the temp dir (configs, logs, Cachette's database) for a look afterwards
#   QUIET_WAIT=0    wait up to this many seconds for the machine to be idle (<15 % busy) first
#   PIN=            "split": servers on CPU 1, wrk on CPU 0; "same": everything on CPU 0. Unset: the
#                   scheduler decides (the default, and how the figures in docs/ were taken). On
#                   this VM one-connection latency depends mostly on whether a wake-up crosses
#                   CPUs; PIN shows the two cases apart (see docs/benchmarks.md).
#
# With the defaults it runs 6 × 5 × 10 s timed wrk runs plus short warm-ups and at most 30 s
# of waiting for Cachette to go idle: about 5.5 minutes.
# Other work on the machine (a compiler on the other core) skews everything: run it alone.
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$script_dir/../.." && pwd)
build_dir=${1:-$repo/build/bench}
ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-10}
HIT_CONNS=32
WRK_TIMEOUT=2s

say() { printf '%s\n' "$*" >&2; }
die() { say "run-proxy-bench: $*"; exit 1; }

[[ $ROUNDS =~ ^[0-9]+$ && $ROUNDS -ge 1 ]] || die "ROUNDS must be a positive number"
[[ $DURATION =~ ^[0-9]+$ && $DURATION -ge 1 ]] || die "DURATION must be a positive number"
case ${PIN:-} in
  "") srv_pin=(); wrk_pin=() ;;
  split) srv_pin=(taskset -c 1); wrk_pin=(taskset -c 0) ;;
  same) srv_pin=(taskset -c 0); wrk_pin=(taskset -c 0) ;;
  *) die "PIN is split, same or unset" ;;
esac
[ "$ROUNDS" -ge 3 ] || say "run-proxy-bench: warning: ROUNDS=$ROUNDS; medians want at least 3"

# Busy share of all cores over one second, from /proc/stat, in percent.
machine_busy() {
  local a b
  a=($(head -n1 /proc/stat)); sleep 1; b=($(head -n1 /proc/stat))
  awk -v u=$((b[1] + b[2] + b[3] + b[6] + b[7] - a[1] - a[2] - a[3] - a[6] - a[7])) \
      -v i=$((b[4] + b[5] - a[4] - a[5])) 'BEGIN {printf "%.0f", (u + i) ? 100 * u / (u + i) : 0}'
}

# ---- tools -------------------------------------------------------------------------------------
missing=()
for tool in wrk nginx curl; do
  command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
  die "missing ${missing[*]}: run ./packaging/install-deps.sh"
fi
NGINX=$(command -v nginx 2>/dev/null || echo /usr/sbin/nginx)
# Both the reference and the fake provider need only core modules plus proxy (nginx-light has them).
"$NGINX" -V 2>&1 | grep -q -- '--without-http_proxy_module' &&
  die "this nginx lacks the proxy module: run ./packaging/install-deps.sh (nginx-light or nginx)"

# ---- the binary --------------------------------------------------------------------------------
if [ -z "${CACHETTE_BIN:-}" ] && [ "${NO_BUILD:-0}" != 1 ] && [ "$build_dir" = "$repo/build/bench" ]; then
  say "run-proxy-bench: building $build_dir (cmake --preset bench)"
  (cd "$repo" && { [ -f "$build_dir/CMakeCache.txt" ] || cmake --preset bench >&2; } &&
     cmake --build --preset bench --target cachette >&2) ||
    die "build failed; NO_BUILD=1 benchmarks the binary already in $build_dir, or pass another build dir or CACHETTE_BIN=…/cachette (built ones: $(ls "$repo"/build*/cachette "$repo"/build*/app/cachette "$repo"/build/*/cachette "$repo"/build/*/app/cachette 2>/dev/null | tr '\n' ' '))"
fi
# The binary sits at the top of the build dir (older trees: app/cachette); the newer one wins.
newest_binary() {
  local best="" f
  for f in "$1/cachette" "$1/app/cachette"; do
    if [ -f "$f" ] && [ -x "$f" ] && { [ -z "$best" ] || [ "$f" -nt "$best" ]; }; then best=$f; fi
  done
  echo "${best:-$1/cachette}"
}
binary=${CACHETTE_BIN:-$(newest_binary "$build_dir")}
[ -x "$binary" ] || die "no cachette binary at $binary (build it: cmake --preset bench && cmake --build --preset bench --target cachette)"
binary=$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")
build_type=$(cat "$(dirname "$binary")/CMakeCache.txt" "$(dirname "$binary")/../CMakeCache.txt" 2>/dev/null |
             sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' | head -n1 || true)

busy_start=$(machine_busy)
waited=0
while [ "$busy_start" -ge 15 ] && [ "$waited" -lt "${QUIET_WAIT:-0}" ]; do
  say "run-proxy-bench: machine ${busy_start}% busy; waiting for it to quieten"
  sleep 4; waited=$((waited + 5)); busy_start=$(machine_busy)
done
[ "$busy_start" -lt 15 ] ||
  say "run-proxy-bench: warning: the machine was ${busy_start}% busy before the run: figures will be noisy"
load_start=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- temp dir and cleanup ----------------------------------------------------------------------
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cachette-bench.XXXXXX")
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [ "${KEEP_TMP:-0}" = 1 ]; then say "run-proxy-bench: kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- ports -------------------------------------------------------------------------------------
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# Three free ports in a random spot of 20000–39999 (set in this shell: no command substitution).
pick_ports() {
  local p=$((20000 + RANDOM % 20000)) names=("$@") i=0
  while [ $i -lt ${#names[@]} ]; do
    if ! port_in_use "$p"; then printf -v "${names[$i]}" '%s' "$p"; i=$((i + 1)); fi
    p=$((p + 1))
  done
}
pick_ports fake_port nginx_port cachette_port

wait_port() {   # wait_port PORT PID NAME LOG: the process is up and it (not another) listens
  for _ in $(seq 100); do
    kill -0 "$2" 2>/dev/null || { cat "$4" >&2 || true; die "$3 exited at start"; }
    if port_in_use "$1"; then
      sleep 0.2
      kill -0 "$2" 2>/dev/null || { cat "$4" >&2 || true; die "$3 exited at start"; }
      return 0
    fi
    sleep 0.1
  done
  cat "$4" >&2 || true
  die "$3 did not listen on port $1 within 10 s"
}

# ---- nginx: the fake provider and the proxy_cache reference ------------------------------------
# A realistic non-streaming chat.completion (~600 bytes). No ' or $ in it: nginx would read them.
completion='{"id":"chatcmpl-A1b2C3d4E5f6G7h8I9j0KlMnOpQrS","object":"chat.completion","created":1732650000,"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"message":{"role":"assistant","content":"Caching identical requests locally answers a repeated prompt from disk in well under a millisecond instead of a provider round trip. It is also free: no tokens are billed twice.","refusal":null},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":43,"completion_tokens":36,"total_tokens":79,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}},"system_fingerprint":"fp_0ba0d124f1"}'

# nginx_conf DIR SERVER_BLOCK [HTTP_EXTRA]: a self-contained config under DIR.
nginx_conf() {
  local dir=$1
  mkdir -p "$dir/logs" "$dir/temp"
  {
    echo "daemon off;"
    echo "worker_processes 1;"
    # As root the worker would switch to nobody, who cannot enter the 0700 temp dir.
    if [ "$(id -u)" -eq 0 ]; then echo "user root;"; fi
    echo "pid $dir/nginx.pid;"
    echo "error_log $dir/logs/error.log warn;"
    echo "events { worker_connections 1024; }"
    echo "http {"
    echo "  access_log off;"
    echo "  keepalive_requests 1000000;"   # default 1000 would add reconnects that Cachette has not
    echo "  keepalive_timeout 65s;"
    for t in client_body proxy fastcgi uwsgi scgi; do echo "  ${t}_temp_path $dir/temp/$t;"; done
    echo "${3:-}"
    echo "$2"
    echo "}"
  } >"$dir/nginx.conf"
}

start_nginx() {   # start_nginx DIR NAME PORT
  "$NGINX" -p "$1" -c "$1/nginx.conf" -e "$1/logs/error.log" -t >"$1/logs/test.log" 2>&1 ||
    { cat "$1/logs/test.log" >&2; die "$2: nginx -t failed"; }
  "${srv_pin[@]}" "$NGINX" -p "$1" -c "$1/nginx.conf" -e "$1/logs/error.log" >"$1/logs/stdout.log" 2>&1 &
  pids+=($!)
  wait_port "$3" "$!" "$2" "$1/logs/error.log"
}

nginx_conf "$tmp/fake" "
  server {
    listen 127.0.0.1:$fake_port;
    location = /v1/chat/completions {
      default_type application/json;
      return 200 '$completion';
    }
  }"
start_nginx "$tmp/fake" "fake provider" "$fake_port"

nginx_conf "$tmp/ref" "
  server {
    listen 127.0.0.1:$nginx_port;
    # \$request_body is empty once a body spills to a temp file: keep every body in one buffer.
    client_body_buffer_size 1m;
    client_max_body_size 1m;
    client_body_in_single_buffer on;
    location /v1/ {
      proxy_pass http://provider;
      proxy_http_version 1.1;
      proxy_set_header Connection \"\";
      proxy_cache llm;
      proxy_cache_methods POST;
      proxy_cache_key \"\$request_method|\$request_uri|\$request_body\";
      proxy_buffer_size 64k;   # the cache file header holds the whole key
      proxy_buffers 8 64k;     # else proxy_busy_buffers_size (2 × 64k) is refused
      proxy_cache_valid 200 1h;
      proxy_ignore_headers Cache-Control Expires Set-Cookie;
      add_header X-Cache-Status \$upstream_cache_status always;
    }
  }" "
  upstream provider { server 127.0.0.1:$fake_port; keepalive 32; }
  proxy_cache_path $tmp/ref/cache levels=1:2 keys_zone=llm:10m max_size=1g inactive=1h use_temp_path=off;"
start_nginx "$tmp/ref" "nginx proxy_cache" "$nginx_port"

# ---- Cachette ----------------------------------------------------------------------------------
data_dir=$(mktemp -d "$tmp/cachette-data.XXXXXX")
"${srv_pin[@]}" "$binary" --headless --listen "127.0.0.1:$cachette_port" \
  --upstream "http://127.0.0.1:$fake_port/v1" --data-dir "$data_dir" >"$tmp/cachette.log" 2>&1 &
cachette_pid=$!
pids+=("$cachette_pid")
for _ in $(seq 100); do
  grep -q '^listening on http://' "$tmp/cachette.log" && break
  kill -0 "$cachette_pid" 2>/dev/null || { cat "$tmp/cachette.log" >&2; die "cachette exited at start"; }
  sleep 0.1
done
grep -q '^listening on http://' "$tmp/cachette.log" ||
  { cat "$tmp/cachette.log" >&2; die "cachette printed no 'listening on' line within 10 s"; }
sleep 1
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$cachette_pid/status"; }
hwm_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$cachette_pid/status"; }
rss_parts() { awk '/^Rss(Anon|File|Shmem):/ {printf "%s%s %.1f", sep, $1, $2 / 1024; sep = ", "}' "/proc/$cachette_pid/status"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$cachette_pid/stat"; }
rss_start=$(rss_kb)
rss_start_parts=$(rss_parts)

path=/v1/chat/completions
cachette_url="http://127.0.0.1:$cachette_port$path"
nginx_url="http://127.0.0.1:$nginx_port$path"
fake_url="http://127.0.0.1:$fake_port$path"

# ---- check that hits are hits ------------------------------------------------------------------
request_file=$script_dir/chat-request.json
ask() {   # ask URL -> headers and body in $tmp/answer.*
  curl -sS --max-time 5 -o "$tmp/answer.body" -D "$tmp/answer.head" -X POST \
    -H 'Content-Type: application/json' -H 'Authorization: Bearer sk-bench-not-a-real-key' \
    --data-binary "@$request_file" "$1"
}
header() { tr -d '\r' <"$tmp/answer.head" | awk -v h="$1" 'tolower($1) == tolower(h) ":" {print $2}'; }
status() { head -n1 "$tmp/answer.head" | awk '{print $2}'; }

ask "$fake_url"
[ "$(status)" = 200 ] || die "fake provider answered $(status)"
cmp -s "$tmp/answer.body" <(printf '%s' "$completion") || die "fake provider answered another body"
for i in 1 2; do ask "$cachette_url"; done
[ "$(status)" = 200 ] || { cat "$tmp/answer.head" "$tmp/answer.body" >&2; die "cachette answered $(status)"; }
[ "$(header X-Cachette)" = hit ] || { cat "$tmp/answer.head" >&2; die "second request to cachette was not X-Cachette: hit"; }
cmp -s "$tmp/answer.body" <(printf '%s' "$completion") ||
  say "run-proxy-bench: note: Cachette's hit body differs from the provider's bytes ($(wc -c <"$tmp/answer.body") vs ${#completion} bytes)"
cachette_hit_bytes=$(wc -c <"$tmp/answer.body")
for i in 1 2; do ask "$nginx_url"; done
[ "$(status)" = 200 ] || die "nginx answered $(status)"
[ "$(header X-Cache-Status)" = HIT ] || { cat "$tmp/answer.head" >&2; die "second request to nginx was not X-Cache-Status: HIT"; }

# ---- wrk runs ----------------------------------------------------------------------------------
# run_wrk LABEL ARGS… : runs wrk, keeps its output, prints the BENCH line's fields.
run_wrk() {
  local label=$1; shift
  local out="$tmp/wrk-$label.txt"
  timeout $((DURATION + 20)) "${wrk_pin[@]}" wrk --timeout "$WRK_TIMEOUT" "$@" >"$out" 2>&1 ||
    { cat "$out" >&2; die "wrk failed ($label)"; }
  local line
  line=$(grep '^BENCH ' "$out") || { cat "$out" >&2; die "no BENCH line ($label)"; }
  echo "${line#BENCH }"
}
field() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"; }

# Warm-up, and proof on the counted path that every answer is a cache hit.
for target in cachette nginx; do
  url=$cachette_url; [ $target = nginx ] && url=$nginx_url
  r=$(BENCH_COUNT=1 run_wrk "verify-$target" -t2 -c$HIT_CONNS -d3s -s "$script_dir/chat.lua" "$url")
  [ "$(field "$r" errors)" = 0 ] || die "$target: errors while warming: $r"
  [ "$(field "$r" miss)" = 0 ] && [ "$(field "$r" other)" = 0 ] && [ "$(field "$r" hit)" -gt 0 ] ||
    die "$target: not every warm-up answer was a hit: $r"
  say "run-proxy-bench: $target warm: $(field "$r" hit) hits of $(field "$r" requests) answers"
done

declare -A results   # results[metric,target,round]=value
median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else printf "%.6g\n", (a[NR/2]+a[NR/2+1])/2}'; }
values() { local m=$1 t=$2 r out=(); for r in $(seq "$ROUNDS"); do out+=("${results[$m,$t,$r]}"); done; echo "${out[*]}"; }

cpu_before=$(cpu_ticks)
cachette_requests=0
for round in $(seq "$ROUNDS"); do
  # Alternate who goes first so drift on the shared cores does not favour one side.
  if ((round % 2)); then order="cachette nginx"; else order="nginx cachette"; fi
  for target in $order; do
    url=$cachette_url; [ $target = nginx ] && url=$nginx_url
    r=$(run_wrk "hit32-$target-$round" -t2 -c$HIT_CONNS -d${DURATION}s -s "$script_dir/chat.lua" "$url")
    [ "$(field "$r" errors)" = 0 ] || die "$target: errors at $HIT_CONNS connections: $r"
    results[hit_rps,$target,$round]=$(field "$r" rps)
    results[hit32_p50,$target,$round]=$(field "$r" p50_us)
    results[hit32_p99,$target,$round]=$(field "$r" p99_us)
    if [ $target = cachette ]; then cachette_requests=$((cachette_requests + $(field "$r" requests))); fi
    say "run-proxy-bench: round $round hit  c$HIT_CONNS $target: $r"
  done
  for target in $order; do
    url=$cachette_url; [ $target = nginx ] && url=$nginx_url
    r=$(BENCH_LAT=1 run_wrk "hit1-$target-$round" -t1 -c1 -d${DURATION}s -s "$script_dir/chat.lua" "$url")
    [ "$(field "$r" errors)" = 0 ] || die "$target: errors at 1 connection: $r"
    results[hit1_p50,$target,$round]=$(field "$r" p50_us)
    results[hit1_p99,$target,$round]=$(field "$r" p99_us)
    results[hit1_rps,$target,$round]=$(field "$r" rps)
    if [ $target = cachette ]; then cachette_requests=$((cachette_requests + $(field "$r" requests))); fi
    say "run-proxy-bench: round $round hit  c1  $target: $r"
  done
done
cpu_after=$(cpu_ticks)
hertz=$(getconf CLK_TCK)
cpu_us_per_hit=$(awk -v t=$((cpu_after - cpu_before)) -v hz="$hertz" -v n="$cachette_requests" \
  'BEGIN {printf "%.1f", n ? t / hz * 1e6 / n : 0}')

for round in $(seq "$ROUNDS"); do
  if ((round % 2)); then order="cachette direct"; else order="direct cachette"; fi
  for target in $order; do
    url=$cachette_url; [ $target = direct ] && url=$fake_url
    r=$(BENCH_LAT=1 run_wrk "miss-$target-$round" -t1 -c1 -d${DURATION}s -s "$script_dir/miss.lua" "$url" -- "r$round-$target-$$-$RANDOM")
    [ "$(field "$r" errors)" = 0 ] || die "$target: errors on the miss path: $r"
    if [ $target = cachette ]; then
      [ "$(field "$r" hit)" = 0 ] && [ "$(field "$r" other)" = 0 ] && [ "$(field "$r" miss)" = "$(field "$r" requests)" ] ||
        die "cachette: not every miss-path answer was X-Cachette: miss: $r"
    fi
    results[miss_p50,$target,$round]=$(field "$r" p50_us)
    results[miss_p99,$target,$round]=$(field "$r" p99_us)
    results[miss_rps,$target,$round]=$(field "$r" rps)
    results[miss_count,$target,$round]=$(field "$r" miss)
    say "run-proxy-bench: round $round miss c1  $target: $r"
  done
  c=${results[miss_p50,cachette,$round]} d=${results[miss_p50,direct,$round]}
  results[miss_added,cachette,$round]=$((c - d))
done

# "Idle" after the runs: wait (at most 30 s) until Cachette has used no CPU for two seconds, so
# queued writes have drained; how long that took is reported too.
settle_s=0 quiet=0 prev=$(cpu_ticks)
while [ "$settle_s" -lt 30 ] && [ "$quiet" -lt 2 ]; do
  sleep 1; settle_s=$((settle_s + 1)); now=$(cpu_ticks)
  if [ $((now - prev)) -le 1 ]; then quiet=$((quiet + 1)); else quiet=0; fi
  prev=$now
done
settled="idle after ${settle_s} s"
[ "$quiet" -ge 2 ] || settled="still busy after ${settle_s} s"
rss_end=$(rss_kb)
rss_end_parts=$(rss_parts)
hwm=$(hwm_kb)
db_mb=$(du -sm "$data_dir" | cut -f1)

# ---- report ------------------------------------------------------------------------------------
med() { values "$1" "$2" | median; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", b ? a / b : 0}'; }
per_round_ratio() {   # per_round_ratio METRIC A B
  local r out=()
  for r in $(seq "$ROUNDS"); do out+=("$(ratio "${results[$1,$2,$r]}" "${results[$1,$3,$r]}")"); done
  echo "${out[*]}"
}
fmt_int() { printf '%.0f' "$1"; }
mark() { if [ "$1" = 1 ]; then echo "**met**"; else echo "**not met**"; fi; }

hit_c=$(med hit_rps cachette);   hit_n=$(med hit_rps nginx)
hit32p50_c=$(med hit32_p50 cachette); hit32p50_n=$(med hit32_p50 nginx)
hit32p99_c=$(med hit32_p99 cachette); hit32p99_n=$(med hit32_p99 nginx)
h1_c=$(med hit1_p50 cachette);   h1_n=$(med hit1_p50 nginx)
h1p99_c=$(med hit1_p99 cachette); h1p99_n=$(med hit1_p99 nginx)
h1rps_c=$(med hit1_rps cachette); h1rps_n=$(med hit1_rps nginx)
m_c=$(med miss_p50 cachette);    m_d=$(med miss_p50 direct)
mp99_c=$(med miss_p99 cachette); mp99_d=$(med miss_p99 direct)
mrps_c=$(med miss_rps cachette); mrps_d=$(med miss_rps direct)
added=$(med miss_added cachette)

ok_hit=$(awk -v a="$hit_c" -v b="$hit_n" 'BEGIN {print (a >= b) ? 1 : 0}')
ok_lat=$(awk -v a="$h1_c" 'BEGIN {print (a <= 100) ? 1 : 0}')
ok_miss=$(awk -v a="$added" 'BEGIN {print (a <= 500) ? 1 : 0}')
ok_rss=$(awk -v a="$rss_end" -v b="$rss_start" 'BEGIN {print (a <= 61440 && b <= 61440) ? 1 : 0}')

cat <<EOF

## Exact-cache benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')

Machine: $(nproc) cores, $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo), $(uname -r).
Cachette: \`$binary\` (${build_type:-unknown build type}, built $(date -u -r "$binary" '+%Y-%m-%d %H:%M UTC'), repository at $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?') plus any uncommitted changes); $(wrk -v 2>&1 | head -n1 | awk '{print $1, $2}'); $("$NGINX" -v 2>&1 | sed 's/^nginx version: //'), worker_processes 1.
Before the run the machine was ${busy_start}% busy (load average $load_start; after: $(cut -d' ' -f1-3 /proc/loadavg)).
CPU pinning: ${PIN:-none (the scheduler decides)}.
$ROUNDS interleaved rounds of ${DURATION} s per run; medians over rounds; ratio = Cachette / reference.
Hit answer: ${cachette_hit_bytes} bytes from Cachette, ${#completion} bytes from the provider.

| metric | Cachette | reference | ratio | target | |
|---|---:|---:|---:|---|---|
| hit throughput, wrk -t2 -c$HIT_CONNS (req/s) | $(fmt_int "$hit_c") | $(fmt_int "$hit_n") (nginx) | $(ratio "$hit_c" "$hit_n") | ≥ nginx | $(mark "$ok_hit") |
| hit p50 / p99 at $HIT_CONNS connections (µs, wrk's CO-corrected) | $hit32p50_c / $hit32p99_c | $hit32p50_n / $hit32p99_n (nginx) | $(ratio "$hit32p50_c" "$hit32p50_n") | | |
| hit p50, wrk -t1 -c1 (µs) | $h1_c | $h1_n (nginx) | $(ratio "$h1_c" "$h1_n") | ≤ 100 µs | $(mark "$ok_lat") |
| hit p99, wrk -t1 -c1 (µs) | $h1p99_c | $h1p99_n (nginx) | $(ratio "$h1p99_c" "$h1p99_n") | | |
| hit throughput, wrk -t1 -c1 (req/s) | $(fmt_int "$h1rps_c") | $(fmt_int "$h1rps_n") (nginx) | $(ratio "$h1rps_c" "$h1rps_n") | | |
| miss p50, wrk -t1 -c1 (µs) | $m_c | $m_d (provider direct) | $(ratio "$m_c" "$m_d") | | |
| miss p50 added by Cachette (µs, median of per-round differences) | $added | | | ≤ 500 µs | $(mark "$ok_miss") |
| miss p99, wrk -t1 -c1 (µs) | $mp99_c | $mp99_d (provider direct) | $(ratio "$mp99_c" "$mp99_d") | | |
| miss throughput, wrk -t1 -c1 (req/s) | $(fmt_int "$mrps_c") | $(fmt_int "$mrps_d") (provider direct) | $(ratio "$mrps_c" "$mrps_d") | | |
| idle RSS after start / after the runs ($settled) (MB) | $(awk -v a="$rss_start" 'BEGIN {printf "%.1f", a / 1024}') / $(awk -v a="$rss_end" 'BEGIN {printf "%.1f", a / 1024}') | | | ≤ 60 MB | $(mark "$ok_rss") |
| peak RSS during the runs (MB) | $(awk -v a="$hwm" 'BEGIN {printf "%.1f", a / 1024}') | | | | |
| RSS after start by kind (MB) | $rss_start_parts | | | | |
| RSS after the runs by kind (MB) | $rss_end_parts | | | | |
| data dir after the runs (MB) | $db_mb | | | | |
| Cachette CPU per hit (µs, user+sys over all hit runs) | $cpu_us_per_hit | | | | |

At one connection the percentiles are plain ones measured by the Lua scripts (see
tests/bench/report.lua); wrk's own are "corrected" for coordinated omission and meaningless there.

Per round (round 1, 2, …; odd rounds run Cachette first, even rounds the reference first):

| metric | Cachette | reference | ratio per round |
|---|---|---|---|
| hit req/s at $HIT_CONNS connections | $(values hit_rps cachette) | $(values hit_rps nginx) | $(per_round_ratio hit_rps cachette nginx) |
| hit p50 at 1 connection (µs) | $(values hit1_p50 cachette) | $(values hit1_p50 nginx) | $(per_round_ratio hit1_p50 cachette nginx) |
| miss p50 at 1 connection (µs) | $(values miss_p50 cachette) | $(values miss_p50 direct) | $(per_round_ratio miss_p50 cachette direct) |
| miss req/s at 1 connection | $(values miss_rps cachette) | $(values miss_rps direct) | $(per_round_ratio miss_rps cachette direct) |
| X-Cachette: miss answers counted | $(values miss_count cachette) | | |

Commands (ports vary per run):

\`\`\`
wrk -t2 -c$HIT_CONNS -d${DURATION}s --timeout $WRK_TIMEOUT -s tests/bench/chat.lua $cachette_url
wrk -t2 -c$HIT_CONNS -d${DURATION}s --timeout $WRK_TIMEOUT -s tests/bench/chat.lua $nginx_url
BENCH_LAT=1 wrk -t1 -c1 -d${DURATION}s --timeout $WRK_TIMEOUT -s tests/bench/chat.lua $cachette_url
BENCH_LAT=1 wrk -t1 -c1 -d${DURATION}s --timeout $WRK_TIMEOUT -s tests/bench/chat.lua $nginx_url
BENCH_LAT=1 wrk -t1 -c1 -d${DURATION}s --timeout $WRK_TIMEOUT -s tests/bench/miss.lua $cachette_url -- NONCE
BENCH_LAT=1 wrk -t1 -c1 -d${DURATION}s --timeout $WRK_TIMEOUT -s tests/bench/miss.lua $fake_url -- NONCE
\`\`\`
EOF
