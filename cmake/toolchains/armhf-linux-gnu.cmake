# armhf (32-bit ARMv7 hard-float: older Raspberry Pi OS, older routers). size_t is 32 bits
# here, which the PCIe BHI ioctl's size prefix depends on: see debian-cross.cmake.
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CELLRESCUE_TRIPLET arm-linux-gnueabihf)
set(CELLRESCUE_QEMU qemu-arm)
set(CELLRESCUE_DEB_ARCH armhf)
include(${CMAKE_CURRENT_LIST_DIR}/debian-cross.cmake)
# gcc's "parameter passing for argument of type ... changed in GCC 7.1" notes concern code built
# with gcc < 7.1 (a 2017 ABI change); everything here is built with gcc 12, so they are noise.
set(CMAKE_CXX_FLAGS_INIT "-Wno-psabi")
