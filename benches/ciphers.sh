#!/usr/bin/env bash
# Cipher enumeration benchmark: wsusprobe ciphers against sslscan, nmap ssl-enum-ciphers and
# testssl.sh, alternately, on the same loopback nginx servers. Prints each tool's median wall
# time, the connections it opened (counted by a relay in front of each server) and the ratios.
#   bash benches/ciphers.sh [runs]       (needs nginx, openssl, sslscan, nmap, testssl (Debian testssl.sh), python3, bc)
# Loopback only.
set -euo pipefail
runs=${1:-5}
. "$(dirname "$0")/common.sh"
d=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; [ -f "$d/nginx.pid" ] && kill "$(cat "$d/nginx.pid")" 2>/dev/null; rm -rf "$d"; }
trap cleanup EXIT
cd "$d"
q() { "$@" >/dev/null 2>&1; }
printf 'basicConstraints=CA:FALSE\nsubjectAltName=DNS:sws.update.microsoft.com\nextendedKeyUsage=serverAuth\n' > leaf.ext
q openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 30 -subj '/CN=bench CA'
q openssl req -newkey rsa:2048 -nodes -keyout leaf.key -out leaf.csr -subj '/CN=sws.update.microsoft.com'
q openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out leaf.pem -days 30 -extfile leaf.ext
cat > nginx.conf <<CONF
worker_processes 1; master_process off; daemon on; pid $d/nginx.pid; error_log $d/error.log;
events { worker_connections 512; }
http { access_log off;
  ssl_certificate $d/leaf.pem; ssl_certificate_key $d/leaf.key;
  server { listen 127.0.0.1:24001 ssl; ssl_protocols TLSv1.2;
    ssl_ciphers ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-SHA384:ECDHE-RSA-AES128-SHA256; }
  server { listen 127.0.0.1:24002 ssl; ssl_protocols TLSv1; ssl_ciphers 'ECDHE-RSA-AES256-SHA:AES256-SHA:@SECLEVEL=0'; }
  server { listen 127.0.0.1:24003 ssl; ssl_protocols TLSv1.2 TLSv1.3; ssl_prefer_server_ciphers on;
    ssl_ciphers 'HIGH:MEDIUM:!aNULL:!PSK:!SRP:@SECLEVEL=0'; }
}
CONF
"$(command -v nginx || echo /usr/sbin/nginx)" -p "$d" -c "$d/nginx.conf"
for s in 1 2 3; do
  python3 "$here/benches/relay.py" "2410$s" "2400$s" "$d/count$s" & pids+=($!)
done
sleep 0.5

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
now() { date +%s.%N; }
run_tool() { # tool port -> runs the tool once
  local port=$2
  case $1 in
    wsusprobe) "$bin" ciphers --json --sni sws.update.microsoft.com "127.0.0.1:$port" > "$d/out.json" ;;
    sslscan) sslscan --no-colour --sni-name=sws.update.microsoft.com "127.0.0.1:$port" > /dev/null 2>&1 ;;
    nmap) nmap -Pn -n -p "$port" --script ssl-enum-ciphers 127.0.0.1 > /dev/null 2>&1 ;;
    testssl) testssl --quiet --color 0 --warnings off -E --sneaky "127.0.0.1:$port" > "$d/testssl.out" 2>&1 || true ;;
  esac
}

printf '%-12s %-10s %10s %12s %12s\n' server tool median_s connections vs_sslscan
for s in 1 2 3; do
  case $s in 1) name=four-suite ;; 2) name=tls10-only ;; 3) name=modern ;; esac
  port="2410$s"
  declare -A times=() conns=()
  for tool in wsusprobe sslscan nmap testssl; do times[$tool]=""; done
  for r in $(seq 1 "$runs"); do
    for tool in wsusprobe sslscan nmap testssl; do
      # testssl.sh takes long: one run is enough to place it.
      if [ "$tool" = testssl ] && [ "$r" -gt 1 ]; then continue; fi
      before=$(cat "$d/count$s" 2>/dev/null || echo 0)
      t0=$(now); run_tool "$tool" "$port"; t1=$(now)
      after=$(cat "$d/count$s" 2>/dev/null || echo 0)
      times[$tool]+="$(echo "$t1 - $t0" | bc -l)"$'\n'
      conns[$tool]=$((after - before))
    done
  done
  ref=$(printf '%s' "${times[sslscan]}" | median)
  for tool in wsusprobe sslscan nmap testssl; do
    m=$(printf '%s' "${times[$tool]}" | median)
    printf '%-12s %-10s %10.3f %12s %11.2fx\n' "$name" "$tool" "$m" "${conns[$tool]}" "$(echo "$m / $ref" | bc -l)"
  done
  unset times conns
done
