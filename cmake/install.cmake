# `cmake --install build [--prefix P]` (DESTDIR honoured): the binary, the udev rules, the
# generated man pages and completions, and the docs. Paths follow Debian: with --prefix /usr the
# rules land in /usr/lib/udev/rules.d, which udev reads (as it reads /usr/local/lib/udev/rules.d
# for the default prefix).
include(GNUInstallDirs)
# `install`/cpack must not build every test first: packaging a build that compiled only what it
# tests (scripts/ci-cross.sh) needs just the binary and the generated docs (cellrescue_docs).
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY TRUE)

set(CELLRESCUE_UDEV_RULES_DIR "lib/udev/rules.d" CACHE STRING
    "udev rules directory (relative to the install prefix, or absolute)")
set(CELLRESCUE_BASH_COMPLETION_DIR "${CMAKE_INSTALL_DATADIR}/bash-completion/completions"
    CACHE STRING "bash-completion's completions directory")
set(CELLRESCUE_ZSH_COMPLETION_DIR "${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions"
    CACHE STRING "zsh completions directory (Debian's vendor-completions)")

install(TARGETS cellrescue RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${CMAKE_SOURCE_DIR}/udev/70-cellrescue.rules
        DESTINATION ${CELLRESCUE_UDEV_RULES_DIR})
install(DIRECTORY ${CELLRESCUE_DOC_OUT}/share/man/ DESTINATION ${CMAKE_INSTALL_MANDIR})
install(FILES ${CELLRESCUE_DOC_OUT}/share/bash-completion/completions/cellrescue
        DESTINATION ${CELLRESCUE_BASH_COMPLETION_DIR})
install(FILES ${CELLRESCUE_DOC_OUT}/share/zsh/vendor-completions/_cellrescue
        DESTINATION ${CELLRESCUE_ZSH_COMPLETION_DIR})
file(GLOB CELLRESCUE_DOCS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/docs/*.md)
# README links docs/*.md: keep that layout.
install(FILES ${CMAKE_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES ${CELLRESCUE_DOCS} DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs)

if(CELLRESCUE_TESTS)
  # Installs into a throw-away DESTDIR and checks the tree (tests/install/install_test.sh).
  add_test(NAME install_destdir
           COMMAND ${CMAKE_SOURCE_DIR}/tests/install/install_test.sh ${CMAKE_BINARY_DIR})
  set_tests_properties(install_destdir PROPERTIES TIMEOUT 300 LABELS install)
endif()
