#!/usr/bin/env bash
# Refresh the KaTeX copy the web reader ships (arxiv_digest/site/static/katex/) from the npm
# package, pinned: bash scripts/vendor-katex.sh 0.19.1. Only the minified script, its CSS, the
# woff2 fonts (the format every current browser takes first) and the licence are kept. Update
# KATEX_VERSION in tests/test_site.py with it.
set -euo pipefail
version="${1:?usage: vendor-katex.sh VERSION}"
here="$(cd "$(dirname "$0")/.." && pwd)"
dest="$here/arxiv_digest/site/static/katex"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "katex@$version" >/dev/null && tar xzf "katex-$version.tgz")
rm -rf "$dest"
mkdir -p "$dest/fonts"
cp "$work/package/dist/katex.min.js" "$work/package/dist/katex.min.css" "$work/package/LICENSE" "$dest/"
cp "$work/package/dist/fonts/"*.woff2 "$dest/fonts/"
echo "vendored katex $version into $dest"
