#!/bin/sh
# scripts/demo.sh — quick-start command 1: install what is missing, build, and
# run the main job on the illustrative demo table shipped in datasets/:
# PBA vs CBA per region, then the Mongolia -> China and China -> EU27 flows.
set -eu
. "$(dirname -- "$0")/setup.sh"
emb_install_packages
emb_build

E="$EMB_BUILD_DIR/embodied"
DEMO="$EMB_ROOT/datasets/demo.h5"
OUT="$EMB_BUILD_DIR/demo-results"

echo "== embodied info (demo table: illustrative numbers, not for citation) =="
"$E" info "$DEMO"
echo
echo "== embodied accounts: production- vs consumption-based CO2 per region =="
"$E" accounts "$DEMO" -o "$OUT.h5" --csv "$OUT" --flows-by-sector --force
echo "== embodied flows: CO2 released in the origin for final demand in the destination =="
"$E" flows "$DEMO" --from MN --to CN --from CN --to EU27 --from EU27 --to CN
echo
echo "== embodied report: self-contained HTML with the charts, and a screenshot of it =="
"$E" report "$OUT.h5" -o "$EMB_BUILD_DIR/demo-report.html" --pair CN:EU27 --pair MN:CN --force
B=$(command -v chromium || command -v chromium-browser || true)
if [ -n "$B" ]; then
    P=$(mktemp -d)
    "$B" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$P" --window-size=900,1400 \
        --screenshot="$EMB_BUILD_DIR/demo-report.png" "file://$EMB_BUILD_DIR/demo-report.html" 2>/dev/null
    rm -rf "$P"
    echo "Screenshot: $EMB_BUILD_DIR/demo-report.png"
fi
echo
echo "Results: $OUT.h5, $OUT/*.csv and $EMB_BUILD_DIR/demo-report.html"
