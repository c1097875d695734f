#!/usr/bin/env bash
# Installs every Debian package Sluice needs to build, test and run.
# Idempotent: when every package is already present it does not touch apt at all.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config ccache git
  libgrpc++-dev libgrpc-dev libre2-dev protobuf-compiler protobuf-compiler-grpc libprotobuf-dev
  librocksdb-dev libboost-dev libboost-filesystem-dev librdkafka-dev libmysqlcppconn-dev libmariadb-dev
  libtoml11-dev libspdlog-dev libfmt-dev libgtest-dev libgmock-dev libbenchmark-dev
  nlohmann-json3-dev prometheus-cpp-dev libcpp-httplib-dev libcli11-dev libssl-dev
  mariadb-server mariadb-client etcd-server etcd-client openssl curl python3
  python3-grpcio python3-protobuf python3-confluent-kafka python3-pymysql
  clang-14 libclang-rt-14-dev clang-format
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${#missing[@]} missing packages: ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -q
# mariadb-server and etcd-server try to start system services on install; the project starts
# its own instances, so keep the packages' services from starting (no init system is needed).
policy_rc=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy_rc" ]; then
  printf '#!/bin/sh\nexit 101\n' | "${sudo_cmd[@]}" tee "$policy_rc" >/dev/null
  "${sudo_cmd[@]}" chmod +x "$policy_rc"
  created_policy=1
fi
trap '[ "$created_policy" = 1 ] && "${sudo_cmd[@]}" rm -f "$policy_rc"' EXIT
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
