# Shared by the Debian cross toolchain files: set CELLRESCUE_TRIPLET, CMAKE_SYSTEM_PROCESSOR and
# CELLRESCUE_QEMU first. Uses Debian's cross compilers (crossbuild-essential-<arch>) and the
# multiarch -dev packages (<pkg>:<arch>, in /usr/lib/<triplet> and /usr/include): no sysroot.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_C_COMPILER ${CELLRESCUE_TRIPLET}-gcc)
set(CMAKE_CXX_COMPILER ${CELLRESCUE_TRIPLET}-g++)
set(CMAKE_LIBRARY_ARCHITECTURE ${CELLRESCUE_TRIPLET})
# pkgconf's per-triplet wrapper looks only at /usr/lib/<triplet>/pkgconfig.
set(PKG_CONFIG_EXECUTABLE ${CELLRESCUE_TRIPLET}-pkg-config CACHE FILEPATH "")
# Target programs (tests, clidoc at build time) run under qemu-user. The loader and libraries of
# the multiarch packages sit where the binaries look for them, so no -L is needed.
find_program(CELLRESCUE_QEMU_PATH NAMES ${CELLRESCUE_QEMU} ${CELLRESCUE_QEMU}-static REQUIRED)
set(CMAKE_CROSSCOMPILING_EMULATOR ${CELLRESCUE_QEMU_PATH})
