#!/usr/bin/env bash
# The Windows build, from Debian alone (../shared/research/windows-build.md): Debian's security
# suite carries rustc-web with the standard library's sources (rust-web-src), so `-Zbuild-std`
# builds std for a Windows target; mingw-w64 links; Wine runs the exe.
#
#   bash .ci/windows.sh install   # apt packages + the web toolchain unpacked under target/wintool
#   bash .ci/windows.sh clippy    # clippy for the Windows target, -D warnings
#   bash .ci/windows.sh build     # target/x86_64-win7-windows-gnu/debug/wsusprobe.exe (release with WIN_PROFILE=release),
#                                 # then checks what it imports against .ci/windows-imports.txt
#   bash .ci/windows.sh package   # the release exe, zipped with a Windows README, examples, licences and SHA256SUMS:
#                                 # target/package/wsusprobe-<version>-x86_64-windows.zip (+ .sha256)
#   bash .ci/windows.sh env       # print the environment, to run cargo by hand: eval "$(bash .ci/windows.sh env)"
#
# The unpacked toolchain never replaces rustup's cargo: it is used only through the variables below.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
tool=$root/target/wintool
prefix=$tool/prefix
triple=x86_64-win7-windows-gnu
# The win7 target's std runs on Windows 7 / Server 2008 R2 and later; the x86_64-pc-windows-gnu
# one needs Windows 10 / Server 2016 (ProcessPrng), which would leave out WSUS on 2008 R2, 2012
# and 2012 R2 — where the seeds' TLS 1.2 problems live.
web_version() { apt-cache policy rustc-web | awk '/Candidate:/ {print $2}'; }

install() {
  local version majmin pkgs deps
  # The suite keeps only the current version: know it before reading it.
  apt-get update -qq
  version=$(web_version)
  if [ -z "$version" ] || [ "$version" = "(none)" ]; then
    echo "windows: apt knows no rustc-web (is the Debian security suite in sources.list?)" >&2
    exit 1
  fi
  majmin=$(echo "$version" | sed -E 's/^([0-9]+\.[0-9]+).*/\1/')
  pkgs=(rustc-web cargo-web libstd-rust-web-dev "libstd-rust-web-$majmin" rust-web-src rust-web-clippy)
  # The shared libraries the compiler links against follow its version: read them from apt.
  mapfile -t deps < <(apt-cache depends "${pkgs[@]}" | awk '/^  Depends:/ {print $2}' |
    grep -v '^<' | grep -v -- '-web' | sort -u)
  local want=(gcc-mingw-w64-x86-64 wine wine64 "${deps[@]}")
  local missing=()
  for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "windows: installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  if [ "$(cat "$tool/version" 2>/dev/null)" != "$version" ]; then
    echo "windows: unpacking rustc-web $version under $tool"
    rm -rf "$tool"
    mkdir -p "$tool/debs" "$prefix"
    chmod 777 "$tool/debs"   # apt fetches as _apt
    (cd "$tool/debs" && apt-get download -qq "${pkgs[@]/%/=$version}")
    for d in "$tool"/debs/*.deb; do dpkg-deb -x "$d" "$prefix"; done
    echo "$version" > "$tool/version"
  fi
}

# The variables that point cargo at the web toolchain and mingw.
environment() {
  local t=${triple//-/_}
  local T=${t^^}
  cat <<EOF
export PATH="$prefix/usr/bin:\$PATH"
export LD_LIBRARY_PATH="$prefix/usr/lib/x86_64-linux-gnu\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}"
export RUSTC="$prefix/usr/bin/rustc" RUSTDOC="$prefix/usr/bin/rustdoc"
export CARGO="$prefix/usr/bin/cargo"
export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR="$root/target"
export CARGO_TARGET_${T}_LINKER=x86_64-w64-mingw32-gcc
export CARGO_TARGET_${T}_RUSTFLAGS="--cfg windows_slim_errors"
export CC_${t}=x86_64-w64-mingw32-gcc AR_${t}=x86_64-w64-mingw32-ar
export WINEDEBUG=-all
EOF
}

# cargo_web SUBCOMMAND ARGS…: the web cargo for the Windows target.
cargo_web() {
  local sub=$1
  shift
  eval "$(environment)"
  "$prefix/usr/bin/cargo" "$sub" -Zbuild-std --target "$triple" --locked "$@"
}

# The functions the exe may import, per DLL (.ci/windows-imports.txt): each one checked against
# Microsoft's documented minimum (Windows 7 / Server 2008 R2 SP1 or older). A dependency that
# brings a new import — say ProcessPrng (Windows 10) or RoOriginateErrorW (Windows 8) — fails
# here until someone checks its minimum and adds it. `--cfg windows_slim_errors` (above) is the
# windows-result crate's switch that keeps RoOriginateErrorW out of the `windows` crates ntlmclient
# and hickory's ipconfig pull in.
check_imports() {
  local exe=$1 new
  new=$(x86_64-w64-mingw32-objdump -p "$exe" \
    | sed -n '/The Import Tables/,/^The /p' \
    | awk '/DLL Name:/ {dll=tolower($3)} $1 ~ /^[0-9a-f]+$/ && NF==3 {print dll": "$3}' \
    | LC_ALL=C sort -u | LC_ALL=C comm -23 - <(sed -e 's/ *#.*//' -e '/^$/d' "$root/.ci/windows-imports.txt" | LC_ALL=C sort -u))
  if [ -n "$new" ]; then
    echo "windows: $exe imports functions not on .ci/windows-imports.txt (check each one's minimum Windows version, then add it):" >&2
    echo "$new" >&2
    return 1
  fi
}

case "${1:-}" in
  install) install ;;
  env) environment ;;
  clippy)
    eval "$(environment)"
    # clippy-driver from rust-web-clippy, through the web cargo's `clippy` subcommand.
    cargo_web clippy --all-targets -- -D warnings
    ;;
  build)
    profile=${WIN_PROFILE:-debug}
    if [ "$profile" = release ]; then cargo_web build --release --bin wsusprobe; else cargo_web build --bin wsusprobe; fi
    check_imports "$root/target/$triple/$profile/wsusprobe.exe"
    ;;
  package)
    eval "$(environment)"
    cargo_web build --release --bin wsusprobe
    check_imports "$root/target/$triple/release/wsusprobe.exe"
    version=$(awk -F'"' '/^version *=/ {print $2; exit}' "$root/Cargo.toml")
    name=wsusprobe-$version-x86_64-windows
    out=$root/target/package
    rm -rf "${out:?}/$name" "$out/$name.zip"
    mkdir -p "$out/$name/examples"
    cp "$root/target/$triple/release/wsusprobe.exe" "$out/$name/"
    x86_64-w64-mingw32-strip "$out/$name/wsusprobe.exe" 2>/dev/null || true
    # Plain text with CRLF, as Notepad shows it everywhere.
    sed 's/$/\r/' "$root/.ci/package/README-windows.txt" > "$out/$name/README.txt"
    sed 's/$/\r/' "$root/.ci/package/LICENSE-MIT" > "$out/$name/LICENSE-MIT.txt"
    sed 's/$/\r/' "$root/.ci/package/LICENSE-APACHE" > "$out/$name/LICENSE-APACHE.txt"
    cp "$root/testdata/prometheus/serve.toml" "$out/$name/examples/serve.toml"
    cp "$root/testdata/plans/wsus-required.toml" "$out/$name/examples/plan.toml"
    (cd "$out/$name" && find . -type f ! -name SHA256SUMS | sed 's|^\./||' | LC_ALL=C sort |
      xargs sha256sum > SHA256SUMS)
    (cd "$out" && python3 -c 'import sys, zipfile, os
name = sys.argv[1]
with zipfile.ZipFile(name + ".zip", "w", zipfile.ZIP_DEFLATED) as z:
    for d, _, files in os.walk(name):
        for f in sorted(files):
            z.write(os.path.join(d, f))' "$name")
    (cd "$out" && sha256sum "$name.zip" > "$name.zip.sha256")
    echo "windows: $out/$name.zip"
    cat "$out/$name.zip.sha256"
    ;;
  *)
    echo "usage: bash .ci/windows.sh install|clippy|build|package|env" >&2
    exit 2
    ;;
esac
