#!/usr/bin/env bash
# The real-service proxy lab, on loopback only: dnsmasq (lab DNS), nginx (TLS servers playing
# Microsoft Update), Squid (open port with an allowlist, Basic-auth port, ssl_bump port…), and an
# MIT KDC (realm LAB.TEST) behind a Squid port that takes Negotiate/Kerberos only.
# CI starts it before the tests; start it by hand to rehearse a proxy change:
#
#   bash testdata/lab/lab.sh start     # prints the ports; state in $LAB_DIR (default /tmp/wsusprobe-lab)
#   . /tmp/wsusprobe-lab/lab.env       # LAB_* variables for your own commands
#   bash testdata/lab/lab.sh stop
#
# Needs root (dnsmasq answers on 127.0.0.153:53, where Squid's resolver looks), and squid-openssl,
# nginx, dnsmasq-base, openssl, krb5-kdc, krb5-admin-server, krb5-user. Nothing here reaches beyond 127.0.0.0/8: the lab DNS has no upstream.
set -euo pipefail

LAB_DIR=${LAB_DIR:-/tmp/wsusprobe-lab}
BASE=${LAB_PORT_BASE:-13100}
LAB_DNS_IP=127.0.0.153
LAB_PROXY_OPEN=$((BASE + 28))   # 13128: allowlist of Microsoft Update domains
LAB_PROXY_AUTH=$((BASE + 29))   # 13129: Basic authentication required
LAB_PROXY_BUMP=$((BASE + 30))   # 13130: TLS inspection (ssl_bump) with the lab inspection CA
LAB_PROXY_NTLM=$((BASE + 31))   # 13131: NTLM authentication only (ntlm_fake_auth: a real exchange, any password)
LAB_PROXY_BOTH=$((BASE + 32))   # 13132: Basic and NTLM offered together
LAB_PROXY_CATALOG=$((BASE + 33)) # 13133: allowlist of the catalog's domains, minus download.microsoft.com
LAB_PROXY_ALL=$((BASE + 34))    # 13134: allows every destination
LAB_PROXY_PORTS=$((BASE + 35))  # 13135: any domain, but CONNECT only to port 443 (Squid's SSL_ports rule)
LAB_PROXY_SNI=$((BASE + 36))    # 13136: peeks at the TLS hello and cuts it when its SNI names sws (next-generation firewall style)
LAB_PROXY_PARENT=$((BASE + 37)) # 13137: must forward through a parent proxy (cache_peer, never_direct) that is down
LAB_DEAD_PARENT=$((BASE + 98))  # 13198: the parent's port: nothing listens here
LAB_PROXY_KERBEROS=$((BASE + 38)) # 13138: Negotiate only (negotiate_kerberos_auth), reached as proxy.lab.test
LAB_KDC=$((BASE + 88))          # 13188: the MIT KDC of realm LAB.TEST (TCP and UDP)
LAB_REALM=LAB.TEST
LAB_CATALOG_IP=127.0.0.2        # nginx answering every catalog host on ports 80 and 443
LAB_TLS_GOOD=$((BASE + 43))     # 13143: nginx, healthy sws.update.microsoft.com (SOAP answer)
LAB_HTTP=$((BASE + 80))         # 13180: nginx, plain HTTP content host (download.windowsupdate.com)
LAB_AIA_HTTP=$((BASE + 81))     # 13181: nginx, the AIA host (aia.lab.test): /inter.cer (DER), /inter.p7c (PKCS#7)
LAB_TLS_AIA=$((BASE + 44))      # 13144: nginx, sws's leaf alone; its AIA URL names /inter.cer on aia.lab.test
LAB_TLS_AIA_P7C=$((BASE + 45))  # 13145: the same, AIA URL /inter.p7c
LAB_TLS_AIA_DEAD=$((BASE + 46)) # 13146: the same, AIA URL on a port where nothing listens (13199)
LAB_CLOSED=$((BASE + 99))       # 13199: nothing listens here
LAB_USER=wsus-sync
LAB_PASSWORD=${LAB_PASSWORD:-Lab-Proxy-Pa55-7f3c}
SQUID=$(command -v squid || echo /usr/sbin/squid)
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
DNSMASQ=$(command -v dnsmasq || echo /usr/sbin/dnsmasq)
CERTGEN=/usr/lib/squid/security_file_certgen

stop() {
  for svc in squid nginx dnsmasq krb5kdc; do
    if [ -f "$LAB_DIR/$svc.pid" ]; then
      kill "$(cat "$LAB_DIR/$svc.pid")" 2>/dev/null || true
    fi
  done
  # Squid's helpers exit with it; give it a moment.
  for _ in $(seq 1 50); do
    [ -f "$LAB_DIR/squid.pid" ] && kill -0 "$(cat "$LAB_DIR/squid.pid")" 2>/dev/null || break
    sleep 0.1
  done
  rm -f "$LAB_DIR"/*.pid "$LAB_DIR/lab.env"
}

wait_port() {
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "lab: nothing listens on $1:$2 ($3); see $LAB_DIR/*.log" >&2
  tail -n 20 "$LAB_DIR"/*.log >&2 || true
  exit 1
}

pki() {
  local d=$LAB_DIR
  printf 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n' > "$d/ca.ext"
  printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:sws.update.microsoft.com,DNS:*.update.microsoft.com,DNS:windowsupdate.microsoft.com,DNS:*.windowsupdate.microsoft.com,DNS:*.windowsupdate.com,DNS:*.download.windowsupdate.com,DNS:download.microsoft.com,DNS:go.microsoft.com,DNS:ntservicepack.microsoft.com,DNS:wustat.windows.com,DNS:*.delivery.mp.microsoft.com,DNS:*.dl.delivery.mp.microsoft.com\nauthorityKeyIdentifier=keyid\n' > "$d/leaf.ext"
  q() { "$@" >/dev/null 2>&1; }
  q openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/root.key" -out "$d/root.pem" -days 3650 \
    -subj '/CN=wsusprobe Lab Root' -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
  q openssl req -newkey rsa:2048 -nodes -keyout "$d/inter.key" -out "$d/inter.csr" \
    -subj '/O=Microsoft Corporation/CN=Microsoft Update Secure Server CA 2.1'
  q openssl x509 -req -in "$d/inter.csr" -CA "$d/root.pem" -CAkey "$d/root.key" -CAcreateserial \
    -out "$d/inter.pem" -days 3650 -extfile "$d/ca.ext"
  q openssl req -newkey rsa:2048 -nodes -keyout "$d/leaf.key" -out "$d/leaf.csr" -subj '/CN=sws.update.microsoft.com'
  q openssl x509 -req -in "$d/leaf.csr" -CA "$d/inter.pem" -CAkey "$d/inter.key" -CAcreateserial \
    -out "$d/leaf.pem" -days 90 -extfile "$d/leaf.ext"
  cat "$d/leaf.pem" "$d/inter.pem" > "$d/fullchain.pem"
  # Leaves sent alone, each naming where its issuer can be fetched (AIA caIssuers), and the
  # issuer there as DER and as PKCS#7 — the two forms Windows takes from an AIA URL.
  local name url
  for name in aia:inter.cer:$LAB_AIA_HTTP aia-p7c:inter.p7c:$LAB_AIA_HTTP aia-dead:inter.cer:$LAB_CLOSED; do
    url="http://aia.lab.test:${name##*:}/$(echo "$name" | cut -d: -f2)"
    name=${name%%:*}
    { cat "$d/leaf.ext"; echo "authorityInfoAccess=caIssuers;URI:$url"; } > "$d/$name.ext"
    q openssl x509 -req -in "$d/leaf.csr" -CA "$d/inter.pem" -CAkey "$d/inter.key" -CAcreateserial \
      -out "$d/$name.pem" -days 90 -extfile "$d/$name.ext"
  done
  mkdir -p "$d/aia"
  q openssl x509 -in "$d/inter.pem" -outform DER -out "$d/aia/inter.cer"
  q openssl crl2pkcs7 -nocrl -certfile "$d/inter.pem" -outform DER -out "$d/aia/inter.p7c"
  # The TLS-inspection CA Squid re-signs with (one PEM holding certificate and key).
  q openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/inspection.key" -out "$d/inspection.pem" -days 3650 \
    -subj '/O=Contoso/CN=Contoso TLS Inspection CA' -addext basicConstraints=critical,CA:TRUE \
    -addext keyUsage=critical,keyCertSign,cRLSign
  cat "$d/inspection.pem" "$d/inspection.key" > "$d/inspection-bundle.pem"
  printf '%s:%s\n' "$LAB_USER" "$(openssl passwd -apr1 "$LAB_PASSWORD")" > "$d/htpasswd"
}

# Every host the allowlist catalog probes (src/knowledge/endpoints.rs), and the test names.
catalog_hosts() {
  printf '%s\n' sws.update.microsoft.com www.update.microsoft.com catalog.update.microsoft.com \
    windowsupdate.microsoft.com www.windowsupdate.microsoft.com ctldl.windowsupdate.com \
    download.windowsupdate.com au.download.windowsupdate.com download.microsoft.com \
    wustat.windows.com ntservicepack.microsoft.com go.microsoft.com dl.delivery.mp.microsoft.com \
    tlu.dl.delivery.mp.microsoft.com fe3cr.delivery.mp.microsoft.com
}

# The KDC: realm LAB.TEST on 127.0.0.1:$LAB_KDC, a user (alice, whose ticket cache the tests copy),
# a machine (host/wsus01.lab.test, a client keytab: the computer account's analogue), the proxy's
# service principal in Squid's keytab, and one whose key changed after its export (a stale keytab).
kdc() {
  local k=$LAB_DIR/krb
  mkdir -p "$k/db"
  cat > "$k/krb5.conf" <<KRB
[libdefaults]
  default_realm = $LAB_REALM
  dns_lookup_kdc = false
  dns_lookup_realm = false
  dns_canonicalize_hostname = false
  rdns = false
  udp_preference_limit = 1
  kdc_timesync = 0
[realms]
  $LAB_REALM = {
    kdc = 127.0.0.1:$LAB_KDC
  }
[domain_realm]
  .lab.test = $LAB_REALM
KRB
  cat > "$k/kdc.conf" <<KRB
[kdcdefaults]
  kdc_listen = 127.0.0.1:$LAB_KDC
  kdc_tcp_listen = 127.0.0.1:$LAB_KDC
[realms]
  $LAB_REALM = {
    database_name = $k/db/principal
    key_stash_file = $k/db/stash
    acl_file = $k/kadm5.acl
    supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal
  }
[logging]
  kdc = FILE:$LAB_DIR/krb5kdc.log
KRB
  : > "$k/kadm5.acl"
  export KRB5_CONFIG=$k/krb5.conf KRB5_KDC_PROFILE=$k/kdc.conf
  q() { "$@" >/dev/null 2>&1 || { echo "lab: $* failed" >&2; "$@" >&2; exit 1; }; }
  q kdb5_util create -s -r "$LAB_REALM" -P lab-master-key
  q kadmin.local -q "addprinc -pw alice-Pa55 alice"
  q kadmin.local -q "addprinc -randkey host/wsus01.lab.test"
  q kadmin.local -q "addprinc -randkey HTTP/proxy.lab.test"
  q kadmin.local -q "addprinc -randkey HTTP/stale.lab.test"
  q kadmin.local -q "ktadd -k $k/wsus01.keytab host/wsus01.lab.test"
  q kadmin.local -q "ktadd -k $k/squid.keytab HTTP/proxy.lab.test HTTP/stale.lab.test"
  # The proxy's account gets a new key after the export: Squid's keytab for stale.lab.test is old.
  q kadmin.local -q "cpw -randkey HTTP/stale.lab.test"
  chgrp proxy "$k/squid.keytab" 2>/dev/null || true
  chmod 640 "$k/squid.keytab"
  chmod 755 "$k"
  chmod 644 "$k/krb5.conf" "$k/wsus01.keytab"
  krb5kdc -P "$LAB_DIR/krb5kdc.pid"
  wait_port 127.0.0.1 "$LAB_KDC" krb5kdc
  echo alice-Pa55 | KRB5CCNAME=FILE:$k/alice.ccache kinit alice >/dev/null
  chmod 644 "$k/alice.ccache"
  unset KRB5_CONFIG KRB5_KDC_PROFILE
}

start() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "lab: run as root (dnsmasq must answer on $LAB_DNS_IP:53 for Squid)" >&2
    exit 1
  fi
  for tool in "$SQUID" "$NGINX" "$DNSMASQ" "$CERTGEN" openssl krb5kdc kdb5_util kadmin.local kinit; do
    command -v "$tool" >/dev/null 2>&1 || [ -x "$tool" ] || { echo "lab: $tool is missing (bash .ci/run installs it)" >&2; exit 1; }
  done
  stop
  rm -rf "$LAB_DIR"
  mkdir -p "$LAB_DIR"
  chmod 755 "$LAB_DIR"
  pki

  # DNS: the lab names resolve to loopback; everything else in update.microsoft.com is NXDOMAIN,
  # anything outside is REFUSED (no upstream).
  "$DNSMASQ" --conf-file=/dev/null --no-resolv --no-hosts --bind-interfaces \
    --listen-address="$LAB_DNS_IP" --port=53 --user=root \
    --pid-file="$LAB_DIR/dnsmasq.pid" --log-facility="$LAB_DIR/dnsmasq.log" \
    $(catalog_hosts | sed "s|.*|--address=/&/$LAB_CATALOG_IP|") \
    --address=/aia.lab.test/127.0.0.1 --address=/proxy.lab.test/127.0.0.1 --address=/alias.lab.test/127.0.0.1 --address=/stale.lab.test/127.0.0.1 \
    --local=/update.microsoft.com/ --local=/lab.test/
  wait_port "$LAB_DNS_IP" 53 dnsmasq

  soap='<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><GetAuthConfigResponse xmlns="http://www.microsoft.com/SoftwareDistribution"><GetAuthConfigResult><AuthInfo><AuthPlugInInfo><PlugInID>DssTargeting</PlugInID></AuthPlugInInfo></AuthInfo></GetAuthConfigResult></GetAuthConfigResponse></s:Body></s:Envelope>'
  cat > "$LAB_DIR/nginx.conf" <<EOF
worker_processes 1; master_process off; daemon on; pid $LAB_DIR/nginx.pid; error_log $LAB_DIR/nginx.log;
events { worker_connections 256; }
http { access_log off; client_body_temp_path $LAB_DIR/nginx-body;
  server { listen 127.0.0.1:$LAB_TLS_GOOD ssl; listen $LAB_CATALOG_IP:$LAB_TLS_GOOD ssl;
    listen $LAB_CATALOG_IP:443 ssl; ssl_certificate $LAB_DIR/fullchain.pem; ssl_certificate_key $LAB_DIR/leaf.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_ciphers ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-SHA384:ECDHE-RSA-AES128-SHA256;
    location = /ServerSyncWebService/ServerSyncWebService.asmx { default_type text/xml; return 200 '$soap'; }
    location / { return 200 'lab'; } }
  server { listen 127.0.0.1:$LAB_HTTP; listen $LAB_CATALOG_IP:$LAB_HTTP; listen $LAB_CATALOG_IP:80;
    location / { default_type application/octet-stream; return 200 'lab content'; } }
  server { listen 127.0.0.1:$LAB_AIA_HTTP; root $LAB_DIR/aia;
    location = /inter.cer { default_type application/pkix-cert; }
    location = /inter.p7c { default_type application/pkcs7-mime; } }
  server { listen 127.0.0.1:$LAB_TLS_AIA ssl; listen $LAB_CATALOG_IP:$LAB_TLS_AIA ssl; ssl_certificate $LAB_DIR/aia.pem; ssl_certificate_key $LAB_DIR/leaf.key;
    location / { default_type text/xml; return 200 '$soap'; } }
  server { listen 127.0.0.1:$LAB_TLS_AIA_P7C ssl; listen $LAB_CATALOG_IP:$LAB_TLS_AIA_P7C ssl; ssl_certificate $LAB_DIR/aia-p7c.pem; ssl_certificate_key $LAB_DIR/leaf.key;
    location / { default_type text/xml; return 200 '$soap'; } }
  server { listen 127.0.0.1:$LAB_TLS_AIA_DEAD ssl; listen $LAB_CATALOG_IP:$LAB_TLS_AIA_DEAD ssl; ssl_certificate $LAB_DIR/aia-dead.pem; ssl_certificate_key $LAB_DIR/leaf.key;
    location / { default_type text/xml; return 200 '$soap'; } }
}
EOF
  "$NGINX" -p "$LAB_DIR" -c "$LAB_DIR/nginx.conf"
  wait_port 127.0.0.1 "$LAB_TLS_GOOD" nginx
  wait_port 127.0.0.1 "$LAB_HTTP" nginx
  wait_port "$LAB_CATALOG_IP" 443 nginx
  wait_port 127.0.0.1 "$LAB_AIA_HTTP" nginx

  kdc

  mkdir -p "$LAB_DIR/squid-run"
  "$CERTGEN" -c -s "$LAB_DIR/ssl_db" -M 4MB >/dev/null
  chown -R proxy:proxy "$LAB_DIR/ssl_db" "$LAB_DIR/squid-run" 2>/dev/null || true
  cat > "$LAB_DIR/squid.conf" <<EOF
# wsusprobe proxy lab: loopback only.
http_port 127.0.0.1:$LAB_PROXY_OPEN name=open
http_port 127.0.0.1:$LAB_PROXY_AUTH name=auth
http_port 127.0.0.1:$LAB_PROXY_NTLM name=ntlm
http_port 127.0.0.1:$LAB_PROXY_BOTH name=both
http_port 127.0.0.1:$LAB_PROXY_CATALOG name=catalog
http_port 127.0.0.1:$LAB_PROXY_ALL name=all
http_port 127.0.0.1:$LAB_PROXY_PORTS name=ports
http_port 127.0.0.1:$LAB_PROXY_PARENT name=parent
http_port 127.0.0.1:$LAB_PROXY_KERBEROS name=kerberos
http_port 127.0.0.1:$LAB_PROXY_SNI name=sni ssl-bump tls-cert=$LAB_DIR/inspection-bundle.pem generate-host-certificates=on dynamic_cert_mem_cache_size=4MB
http_port 127.0.0.1:$LAB_PROXY_BUMP name=bump ssl-bump tls-cert=$LAB_DIR/inspection-bundle.pem generate-host-certificates=on dynamic_cert_mem_cache_size=4MB
sslcrtd_program $CERTGEN -s $LAB_DIR/ssl_db -M 4MB
sslcrtd_children 2 startup=1 idle=1
tls_outgoing_options flags=DONT_VERIFY_PEER
sslproxy_cert_error allow all
acl step1 at_step SslBump1
acl on_sni myportname sni
acl blocked_sni ssl::server_name --client-requested sws.update.microsoft.com
ssl_bump peek step1
ssl_bump terminate on_sni blocked_sni
ssl_bump splice on_sni
ssl_bump bump all

auth_param basic program /usr/lib/squid/basic_ncsa_auth $LAB_DIR/htpasswd
auth_param basic children 2 startup=1 idle=1
auth_param basic realm wsusprobe-lab
auth_param ntlm program /usr/lib/squid/ntlm_fake_auth
auth_param ntlm children 2 startup=1 idle=1
# Any service key in the keytab (HTTP/proxy.lab.test, and HTTP/stale.lab.test whose key the KDC
# has since changed); the helper reads KRB5_CONFIG from Squid's environment.
auth_param negotiate program /usr/lib/squid/negotiate_kerberos_auth -k $LAB_DIR/krb/squid.keytab -s GSS_C_NO_NAME
auth_param negotiate children 3 startup=1 idle=1
auth_param negotiate keep_alive on
acl authed proxy_auth REQUIRED

acl on_open myportname open
acl on_auth myportname auth
acl on_bump myportname bump
acl on_ntlm myportname ntlm
acl on_both myportname both
acl on_catalog myportname catalog
acl on_all myportname all
acl on_ports myportname ports
acl SSL_ports port 443
# The required-domains list, with download.microsoft.com left out on purpose.
acl catalog_domains dstdomain .update.microsoft.com .windowsupdate.microsoft.com .windowsupdate.com .delivery.mp.microsoft.com wustat.windows.com ntservicepack.microsoft.com go.microsoft.com
auth_schemes basic on_auth
auth_schemes ntlm on_ntlm
auth_schemes basic,ntlm on_both
acl on_kerberos myportname kerberos
auth_schemes negotiate on_kerberos
auth_schemes basic,ntlm all
acl mu dstdomain .update.microsoft.com .windowsupdate.com .delivery.mp.microsoft.com
acl CONNECT method CONNECT

http_access allow on_open mu
http_access deny on_open
http_access allow on_auth authed
http_access allow on_ntlm authed
http_access allow on_both authed
http_access allow on_kerberos authed
http_access allow on_catalog catalog_domains
http_access deny on_catalog
http_access allow on_all
http_access deny on_ports CONNECT !SSL_ports
http_access allow on_ports
http_access allow on_bump
acl on_sni_port myportname sni
http_access allow on_sni_port
acl on_parent myportname parent
http_access allow on_parent
http_access deny all

# The parent port's only way out: a parent proxy that is down (a proxy chain whose next hop fails).
cache_peer 127.0.0.1 parent $LAB_DEAD_PARENT 0 no-query no-digest name=deadparent
cache_peer_access deadparent allow on_parent
cache_peer_access deadparent deny all
never_direct allow on_parent

dns_nameservers $LAB_DNS_IP
hosts_file none
pinger_enable off
dns_timeout 5 seconds
connect_timeout 3 seconds
forward_max_tries 1
cache deny all
cache_mem 8 MB
shutdown_lifetime 0 seconds
pid_filename $LAB_DIR/squid.pid
cache_log $LAB_DIR/squid.log
access_log $LAB_DIR/squid-access.log
coredump_dir $LAB_DIR/squid-run
visible_hostname wsusprobe-lab
EOF
  chmod 644 "$LAB_DIR"/*.pem "$LAB_DIR"/*.key "$LAB_DIR/htpasswd" "$LAB_DIR/squid.conf"
  touch "$LAB_DIR/squid.log" "$LAB_DIR/squid-access.log"
  chown proxy:proxy "$LAB_DIR/squid.log" "$LAB_DIR/squid-access.log" 2>/dev/null || true
  krb_env=(KRB5_CONFIG="$LAB_DIR/krb/krb5.conf" KRB5_KTNAME="$LAB_DIR/krb/squid.keytab" KRB5RCACHETYPE=none)
  env "${krb_env[@]}" "$SQUID" -f "$LAB_DIR/squid.conf" -k parse >"$LAB_DIR/squid-parse.log" 2>&1 || { cat "$LAB_DIR/squid-parse.log" >&2; exit 1; }
  env "${krb_env[@]}" "$SQUID" -f "$LAB_DIR/squid.conf"
  wait_port 127.0.0.1 "$LAB_PROXY_OPEN" squid
  wait_port 127.0.0.1 "$LAB_PROXY_BUMP" squid
  wait_port 127.0.0.1 "$LAB_PROXY_NTLM" squid
  wait_port 127.0.0.1 "$LAB_PROXY_KERBEROS" squid

  cat > "$LAB_DIR/lab.env" <<EOF
LAB_DIR=$LAB_DIR
LAB_DNS=$LAB_DNS_IP:53
LAB_PROXY_OPEN=http://127.0.0.1:$LAB_PROXY_OPEN
LAB_PROXY_AUTH=http://127.0.0.1:$LAB_PROXY_AUTH
LAB_PROXY_BUMP=http://127.0.0.1:$LAB_PROXY_BUMP
LAB_PROXY_NTLM=http://127.0.0.1:$LAB_PROXY_NTLM
LAB_PROXY_BOTH=http://127.0.0.1:$LAB_PROXY_BOTH
LAB_PROXY_CATALOG=http://127.0.0.1:$LAB_PROXY_CATALOG
LAB_PROXY_ALL=http://127.0.0.1:$LAB_PROXY_ALL
LAB_PROXY_PORTS=http://127.0.0.1:$LAB_PROXY_PORTS
LAB_PROXY_SNI=http://127.0.0.1:$LAB_PROXY_SNI
LAB_PROXY_PARENT=http://127.0.0.1:$LAB_PROXY_PARENT
LAB_DEAD_PARENT=127.0.0.1:$LAB_DEAD_PARENT
LAB_CATALOG_IP=$LAB_CATALOG_IP
LAB_TLS_GOOD=$LAB_TLS_GOOD
LAB_HTTP=$LAB_HTTP
LAB_AIA_HTTP=$LAB_AIA_HTTP
LAB_TLS_AIA=$LAB_TLS_AIA
LAB_TLS_AIA_P7C=$LAB_TLS_AIA_P7C
LAB_TLS_AIA_DEAD=$LAB_TLS_AIA_DEAD
LAB_CLOSED=$LAB_CLOSED
LAB_ROOT_CA=$LAB_DIR/root.pem
LAB_INSPECTION_CA=$LAB_DIR/inspection.pem
LAB_USER=$LAB_USER
LAB_PASSWORD=$LAB_PASSWORD
LAB_PROXY_KERBEROS=http://proxy.lab.test:$LAB_PROXY_KERBEROS
LAB_PROXY_KERBEROS_ALIAS=http://alias.lab.test:$LAB_PROXY_KERBEROS
LAB_PROXY_KERBEROS_STALE=http://stale.lab.test:$LAB_PROXY_KERBEROS
LAB_KRB5_CONFIG=$LAB_DIR/krb/krb5.conf
LAB_KRB_USER_CCACHE=$LAB_DIR/krb/alice.ccache
LAB_KRB_MACHINE_KEYTAB=$LAB_DIR/krb/wsus01.keytab
LAB_KDC=127.0.0.1:$LAB_KDC
EOF
  echo "lab: running — $(tr '\n' ' ' < "$LAB_DIR/lab.env" | sed 's/LAB_PASSWORD=[^ ]*/LAB_PASSWORD=(see lab.env)/')"
}

case "${1:-}" in
  start) start ;;
  stop) stop; echo "lab: stopped" ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
