#!/usr/bin/env bash
# Installs everything Cachette needs to build, test, fuzz and benchmark on Debian 12.
# Idempotent: packages already present are left alone. Runs as root or through sudo.
set -euo pipefail

build_packages=(
  build-essential cmake ninja-build pkg-config git
  qt6-base-dev qt6-base-dev-tools libqt6sql6-sqlite libqt6opengl6-dev
  qt6-charts-dev qt6-svg-dev libqt6svg6
  libhttp-parser-dev libhnswlib-dev libcurl4-openssl-dev libssl-dev
)
# Tests and benchmarks: a desktop-free Qt platform, a fake tray for manual checks, load tools.
test_packages=(
  libgl1 libegl1 libxkbcommon0 fonts-dejavu-core
  curl wrk nginx-light libbenchmark-dev
  desktop-file-utils appstream dpkg-dev file
  nodejs
)
# Fuzzing (tests/fuzz, preset fuzz): clang and its libFuzzer runtime.
fuzz_packages=(clang clang-14 libfuzzer-14-dev)
# Debian ships npm apart from nodejs; NodeSource's nodejs bundles it and conflicts with Debian's npm.
command -v npm >/dev/null 2>&1 || test_packages+=(npm)

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

wanted=("${build_packages[@]}")
if [ "${1:-}" != "--build-only" ]; then wanted+=("${test_packages[@]}" "${fuzz_packages[@]}"); fi

missing=()
for p in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#wanted[@]} packages already installed"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -q
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
