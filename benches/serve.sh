#!/usr/bin/env bash
# Exporter benchmark: Debian's prometheus-blackbox-exporter (http module) and `wsusprobe serve`
# probe the same 40 lab paths through the lab's Squid under the same scrape load (SCRAPES scrapes,
# CONCURRENCY at a time, each with a 10 s scrape timeout). Prints, for each exporter, the scrapes
# answered other than 200, the probes that succeeded, scrape latency p50/p99/max and the
# exporter's peak RSS.
#   sudo bash testdata/lab/lab.sh start && bash benches/serve.sh [SCRAPES] [CONCURRENCY]
# Loopback only: Squid resolves the catalog names through the lab DNS; blackbox_exporter is told
# not to resolve them itself (skip_resolve_phase_with_proxy), wsusprobe resolves only the proxy.
set -euo pipefail
scrapes=${1:-200}
conc=${2:-20}
. /tmp/wsusprobe-lab/lab.env
. "$(dirname "$0")/common.sh"
command -v prometheus-blackbox-exporter >/dev/null ||
  { echo "serve.sh: apt-get install prometheus-blackbox-exporter" >&2; exit 1; }
proxy=http://127.0.0.1:${LAB_PROXY_ALL##*:}
lab_urls 40
work=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; rm -rf "$work"' EXIT

cat > "$work/blackbox.yml" <<YML
modules:
  http_lab:
    prober: http
    timeout: 10s
    http:
      preferred_ip_protocol: ip4
      skip_resolve_phase_with_proxy: true
      valid_status_codes: [200, 404]
      proxy_url: $proxy
      tls_config:
        ca_file: $LAB_ROOT_CA
YML

# wait_http ADDR: until the exporter answers.
wait_http() {
  for _ in $(seq 1 100); do
    curl -s -o /dev/null "http://$1/metrics" && return 0
    sleep 0.1
  done
  echo "serve.sh: nothing answers on $1" >&2
  exit 1
}

printf 'paths: %d through Squid, %d scrapes, %d at a time\n' ${#urls[@]} "$scrapes" "$conc"
printf '%-16s %7s %7s %10s %8s %8s %8s %12s\n' exporter scrapes errors successes p50_ms p99_ms max_ms peak_rss_MB
report() {
  read -r n err ok p50 p99 max rss
  printf '%-16s %7s %7s %10s %8s %8s %8s %12.1f\n' "$1" "$n" "$err" "$ok" "$p50" "$p99" "$max" "$(echo "$rss / 1024" | bc -l)"
}

prometheus-blackbox-exporter --config.file="$work/blackbox.yml" \
  --web.listen-address=127.0.0.1:19115 --log.level=error >"$work/blackbox.log" 2>&1 &
pids+=($!)
wait_http 127.0.0.1:19115
python3 "$here/benches/scrape_load.py" 127.0.0.1:19115 "${pids[-1]}" "$scrapes" "$conc" \
  "&module=http_lab" "${urls[@]}" | report blackbox_exporter

"$bin" serve --listen 127.0.0.1:19925 --proxy "$proxy" --dns-server "$LAB_DNS" \
  --ca-file "$LAB_ROOT_CA" --concurrency 64 >"$work/wsusprobe.log" 2>&1 &
pids+=($!)
wait_http 127.0.0.1:19925
python3 "$here/benches/scrape_load.py" 127.0.0.1:19925 "${pids[-1]}" "$scrapes" "$conc" \
  "" "${urls[@]}" | report wsusprobe
