#!/usr/bin/env bash
# A healthy check through Squid with Negotiate (Kerberos, the lab user's ticket) beside the same
# check with Basic, and curl --proxy-negotiate beside both: what Kerberos costs. The lab's KDC,
# its Kerberos Squid port (proxy.lab.test) and its Basic port answer on loopback. hyperfine
# alternates the commands; the script prints medians, their ratio, and each one's CONNECTs.
#   sudo bash testdata/lab/lab.sh start && bash benches/negotiate.sh [runs]
# Builds the release binary with the gssapi feature (libkrb5-dev and libclang must be installed).
set -euo pipefail
runs=${1:-40}
features=gssapi
. /tmp/wsusprobe-lab/lab.env
. "$(dirname "$0")/common.sh"
command -v hyperfine >/dev/null || { echo "benches/negotiate.sh needs hyperfine (apt-get install hyperfine)" >&2; exit 1; }

host=sws.update.microsoft.com
url="https://$host:$LAB_TLS_GOOD/ServerSyncWebService/ServerSyncWebService.asmx"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$LAB_KRB_USER_CCACHE" "$work/ccache"
export KRB5_CONFIG=$LAB_KRB5_CONFIG KRB5CCNAME=FILE:$work/ccache WSUSPROBE_PROXY_PASSWORD=$LAB_PASSWORD
kport=${LAB_PROXY_KERBEROS##*:}
common="--dns-server $LAB_DNS --ca-file $LAB_ROOT_CA $url"

for route in "--proxy $LAB_PROXY_KERBEROS" "--proxy $LAB_PROXY_AUTH --proxy-user $LAB_USER"; do
  # shellcheck disable=SC2086
  "$bin" check --json $route $common > "$work/r.json" || { echo "the lab path is not healthy: $route" >&2; exit 1; }
  python3 - "$work/r.json" "$route" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))["paths"][0]
d = next(s for s in p["stages"] if s["stage"] == "proxy")["detail"]
print(f"{d['scheme']:<10} CONNECTs per check: {d['round_trips']}  ({sys.argv[2].split()[1]})")
PY
done
hyperfine --style none --warmup 5 --runs "$runs" --export-json "$work/h.json" \
  -n negotiate "$bin check --proxy $LAB_PROXY_KERBEROS $common" \
  -n basic "$bin check --proxy $LAB_PROXY_AUTH --proxy-user $LAB_USER $common" \
  -n curl-negotiate "curl -sS -o /dev/null --resolve proxy.lab.test:$kport:127.0.0.1 --resolve $host:$LAB_TLS_GOOD:127.0.0.1 --cacert $LAB_ROOT_CA --proxy $LAB_PROXY_KERBEROS --proxy-negotiate -U : $url" \
  >/dev/null
python3 - "$work/h.json" <<'EOF2'
import json, sys
res = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
print(f"{'command':<15} {'median ms':>10} {'min ms':>8} {'max ms':>8}")
for name in ("negotiate", "basic", "curl-negotiate"):
    r = res[name]
    print(f"{name:<15} {r['median']*1000:>10.1f} {r['min']*1000:>8.1f} {r['max']*1000:>8.1f}")
n, b = res["negotiate"]["median"], res["basic"]["median"]
print(f"negotiate / basic median: {n / b:.2f}x ({(n - b) * 1000:+.1f} ms)")
EOF2
