#!/usr/bin/env bash
# Builds gpu-advisor and runs every test (unit, golden, CLI), plus the static checks CI
# enforces: warning-free build, parsing libraries confined to io/ and report/, formatting.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
jobs=$(nproc 2>/dev/null || echo 2)

# Parsing libraries stay at the edge (STYLE.md principle 2).
bad=$(grep -rlE '#include <(yaml-cpp|nlohmann)/' src/gpuadv | grep -vE '^src/gpuadv/(io|report|validate|api)/' || true)
if [ -n "$bad" ]; then
  echo "yaml-cpp/nlohmann included outside io/, report/, validate/, api/:"; echo "$bad"; exit 1
fi

# Formatting (clang-format from Debian; STYLE.md).
if command -v clang-format >/dev/null; then
  files=$(git ls-files '*.cc' '*.h' '*.cu' 2>/dev/null || find src tools tests bench -name '*.cc' -o -name '*.h')
  clang-format --dry-run --Werror $files
fi

cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DGPUADV_WERROR=ON
cmake --build "$BUILD_DIR" -j "$jobs"
ctest --test-dir "$BUILD_DIR" --output-on-failure -j "$jobs"
