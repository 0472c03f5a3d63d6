# Every dependency is a Debian 12 package installed by scripts/setup.sh; nothing is downloaded.
find_package(OpenSSL 3.0 REQUIRED)
find_package(CLI11 REQUIRED)
find_package(fmt REQUIRED)
find_package(PkgConfig REQUIRED)
if(SECURECHAT_TESTS)
  find_package(GTest REQUIRED)
endif()
