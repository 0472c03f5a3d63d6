# install() rules and the Debian package (CPack DEB), made by scripts/package.sh.
# The layout is Debian's: the binary, man pages and completions under the prefix (/usr), the
# configuration under /etc/securechat and the unit under /lib/systemd/system (absolute, as
# Debian 12 keeps units there). See docs/OPERATIONS.md.
include(GNUInstallDirs)

set(SECURECHAT_PACKAGING_DIR ${PROJECT_SOURCE_DIR}/packaging)

# /etc/securechat/server.toml is config/server.example.toml with its paths made absolute, so
# every setting and comment stays the example's. A replacement that no longer matches fails
# the configure step rather than shipping a config that points at ./ca.
file(READ ${PROJECT_SOURCE_DIR}/config/server.example.toml _sc_toml)
foreach(
  _pair IN
  ITEMS "# securechat server --config config/server.example.toml|# /etc/securechat/server.toml, read by securechat.service:\n\
#   securechat server --config /etc/securechat/server.toml\n\
# Check it with: securechat server --config /etc/securechat/server.toml --check-config\n\
# Database passwords go in /etc/securechat/environment (DB_PASS=...), mode 0640 root:securechat."
        "cert = \"ca/server.crt\"|cert = \"/etc/securechat/server.crt\""
        "key = \"ca/server.key\"|key = \"/etc/securechat/server.key\"  # 0640 root:securechat"
        "ca = \"ca/ca.crt\"|ca = \"/etc/securechat/ca.crt\""
        "# crl = \"ca/ca.crl\"|# crl = \"/etc/securechat/ca.crl\""
        "data_dir = \"securechat-data\"|data_dir = \"/var/lib/securechat\""
        "# path = \"securechat-data/securechat.db\"|# path = \"/var/lib/securechat/securechat.db\"")
  string(FIND "${_pair}" "|" _eq)
  string(SUBSTRING "${_pair}" 0 ${_eq} _from)
  math(EXPR _eq "${_eq} + 1")
  string(SUBSTRING "${_pair}" ${_eq} -1 _to)
  string(FIND "${_sc_toml}" "${_from}" _at)
  if(_at EQUAL -1)
    message(FATAL_ERROR "cmake/Packaging.cmake: config/server.example.toml no longer contains "
                        "'${_from}'; update the replacements in cmake/Packaging.cmake")
  endif()
  string(REPLACE "${_from}" "${_to}" _sc_toml "${_sc_toml}")
endforeach()
file(CONFIGURE OUTPUT ${CMAKE_BINARY_DIR}/packaging/server.toml CONTENT "${_sc_toml}" @ONLY)

install(TARGETS securechat RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${CMAKE_BINARY_DIR}/packaging/server.toml DESTINATION /etc/securechat)
install(FILES ${SECURECHAT_PACKAGING_DIR}/securechat.service DESTINATION /lib/systemd/system)
# Debian's policy wants a copyright file and a changelog.Debian.gz beside the docs, gzipped
# without a timestamp (-n) so that the package is reproducible.
add_custom_command(
  OUTPUT ${CMAKE_BINARY_DIR}/packaging/changelog.Debian.gz
  COMMAND sh -c "gzip -9nc '${SECURECHAT_PACKAGING_DIR}/changelog' > changelog.Debian.gz"
  WORKING_DIRECTORY ${CMAKE_BINARY_DIR}/packaging
  DEPENDS ${SECURECHAT_PACKAGING_DIR}/changelog
  VERBATIM)
add_custom_target(securechat_changelog ALL DEPENDS ${CMAKE_BINARY_DIR}/packaging/changelog.Debian.gz)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/docs/OPERATIONS.md
              ${SECURECHAT_PACKAGING_DIR}/copyright
              ${CMAKE_BINARY_DIR}/packaging/changelog.Debian.gz
        DESTINATION ${CMAKE_INSTALL_DOCDIR})

# Man pages and completions, generated from the binary's --help (packaging/cli_docs.cmake).
include(${SECURECHAT_PACKAGING_DIR}/cli_docs.cmake)

# The package. Debian names the file securechat_VERSION-REVISION_ARCH.deb.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME securechat)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "SecureChat maintainers <maintainers@users.noreply.b-seed-e810741c.example>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "secure chat server and terminal client with its own PKI")
# Debian wants the extended description's lines under 80 columns.
set(CPACK_PACKAGE_DESCRIPTION
    "SecureChat is a chat server and terminal client that talk over TCP with\n\
their own authenticated and encrypted protocol: client certificates from its\n\
own CA, signed transcripts and receipts, end-to-end encryption between users\n\
and offline delivery. The package runs the server as a hardened systemd\n\
service.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://example.org/securechat")
# dpkg-shlibdeps names the libraries the binary links (libssl3, libsqlite3-0, ...); passwd
# for useradd in the postinst; procps for the unit's ExecReload=/bin/kill, which a minimal
# Debian 12 lacks (systemctl reload failed with 203/EXEC without it).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "passwd, procps")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${SECURECHAT_PACKAGING_DIR}/postinst ${SECURECHAT_PACKAGING_DIR}/prerm
    ${SECURECHAT_PACKAGING_DIR}/postrm ${SECURECHAT_PACKAGING_DIR}/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
