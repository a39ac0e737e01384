#!/usr/bin/env bash
# Installs the Debian packages gpu-advisor needs to build and test.
# Idempotent: packages already present are skipped by apt-get.
set -euo pipefail
pkgs=(build-essential cmake ninja-build pkg-config
      nlohmann-json3-dev libyaml-cpp-dev libcli11-dev libfmt-dev
      libgtest-dev libgmock-dev libbenchmark-dev
      libboost-dev              # `serve`: Boost.Beast/Asio (header-only)
      libcpp-httplib-dev        # the server tests' HTTP client
      zlib1g-dev                # `serve`: static files gzip-compressed once
      clang-format python3
      clang libclang-rt-14-dev  # fuzzers and the sanitizer stage (scripts/test_sanitize.sh)
      chromium wrk)             # `serve`: browser test (tests/web) and scripts/load.sh
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The web page's charting library and the browser test's driver, pinned by
# web/package-lock.json. The build copies the bundle into the binary, so after this step it
# builds and runs offline. Skipped when the installed tree already matches the lockfile.
web="$(cd "$(dirname "$0")/.." && pwd)/web"
if command -v npm >/dev/null; then
  lock_sum=$(sha256sum "$web/package-lock.json" | cut -d' ' -f1)
  stamp="$web/node_modules/.gpuadv-lock.sha256"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$lock_sum" ]; then
    (cd "$web" && npm ci --no-audit --no-fund --prefer-offline)
    echo "$lock_sum" > "$stamp"
  fi
else
  echo "setup: npm not found: the web page is built without its charts" >&2
fi
