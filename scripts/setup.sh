#!/usr/bin/env bash
# Installs the Debian packages gpu-advisor needs to build and test.
# Idempotent: packages already present are skipped by apt-get.
set -euo pipefail
pkgs=(build-essential cmake ninja-build pkg-config
      nlohmann-json3-dev libyaml-cpp-dev libcli11-dev libfmt-dev
      libgtest-dev libgmock-dev libbenchmark-dev libcpp-httplib-dev
      clang-format python3)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
