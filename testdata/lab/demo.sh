#!/usr/bin/env bash
# A loopback demo of wsusprobe against real nginx servers that play sws.update.microsoft.com:
#   8443  healthy: TLS 1.2, RSA chain, answers the SOAP GetAuthConfig call
#   8444  accepts only the CBC suites of Microsoft Update's 2020 list
#   8445  certificate re-signed by a "TLS inspection" CA
# Needs nginx and openssl (bash .ci/run installs them). Touches nothing but 127.0.0.1.
# Usage: bash testdata/lab/demo.sh [path/to/wsusprobe]
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
bin=${1:-$here/target/release/wsusprobe}
[ -x "$bin" ] || (cd "$here" && cargo build --release -q)
nginx=$(command -v nginx || echo /usr/sbin/nginx)
d=$(mktemp -d)
trap 'kill "$(cat "$d/nginx.pid" 2>/dev/null)" 2>/dev/null || true; rm -rf "$d"' EXIT
cd "$d"
printf 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n' > ca.ext
printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:sws.update.microsoft.com\nauthorityKeyIdentifier=keyid\n' > leaf.ext
q() { "$@" 2>/dev/null >/dev/null; }
q openssl req -x509 -newkey rsa:2048 -nodes -keyout root.key -out root.pem -days 3650 -subj '/CN=Contoso Lab Root' \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
q openssl req -newkey rsa:2048 -nodes -keyout inter.key -out inter.csr -subj '/O=Microsoft Corporation/CN=Microsoft Update Secure Server CA 2.1'
q openssl x509 -req -in inter.csr -CA root.pem -CAkey root.key -CAcreateserial -out inter.pem -days 3650 -extfile ca.ext
q openssl req -newkey rsa:2048 -nodes -keyout leaf.key -out leaf.csr -subj '/CN=sws.update.microsoft.com'
q openssl x509 -req -in leaf.csr -CA inter.pem -CAkey inter.key -CAcreateserial -out leaf.pem -days 90 -extfile leaf.ext
q openssl req -x509 -newkey rsa:2048 -nodes -keyout insp.key -out insp.pem -days 3650 -subj '/O=Contoso/CN=Contoso TLS Inspection CA' \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
q openssl req -newkey rsa:2048 -nodes -keyout ileaf.key -out ileaf.csr -subj '/CN=sws.update.microsoft.com'
q openssl x509 -req -in ileaf.csr -CA insp.pem -CAkey insp.key -CAcreateserial -out ileaf.pem -days 30 -extfile leaf.ext
cat leaf.pem inter.pem > fullchain.pem
soap='<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><GetAuthConfigResponse xmlns="http://www.microsoft.com/SoftwareDistribution"><GetAuthConfigResult><AuthInfo><AuthPlugInInfo><PlugInID>DssTargeting</PlugInID></AuthPlugInInfo></AuthInfo></GetAuthConfigResult></GetAuthConfigResponse></s:Body></s:Envelope>'
sync='location = /ServerSyncWebService/ServerSyncWebService.asmx { default_type text/xml; return 200 '"'$soap'"'; }'
cat > nginx.conf <<EOF
worker_processes 1; master_process off; daemon on; pid $d/nginx.pid; error_log $d/error.log;
events { worker_connections 64; }
http { access_log off; client_body_temp_path $d/body;
  server { listen 127.0.0.1:8443 ssl; ssl_certificate $d/fullchain.pem; ssl_certificate_key $d/leaf.key; ssl_protocols TLSv1.2;
    ssl_ciphers ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-SHA384:ECDHE-RSA-AES128-SHA256; $sync }
  server { listen 127.0.0.1:8444 ssl; ssl_certificate $d/fullchain.pem; ssl_certificate_key $d/leaf.key; ssl_protocols TLSv1.2;
    ssl_ciphers ECDHE-RSA-AES256-SHA384:ECDHE-RSA-AES128-SHA256; $sync }
  server { listen 127.0.0.1:8445 ssl; ssl_certificate $d/ileaf.pem; ssl_certificate_key $d/ileaf.key; $sync }
}
EOF
"$nginx" -p "$d" -c "$d/nginx.conf"
sleep 0.3
for port in 8443 8444 8445; do
  echo "\$ wsusprobe check --resolve sws.update.microsoft.com:$port:127.0.0.1 --ca-file lab-root.pem https://sws.update.microsoft.com:$port/ServerSyncWebService/ServerSyncWebService.asmx"
  "$bin" check --resolve "sws.update.microsoft.com:$port:127.0.0.1" --ca-file "$d/root.pem" \
    "https://sws.update.microsoft.com:$port/ServerSyncWebService/ServerSyncWebService.asmx" || echo "(exit $?)"
  echo
done
