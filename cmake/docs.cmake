# Man pages and shell completions, generated at build time by tools/clidoc from the CLI11 app
# (cli/app.cpp), into ${CELLRESCUE_DOC_OUT}. Cross builds run clidoc under
# CMAKE_CROSSCOMPILING_EMULATOR (qemu-user), which CMake prefixes to target commands.
file(GLOB CLIDOC_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tools/clidoc/*.cpp)
list(REMOVE_ITEM CLIDOC_SOURCES ${CMAKE_SOURCE_DIR}/tools/clidoc/main.cpp)
add_library(cr_clidoc STATIC ${CLIDOC_SOURCES})
cr_unity(cr_clidoc)
target_link_libraries(cr_clidoc PUBLIC cr_cli)
add_executable(clidoc tools/clidoc/main.cpp)
target_link_libraries(clidoc PRIVATE cr_clidoc ZLIB::ZLIB)

set(CELLRESCUE_DOC_OUT ${CMAKE_BINARY_DIR}/generated-docs)
add_custom_command(
  OUTPUT ${CELLRESCUE_DOC_OUT}/stamp
  COMMAND clidoc ${CELLRESCUE_DOC_OUT} ${PROJECT_VERSION}
  COMMAND ${CMAKE_COMMAND} -E touch ${CELLRESCUE_DOC_OUT}/stamp
  DEPENDS clidoc
  COMMENT "clidoc: man pages and completions from the command line"
  VERBATIM)
add_custom_target(cellrescue_docs ALL DEPENDS ${CELLRESCUE_DOC_OUT}/stamp)
