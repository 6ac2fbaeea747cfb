#!/usr/bin/env bash
# Installs the built mlp into a fresh prefix, builds tests/install/consumer against it with
# find_package(mlp), runs it, and checks the installed `mlp` binary runs.
set -euo pipefail
build_dir=$1
source_dir=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build_dir" --prefix "$work/prefix" >/dev/null
test -f "$work/prefix/include/mlp/mlp.hpp"
# Only the public API is installed: the kernels stay inside the library.
test ! -e "$work/prefix/include/mlp/kernels"
test -f "$work/prefix/lib/cmake/mlp/mlpConfig.cmake"
cmake -S "$source_dir/consumer" -B "$work/consumer" -DCMAKE_PREFIX_PATH="$work/prefix" \
      -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$work/consumer" -j2 >/dev/null
"$work/consumer/consumer"
if [ -x "$work/prefix/bin/mlp" ]; then
  "$work/prefix/bin/mlp" --version
fi
