# Man pages and bash/zsh completions, generated from `securechat ... --help` at build time
# (tools/gen_cli_docs.py), so every subcommand and flag the binary has is documented and
# completed; the prose is hand-written in packaging/man/*.1.in. Included by cmake/Packaging.cmake.
find_program(SECURECHAT_PYTHON3 NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
if(NOT SECURECHAT_PYTHON3)
  find_program(SECURECHAT_PYTHON3 NAMES python3 REQUIRED)
endif()

set(SECURECHAT_MAN_PAGES securechat securechat-server securechat-chat securechat-pki
                         securechat-verify securechat-attack securechat-bench)
set(SECURECHAT_CLI_DOCS_DIR ${CMAKE_BINARY_DIR}/cli-docs)
set(_sc_outputs ${SECURECHAT_CLI_DOCS_DIR}/completion/securechat
                ${SECURECHAT_CLI_DOCS_DIR}/completion/_securechat)
set(_sc_templates)
foreach(page IN LISTS SECURECHAT_MAN_PAGES)
  list(APPEND _sc_outputs ${SECURECHAT_CLI_DOCS_DIR}/man/${page}.1
       ${SECURECHAT_CLI_DOCS_DIR}/man/${page}.1.gz)
  list(APPEND _sc_templates ${SECURECHAT_PACKAGING_DIR}/man/${page}.1.in)
endforeach()

add_custom_command(
  OUTPUT ${_sc_outputs}
  COMMAND ${SECURECHAT_PYTHON3} ${PROJECT_SOURCE_DIR}/tools/gen_cli_docs.py --bin
          $<TARGET_FILE:securechat> --man-src ${SECURECHAT_PACKAGING_DIR}/man --out
          ${SECURECHAT_CLI_DOCS_DIR}
  DEPENDS securechat ${PROJECT_SOURCE_DIR}/tools/gen_cli_docs.py ${_sc_templates}
  COMMENT "Generating man pages and shell completions from securechat --help"
  VERBATIM)
add_custom_target(securechat_cli_docs ALL DEPENDS ${_sc_outputs})

foreach(page IN LISTS SECURECHAT_MAN_PAGES)
  install(FILES ${SECURECHAT_CLI_DOCS_DIR}/man/${page}.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
endforeach()
install(FILES ${SECURECHAT_CLI_DOCS_DIR}/completion/securechat
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)
install(FILES ${SECURECHAT_CLI_DOCS_DIR}/completion/_securechat
        DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions)
