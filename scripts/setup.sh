#!/usr/bin/env bash
# Installs what Lathe needs on Debian 12 (missing packages only) and builds it into build/.
# Safe to repeat. Extra arguments go to CMake (e.g. -DLATHE_SANITIZE=ON).
#   LATHE_BUILD_DIR   build directory (default: build)
#   LATHE_BUILD_TYPE  CMake build type (default: RelWithDebInfo)
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  g++ cmake ninja-build pkg-config
  libsqlite3-dev libpq-dev nlohmann-json3-dev libyaml-cpp-dev libcli11-dev libspdlog-dev libfmt-dev libxxhash-dev libzstd-dev
  libxgboost-dev libeigen3-dev libabsl-dev libsimdjson-dev libboost-dev libssl-dev
  libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc  # the gRPC face
  libjemalloc-dev  # the lathe command's allocator
  libgtest-dev
  python3  # the example pipelines' Python steps
  python3-sklearn  # examples/penguins-sklearn: a custom trainer step
)
scripts/install-packages.sh "${packages[@]}"

build_dir=${LATHE_BUILD_DIR:-build}
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="${LATHE_BUILD_TYPE:-RelWithDebInfo}" "$@" >/dev/null
cmake --build "$build_dir" -j2
# The web UI (lathe ui), built into the same folder.
scripts/build-ui.sh "$build_dir"
