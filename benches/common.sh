# Sourced by the benchmark scripts: the repository root ($here) and the release binary ($bin),
# built when it is missing. Scripts that need the Squid lab also source its lab.env.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin=$here/target/release/wsusprobe
[ -x "$bin" ] || (cd "$here" && cargo build --release -q)
