# Every third-party library Sluice uses, found the way Debian 12 ships it.
# scripts/install-deps.sh installs the packages.

find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)

# Protobuf ships no CMake config on Debian 12: CMake's own FindProtobuf module.
find_package(Protobuf REQUIRED)
# gRPC ships a CMake config, including the protoc plugin target.
find_package(gRPC CONFIG REQUIRED)

# RocksDB: the shared library target (RocksDB::rocksdb is the static archive).
find_package(RocksDB CONFIG REQUIRED)

find_package(Boost 1.74 REQUIRED COMPONENTS filesystem)
find_package(toml11 CONFIG REQUIRED)
find_package(fmt CONFIG REQUIRED)
find_package(spdlog CONFIG REQUIRED)
find_package(nlohmann_json CONFIG REQUIRED)
find_package(prometheus-cpp CONFIG REQUIRED)
find_package(CLI11 CONFIG REQUIRED)
find_package(OpenSSL REQUIRED)

# librdkafka and cpp-httplib are only described by pkg-config. cpp-httplib is a compiled library
# built with OpenSSL/zlib/brotli support, so its compile definitions must be used as given.
pkg_check_modules(RDKAFKA REQUIRED IMPORTED_TARGET rdkafka)
pkg_check_modules(RDKAFKAXX REQUIRED IMPORTED_TARGET rdkafka++)
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)

# mysql-connector-c++ 1.1 has neither a CMake config nor a .pc file.
find_path(MYSQLCPPCONN_INCLUDE_DIR NAMES mysql_driver.h cppconn/driver.h REQUIRED)
find_library(MYSQLCPPCONN_LIBRARY NAMES mysqlcppconn REQUIRED)
if(NOT TARGET Sluice::mysqlcppconn)
  add_library(Sluice::mysqlcppconn UNKNOWN IMPORTED)
  set_target_properties(Sluice::mysqlcppconn PROPERTIES
    IMPORTED_LOCATION "${MYSQLCPPCONN_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${MYSQLCPPCONN_INCLUDE_DIR}")
endif()

if(SLUICE_BUILD_TESTS)
  find_package(GTest CONFIG REQUIRED)
endif()
if(SLUICE_BUILD_BENCH)
  find_package(benchmark CONFIG REQUIRED)
endif()
