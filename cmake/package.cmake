# The Debian package, by CPack's DEB generator from the install rules (cmake/install.cmake):
#   cpack --config build/CPackConfig.cmake   (scripts/package.sh does this for amd64 and arm64)
# Depends: from the binary's shared libraries (dpkg-shlibdeps); the udev rules are reloaded by
# postinst. Why CPack rather than debian/ with debhelper: docs/packaging.md.
set(CELLRESCUE_DEB_REVISION 1)
set(CELLRESCUE_DEB_VERSION "${PROJECT_VERSION}-${CELLRESCUE_DEB_REVISION}")
set(CELLRESCUE_MAINTAINER
    "cellrescue maintainers <maintainers@users.noreply.h-seed-38b8ec20.example>")

# Debian wants copyright and changelog.Debian.gz (gzip -9n) beside the docs. string(TIMESTAMP)
# follows SOURCE_DATE_EPOCH, so the package is reproducible when that is set.
string(TIMESTAMP DEB_DATE "%a, %d %b %Y %H:%M:%S +0000" UTC)
set(DEB_VERSION ${CELLRESCUE_DEB_VERSION})
configure_file(${CMAKE_SOURCE_DIR}/packaging/debian/changelog.in
               ${CMAKE_BINARY_DIR}/packaging/changelog.Debian @ONLY)
execute_process(COMMAND gzip -9n -c ${CMAKE_BINARY_DIR}/packaging/changelog.Debian
                OUTPUT_FILE ${CMAKE_BINARY_DIR}/packaging/changelog.Debian.gz
                RESULT_VARIABLE gzip_rc)
if(NOT gzip_rc EQUAL 0)
  message(FATAL_ERROR "gzip failed on the Debian changelog")
endif()
install(FILES ${CMAKE_SOURCE_DIR}/packaging/debian/copyright
              ${CMAKE_BINARY_DIR}/packaging/changelog.Debian.gz
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
# The documented lintian overrides (docs/packaging.md says why each is there).
install(FILES ${CMAKE_SOURCE_DIR}/packaging/debian/lintian-overrides
        DESTINATION ${CMAKE_INSTALL_DATADIR}/lintian/overrides RENAME cellrescue)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME cellrescue)
set(CPACK_PACKAGE_VENDOR "the cellrescue developers")
set(CPACK_PACKAGE_CONTACT ${CELLRESCUE_MAINTAINER})
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "recover bricked Qualcomm cellular modules and keep their calibration")
# Lines of at most 79 columns (lintian: extended-description-line-too-long).
set(CPACK_PACKAGE_DESCRIPTION
    "cellrescue brings Quectel (RM520N-GL, EC25, RM500Q) and u-blox (SARA, LENA)
cellular modules back from a bad flash and keeps their calibration (QCN/EFS2,
IMEI) safe. It speaks Sahara, Firehose, DIAG/EFS2, AT and XMODEM itself over
libusb, serial ports and PCIe (MHI), backs calibration up before flashing, and
has built-in virtual modules to try every command without hardware.
The package installs udev rules that give the logged-in user and group plugdev
access to EDL devices and module ports and keep ModemManager off them.")
set(CPACK_DEBIAN_PACKAGE_RELEASE ${CELLRESCUE_DEB_REVISION})
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # cellrescue_0.1.0-1_amd64.deb
set(CPACK_DEBIAN_PACKAGE_SECTION comm)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS udev)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${CMAKE_SOURCE_DIR}/packaging/debian/postinst
                                       ${CMAKE_SOURCE_DIR}/packaging/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
set(CPACK_STRIP_FILES TRUE)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_OUTPUT_FILE_PREFIX ${CMAKE_BINARY_DIR}/packages)
set(CPACK_PACKAGE_FILE_NAME cellrescue)  # unused by DEB-DEFAULT; keeps the staging dir short
if(CELLRESCUE_DEB_ARCH)  # cross builds (cmake/toolchains): the target's architecture
  set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE ${CELLRESCUE_DEB_ARCH})
endif()
include(CPack)
