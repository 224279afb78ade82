#!/usr/bin/env bash
# Sweep benchmark: 40 paths (the catalog hosts over http and https) through the lab's Squid, with
# 50 ms added in each direction by a latency shim between the tool and the proxy (RTT 100 ms).
# Prints wall time, the floor (sequential round trips of one path x RTT), their ratio and peak
# memory, for wsusprobe and for curl over the same paths (sequential and --parallel).
#   sudo bash testdata/lab/lab.sh start && bash benches/sweep.sh [runs]
# Loopback only: the lab DNS maps every name to 127.0.0.2.
set -euo pipefail
runs=${1:-3}
. /tmp/wsusprobe-lab/lab.env
. "$(dirname "$0")/common.sh"
delay_ms=50
rtt=$(echo "2 * $delay_ms / 1000" | bc -l)
shim_port=23128
proxy_port=${LAB_PROXY_ALL##*:}
python3 "$here/benches/latency_shim.py" "$shim_port" "$proxy_port" "$delay_ms" &
shim=$!
trap 'kill $shim 2>/dev/null || true' EXIT
sleep 0.5
proxy="http://127.0.0.1:$shim_port"

lab_urls 40

# Wall time (s) and peak RSS (KiB) of a command.
measure() {
  python3 - "$@" <<'PY'
import resource, subprocess, sys, time
t = time.monotonic()
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
wall = time.monotonic() - t
print(f"{wall:.3f} {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}")
PY
}

# One https path through the proxy: CONNECT, TLS 1.2 (2 round trips), the request. The shim
# delays data, not the TCP handshake (the kernel completes that), so TCP adds no round trip here.
floor=$(echo "4 * $rtt" | bc -l)
printf 'paths: %d, added RTT %.0f ms, floor (4 sequential round trips of one https path) %.3f s\n' ${#urls[@]} "$(echo "$rtt * 1000" | bc -l)" "$floor"
printf '%-22s %10s %8s %12s\n' tool wall_s ratio peak_rss_MB
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
declare -A walls=() rss=()
for r in $(seq 1 "$runs"); do
  read -r w m < <(measure "$bin" check --json --proxy "$proxy" --dns-server "$LAB_DNS" --ca-file "$LAB_ROOT_CA" "${urls[@]}")
  walls[wsusprobe]+="$w"$'\n'; rss[wsusprobe]=$m
  read -r w m < <(measure curl -s -o /dev/null --proxy "$proxy" --cacert "$LAB_ROOT_CA" --parallel --parallel-max 64 "${urls[@]}")
  walls[curl-parallel]+="$w"$'\n'; rss[curl-parallel]=$m
  if [ "$r" -eq 1 ]; then
    read -r w m < <(measure bash -c 'for u in "$@"; do curl -s -o /dev/null --proxy "'"$proxy"'" --cacert "'"$LAB_ROOT_CA"'" "$u"; done' _ "${urls[@]}")
    walls[curl-sequential]+="$w"$'\n'; rss[curl-sequential]=$m
  fi
done
for tool in wsusprobe curl-parallel curl-sequential; do
  m=$(printf '%s' "${walls[$tool]}" | median)
  printf '%-22s %10.3f %8.2f %12.1f\n' "$tool" "$m" "$(echo "$m / $floor" | bc -l)" "$(echo "${rss[$tool]} / 1024" | bc -l)"
done
