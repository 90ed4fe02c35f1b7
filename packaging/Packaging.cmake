# Desktop integration and the Debian package. Included at the end of the top-level
# CMakeLists.txt; the cachette binary itself is installed there.
include(GNUInstallDirs)

set(CACHETTE_APP_ID io.github.cachette.Cachette)
set(CACHETTE_DESKTOP_FILE ${CMAKE_CURRENT_LIST_DIR}/${CACHETTE_APP_ID}.desktop)
set(CACHETTE_METAINFO_FILE ${CMAKE_CURRENT_LIST_DIR}/${CACHETTE_APP_ID}.metainfo.xml)

install(FILES ${CACHETTE_DESKTOP_FILE} DESTINATION ${CMAKE_INSTALL_DATADIR}/applications)
install(FILES ${CACHETTE_METAINFO_FILE} DESTINATION ${CMAKE_INSTALL_DATADIR}/metainfo)
# The desktop file says Icon=cachette.
install(FILES ${PROJECT_SOURCE_DIR}/resources/icons/cachette.svg
        DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps)

# `cpack -G DEB` in a build directory makes cachette_<version>_<arch>.deb.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME cachette)
set(CPACK_PACKAGE_VENDOR "Cachette")
# Who signs the package: pass -DCACHETTE_MAINTAINER="Name <mail>" for a release build.
set(CACHETTE_MAINTAINER "Cachette maintainers <maintainers@cachette.invalid>"
    CACHE STRING "Maintainer field of the Debian package")
set(CPACK_PACKAGE_CONTACT "${CACHETTE_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Local cache for LLM APIs")
set(CPACK_PACKAGE_INSTALL_DIRECTORY cachette)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${CPACK_PACKAGE_CONTACT}")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
# The summary is the Debian synopsis; this is the extended description under it.
string(CONCAT CPACK_PACKAGE_DESCRIPTION
  "Cachette runs on your machine as a drop-in OpenAI-compatible proxy. Requests\n"
  "that were asked before come back instantly from a local SQLite cache, for\n"
  "free; everything else goes to your provider untouched and is recorded for\n"
  "next time. A tray icon and a window show what is cached and let you turn\n"
  "the proxy off.")
# Libraries are found by dpkg-shlibdeps; Qt's plugins are loaded at run time, so name the
# SQLite driver (the cache) and the SVG icon engine (every icon) here.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libqt6sql6-sqlite, libqt6svg6")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "qt6-wayland")
include(CPack)

# Checks that the desktop file and the AppStream metadata are valid (label: packaging).
if(CACHETTE_BUILD_TESTS)
  find_program(DESKTOP_FILE_VALIDATE desktop-file-validate)
  find_program(APPSTREAMCLI appstreamcli)
  if(DESKTOP_FILE_VALIDATE)
    add_test(NAME PackagingDesktopFile COMMAND ${DESKTOP_FILE_VALIDATE} ${CACHETTE_DESKTOP_FILE})
    set_tests_properties(PackagingDesktopFile PROPERTIES LABELS packaging)
  endif()
  if(APPSTREAMCLI)
    add_test(NAME PackagingMetainfo
             COMMAND ${APPSTREAMCLI} validate --no-net ${CACHETTE_METAINFO_FILE})
    set_tests_properties(PackagingMetainfo PROPERTIES LABELS packaging)
  endif()
endif()
