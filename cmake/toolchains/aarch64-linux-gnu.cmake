# arm64 (Raspberry Pi 3/4/5 on a 64-bit OS, most ARM routers): see debian-cross.cmake.
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CELLRESCUE_TRIPLET aarch64-linux-gnu)
set(CELLRESCUE_QEMU qemu-aarch64)
set(CELLRESCUE_DEB_ARCH arm64)
include(${CMAKE_CURRENT_LIST_DIR}/debian-cross.cmake)
