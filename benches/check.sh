#!/usr/bin/env bash
# One healthy check, wsusprobe vs curl, on the same loopback path: the lab's nginx playing
# sws.update.microsoft.com, the same SOAP GetAuthConfig POST, the same CA file, name pinned to
# 127.0.0.1. hyperfine (Debian package `hyperfine`) alternates the two commands run by run and
# reports each median; the script prints their ratio.
#   sudo bash testdata/lab/lab.sh start && bash benches/check.sh [runs]
# Loopback only.
set -euo pipefail
runs=${1:-40}
. /tmp/wsusprobe-lab/lab.env
. "$(dirname "$0")/common.sh"
command -v hyperfine >/dev/null || { echo "benches/check.sh needs hyperfine (apt-get install hyperfine)" >&2; exit 1; }

host=sws.update.microsoft.com
url="https://$host:$LAB_TLS_GOOD/ServerSyncWebService/ServerSyncWebService.asmx"
pin="$host:$LAB_TLS_GOOD:127.0.0.1"
body='<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><GetAuthConfig xmlns="http://www.microsoft.com/SoftwareDistribution" /></soap:Body></soap:Envelope>'
out=$(mktemp)
trap 'rm -f "$out"' EXIT

"$bin" check --resolve "$pin" --ca-file "$LAB_ROOT_CA" "$url" >/dev/null || { echo "the lab path is not healthy" >&2; exit 1; }
hyperfine --style none --warmup 5 --runs "$runs" --export-json "$out" \
  -n wsusprobe "$bin check --resolve $pin --ca-file $LAB_ROOT_CA $url" \
  -n curl "curl -sS -o /dev/null --resolve $pin --cacert $LAB_ROOT_CA -H 'Content-Type: text/xml; charset=utf-8' -H 'SOAPAction: \"http://www.microsoft.com/SoftwareDistribution/GetAuthConfig\"' --data-binary '$body' $url" \
  >/dev/null
python3 - "$out" <<'EOF'
import json, sys
res = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
w, c = res["wsusprobe"]["median"] * 1000, res["curl"]["median"] * 1000
print(f"{'tool':<10} {'median ms':>10} {'min ms':>8} {'max ms':>8}")
for name in ("wsusprobe", "curl"):
    r = res[name]
    print(f"{name:<10} {r['median']*1000:>10.1f} {r['min']*1000:>8.1f} {r['max']*1000:>8.1f}")
print(f"wsusprobe / curl median: {w / c:.2f}x")
EOF
