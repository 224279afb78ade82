# Sourced by the benchmark scripts: the repository root ($here) and the release binary ($bin),
# rebuilt from the working tree first (cargo does nothing when it is current), so a figure is
# never measured on a stale binary (with the cargo features in $features, when a script sets it).
# Scripts that need the Squid lab also source its lab.env.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin=$here/target/release/wsusprobe
(cd "$here" && cargo build --release -q ${features:+--features "$features"})

# lab_urls N: N paths over the catalog's hosts, http and https interleaved, into the array `urls`
# (the lab DNS maps every catalog name to its nginx).
lab_urls() {
  local hosts=(sws.update.microsoft.com www.update.microsoft.com catalog.update.microsoft.com
    windowsupdate.microsoft.com www.windowsupdate.microsoft.com ctldl.windowsupdate.com
    download.windowsupdate.com au.download.windowsupdate.com download.microsoft.com go.microsoft.com
    dl.delivery.mp.microsoft.com tlu.dl.delivery.mp.microsoft.com fe3cr.delivery.mp.microsoft.com
    wustat.windows.com ntservicepack.microsoft.com)
  local i=0 h scheme
  urls=()
  while [ ${#urls[@]} -lt "$1" ]; do
    h=${hosts[$((i % ${#hosts[@]}))]}
    scheme=$([ $(( (i / ${#hosts[@]}) % 2 )) -eq 0 ] && echo https || echo http)
    [ $((i % 2)) -eq 1 ] && scheme=$([ "$scheme" = https ] && echo http || echo https)
    urls+=("$scheme://$h/bench/$i")
    i=$((i + 1))
  done
}
