#!/usr/bin/env bash
# The Debian package: target/package/wsusprobe_<version>_<arch>.deb (+ .sha256), built with
# dpkg-deb from the release binary (with the gssapi feature: Negotiate/Kerberos through the
# system's MIT GSSAPI), its manual page and shell completions generated from the clap
# definitions (`wsusprobe man`, `wsusprobe completions SHELL`), and the licences.
#   bash .ci/deb.sh           # build it
#   bash .ci/deb.sh verify    # build, dpkg -i, run the installed one, remove it (as root)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
version=$(awk -F'"' '/^version *=/ {print $2; exit}' Cargo.toml)
arch=$(dpkg --print-architecture)
name=wsusprobe_${version}_${arch}
out=$root/target/package
pkg=$out/$name

cargo build --release --locked --features gssapi --bin wsusprobe
bin=$root/target/release/wsusprobe
rm -rf "$pkg" "$out/$name.deb"
install -D -m 755 "$bin" "$pkg/usr/bin/wsusprobe"
strip --strip-unneeded "$pkg/usr/bin/wsusprobe" 2>/dev/null || true
mkdir -p "$pkg/usr/share/man/man1"
"$bin" man | gzip -9n > "$pkg/usr/share/man/man1/wsusprobe.1.gz"
install -d "$pkg/usr/share/bash-completion/completions" "$pkg/usr/share/zsh/vendor-completions" \
  "$pkg/usr/share/fish/vendor_completions.d" "$pkg/usr/share/doc/wsusprobe"
"$bin" completions bash > "$pkg/usr/share/bash-completion/completions/wsusprobe"
"$bin" completions zsh > "$pkg/usr/share/zsh/vendor-completions/_wsusprobe"
"$bin" completions fish > "$pkg/usr/share/fish/vendor_completions.d/wsusprobe.fish"
{
  echo "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/"
  echo "Upstream-Name: wsusprobe"
  echo
  echo "Files: *"
  echo "Copyright: 2026 The wsusprobe developers"
  echo "License: MIT or Apache-2.0"
  echo
  echo "License: MIT"
  sed -e 's/^$/./' -e 's/^/ /' .ci/package/LICENSE-MIT
  echo
  echo "License: Apache-2.0"
  echo " On Debian systems, the full text is in /usr/share/common-licenses/Apache-2.0."
} > "$pkg/usr/share/doc/wsusprobe/copyright"
gzip -9n -c README.md > "$pkg/usr/share/doc/wsusprobe/README.md.gz"
mkdir -p "$pkg/DEBIAN"
size=$(du -sk --exclude=DEBIAN "$pkg" | cut -f1)
cat > "$pkg/DEBIAN/control" <<CONTROL
Package: wsusprobe
Version: $version
Architecture: $arch
Maintainer: The wsusprobe developers <wsusprobe@users.noreply.invalid>
Installed-Size: $size
Depends: libc6, libgcc-s1, libgssapi-krb5-2
Section: net
Priority: optional
Homepage: https://github.com/wsusprobe/wsusprobe
Description: find where a WSUS server's path to Microsoft Update breaks
 wsusprobe walks the network path a WSUS server or a Configuration Manager
 software update point takes to Microsoft Update (endpoint, DNS, TCP, proxy,
 TLS, certificate, clock, HTTP) and names the stage that breaks, with the
 evidence, the Windows error WSUS would log, and the fix.
CONTROL
dpkg-deb --build --root-owner-group "$pkg" "$out/$name.deb" >/dev/null
(cd "$out" && sha256sum "$name.deb" > "$name.deb.sha256")
echo "deb: $out/$name.deb"
cat "$out/$name.deb.sha256"

if [ "${1:-}" = verify ]; then
  dpkg -i "$out/$name.deb" >/dev/null
  trap 'dpkg -r wsusprobe >/dev/null 2>&1 || true' EXIT
  got=$(/usr/bin/wsusprobe --version)
  echo "deb: installed: $got"
  case "$got" in "wsusprobe $version (commit "*) ;; *) echo "deb: unexpected --version: $got" >&2; exit 1 ;; esac
  MANPAGER=cat man wsusprobe | grep -q "Find where the network path" || { echo "deb: man wsusprobe shows no page" >&2; exit 1; }
  grep -q "_wsusprobe()" /usr/share/bash-completion/completions/wsusprobe || { echo "deb: no bash completion" >&2; exit 1; }
  /usr/bin/wsusprobe explain 0x80072F8F | grep -q "ERROR_WINHTTP_SECURE_FAILURE" || { echo "deb: the installed binary does not run" >&2; exit 1; }
  echo "deb: dpkg -i, --version, man wsusprobe, completions and a command: ok"
fi
