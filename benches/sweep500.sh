#!/usr/bin/env bash
# Concurrency bound: 500 https paths through the lab's Squid (no added latency), with wsusprobe at
# several --concurrency settings and curl --parallel at the same widths. Prints wall time, peak
# memory and the most sockets open at once (benches/measure.py samples /proc).
#   sudo bash testdata/lab/lab.sh start && bash benches/sweep500.sh
# Loopback only: the lab DNS maps every name to 127.0.0.2.
set -euo pipefail
. /tmp/wsusprobe-lab/lab.env
. "$(dirname "$0")/common.sh"
urls=()
for i in $(seq 0 499); do urls+=("https://sws.update.microsoft.com/sweep/$i"); done
printf '%-30s %8s %12s %12s %5s\n' "500 paths through Squid" wall_s peak_rss_MB max_sockets exit
row() {
  local name=$1; shift
  read -r w m s e < <(python3 "$here/benches/measure.py" "$@")
  printf '%-30s %8.3f %12.1f %12d %5d\n' "$name" "$w" "$(echo "$m / 1024" | bc -l)" "$s" "$e"
}
for c in 8 32 128; do
  row "wsusprobe --concurrency $c" "$bin" check --format csv --concurrency "$c" --proxy "$LAB_PROXY_OPEN" \
    --dns-server "$LAB_DNS" --ca-file "$LAB_ROOT_CA" "${urls[@]}"
done
for c in 8 32 128; do
  row "curl --parallel-max $c" curl -s -o /dev/null --proxy "$LAB_PROXY_OPEN" --cacert "$LAB_ROOT_CA" \
    --parallel --parallel-max "$c" "${urls[@]}"
done
