# Install/export rules for corio: targets, headers, CMake package config
# (corioConfig.cmake, corioConfigVersion.cmake, corioTargets.cmake) and a
# pkg-config file. Included from the top-level CMakeLists.txt.

include_guard(GLOBAL)

include(CMakePackageConfigHelpers)

set(CORIO_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/corio"
    CACHE STRING "Install directory for corio's CMake package files")
set(CORIO_INSTALL_PKGCONFIGDIR "${CMAKE_INSTALL_LIBDIR}/pkgconfig"
    CACHE STRING "Install directory for corio.pc")
mark_as_advanced(CORIO_INSTALL_CMAKEDIR CORIO_INSTALL_PKGCONFIGDIR)

install(TARGETS corio
    EXPORT corioTargets
    ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}"
    LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}"
    RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}"
)

install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/"
    DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
    FILES_MATCHING
        PATTERN "*.hpp"
        PATTERN "*.h"
        PATTERN "*.ipp"
)

install(EXPORT corioTargets
    FILE corioTargets.cmake
    NAMESPACE corio::
    DESTINATION "${CORIO_INSTALL_CMAKEDIR}"
)

configure_package_config_file(
    "${PROJECT_SOURCE_DIR}/cmake/corioConfig.cmake.in"
    "${PROJECT_BINARY_DIR}/corioConfig.cmake"
    INSTALL_DESTINATION "${CORIO_INSTALL_CMAKEDIR}"
)
write_basic_package_version_file(
    "${PROJECT_BINARY_DIR}/corioConfigVersion.cmake"
    VERSION "${PROJECT_VERSION}"
    COMPATIBILITY SameMajorVersion
)
install(FILES
    "${PROJECT_BINARY_DIR}/corioConfig.cmake"
    "${PROJECT_BINARY_DIR}/corioConfigVersion.cmake"
    DESTINATION "${CORIO_INSTALL_CMAKEDIR}"
)

# pkg-config: prefix is computed relative to the .pc file (${pcfiledir}) so the
# installed tree stays relocatable (e.g. `cmake --install --prefix ...`).
if(IS_ABSOLUTE "${CORIO_INSTALL_PKGCONFIGDIR}")
    set(CORIO_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
else()
    file(RELATIVE_PATH _corio_pc_up
        "/__corio_prefix__/${CORIO_INSTALL_PKGCONFIGDIR}" "/__corio_prefix__")
    string(REGEX REPLACE "/$" "" _corio_pc_up "${_corio_pc_up}")
    set(CORIO_PC_PREFIX "\${pcfiledir}/${_corio_pc_up}")
endif()
foreach(_dir LIBDIR INCLUDEDIR)
    if(IS_ABSOLUTE "${CMAKE_INSTALL_${_dir}}")
        set(CORIO_PC_${_dir} "${CMAKE_INSTALL_${_dir}}")
    else()
        set(CORIO_PC_${_dir} "\${prefix}/${CMAKE_INSTALL_${_dir}}")
    endif()
endforeach()
configure_file(
    "${PROJECT_SOURCE_DIR}/cmake/corio.pc.in"
    "${PROJECT_BINARY_DIR}/corio.pc"
    @ONLY
)
install(FILES "${PROJECT_BINARY_DIR}/corio.pc"
    DESTINATION "${CORIO_INSTALL_PKGCONFIGDIR}"
)
