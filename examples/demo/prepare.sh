#!/usr/bin/env bash
# Shared by the demo scripts, run from the repository root: installs what is missing, builds,
# and generates the demo source, demo/source.db (a fresh demo/ folder).
set -euo pipefail
bash tests/support/install_deps.sh build
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
echo "== built $(./build/apps/replicate_all_sales --version)"
rm -rf demo && mkdir demo
sqlite3 demo/source.db <examples/demo/make_source.sql >/dev/null
echo "== generated demo/source.db"
