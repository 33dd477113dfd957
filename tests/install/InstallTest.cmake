# Driven by the ctest test `install.find_package` (see CMakeLists.txt here):
#   cmake -DCORIO_SOURCE_DIR=... -DWORK_DIR=... -DCXX_COMPILER=...
#         [-DGENERATOR=...] [-DMAKE_PROGRAM=...] -P InstallTest.cmake
#
# 1. configure corio (Release; tests/examples/bench OFF; no sanitizers),
#    build it and `cmake --install` it into WORK_DIR/prefix;
# 2. consumer/ via find_package(corio 0.1 CONFIG REQUIRED): configure, build, run;
# 3. consumer/main.cpp compiled with `$(pkg-config --cflags --libs corio)`, run;
# 4. subdir_consumer/ via add_subdirectory(corio): configure, build, run.

cmake_minimum_required(VERSION 3.25)

foreach(_var CORIO_SOURCE_DIR WORK_DIR CXX_COMPILER)
    if(NOT DEFINED ${_var} OR "${${_var}}" STREQUAL "")
        message(FATAL_ERROR "InstallTest: -D${_var}=... is required")
    endif()
endforeach()

set(_here "${CMAKE_CURRENT_LIST_DIR}")
set(_prefix "${WORK_DIR}/prefix")

set(_gen_args "")
if(DEFINED GENERATOR AND NOT GENERATOR STREQUAL "")
    list(APPEND _gen_args -G "${GENERATOR}")
    if(DEFINED MAKE_PROGRAM AND NOT MAKE_PROGRAM STREQUAL "")
        list(APPEND _gen_args "-DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}")
    endif()
endif()
set(_common_args
    ${_gen_args}
    -DCMAKE_BUILD_TYPE=Release
    "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}"
    # Never pick up a corio from the user/system package registries.
    -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
    -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF
)

# Run a command; print its output and fail if it exits non-zero.
function(step name)
    message(STATUS "[install-test] ${name}")
    execute_process(
        COMMAND ${ARGN}
        OUTPUT_VARIABLE _out
        ERROR_VARIABLE _out
        RESULT_VARIABLE _rc
    )
    if(NOT _rc STREQUAL "0")
        message("${_out}")
        message(FATAL_ERROR "[install-test] FAILED: ${name} (exit status: ${_rc})")
    endif()
    set(STEP_OUTPUT "${_out}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

# --- 1. build + install corio ------------------------------------------------
step("configure corio"
    "${CMAKE_COMMAND}" -S "${CORIO_SOURCE_DIR}" -B "${WORK_DIR}/corio-build"
    ${_common_args}
    "-DCMAKE_INSTALL_PREFIX=${_prefix}"
    -DCMAKE_INSTALL_LIBDIR=lib
    -DCORIO_BUILD_TESTS=OFF
    -DCORIO_BUILD_EXAMPLES=OFF
    -DCORIO_BUILD_BENCH=OFF
    -DCORIO_SANITIZE=
)
step("build corio" "${CMAKE_COMMAND}" --build "${WORK_DIR}/corio-build" --parallel 2)
step("install corio" "${CMAKE_COMMAND}" --install "${WORK_DIR}/corio-build" --prefix "${_prefix}")

foreach(_f
        "include/corio/gen/generator.hpp"
        "lib/cmake/corio/corioConfig.cmake"
        "lib/cmake/corio/corioConfigVersion.cmake"
        "lib/cmake/corio/corioTargets.cmake"
        "lib/pkgconfig/corio.pc")
    if(NOT EXISTS "${_prefix}/${_f}")
        message(FATAL_ERROR "[install-test] missing installed file: ${_prefix}/${_f}")
    endif()
endforeach()

# The build-tree-only helper targets and flags must not leak into the package.
file(GLOB _target_files "${_prefix}/lib/cmake/corio/corioTargets*.cmake")
foreach(_f IN LISTS _target_files)
    file(READ "${_f}" _content)
    foreach(_bad corio_warnings corio_sanitizers -Werror -fsanitize "${CORIO_SOURCE_DIR}")
        string(FIND "${_content}" "${_bad}" _pos)
        if(NOT _pos EQUAL -1)
            message(FATAL_ERROR "[install-test] '${_bad}' leaked into ${_f}")
        endif()
    endforeach()
endforeach()

# --- 2. find_package consumer ------------------------------------------------
step("configure find_package consumer"
    "${CMAKE_COMMAND}" -S "${_here}/consumer" -B "${WORK_DIR}/consumer-build"
    ${_common_args}
    "-DCMAKE_PREFIX_PATH=${_prefix}"
)
string(FIND "${STEP_OUTPUT}" "corio found in ${_prefix}/" _pos)
if(_pos EQUAL -1)
    message("${STEP_OUTPUT}")
    message(FATAL_ERROR "[install-test] consumer did not find corio in ${_prefix}")
endif()
step("build find_package consumer" "${CMAKE_COMMAND}" --build "${WORK_DIR}/consumer-build")
step("run find_package consumer" "${WORK_DIR}/consumer-build/app")

# --- 3. pkg-config consumer --------------------------------------------------
find_program(_pkg_config NAMES pkg-config pkgconf REQUIRED)
set(ENV{PKG_CONFIG_PATH} "${_prefix}/lib/pkgconfig")
step("pkg-config --cflags --libs corio" "${_pkg_config}" --cflags --libs corio)
string(STRIP "${STEP_OUTPUT}" _pc_flags)
separate_arguments(_pc_flags UNIX_COMMAND "${_pc_flags}")
message(STATUS "[install-test] pkg-config flags: ${_pc_flags}")
step("compile pkg-config consumer"
    "${CXX_COMPILER}" "${_here}/consumer/main.cpp" ${_pc_flags} -o "${WORK_DIR}/pkgconfig-app")
step("run pkg-config consumer" "${WORK_DIR}/pkgconfig-app")

# --- 4. add_subdirectory consumer --------------------------------------------
step("configure add_subdirectory consumer"
    "${CMAKE_COMMAND}" -S "${_here}/subdir_consumer" -B "${WORK_DIR}/subdir-build"
    ${_common_args}
    "-DCORIO_SOURCE_DIR=${CORIO_SOURCE_DIR}"
)
step("build add_subdirectory consumer"
    "${CMAKE_COMMAND}" --build "${WORK_DIR}/subdir-build" --parallel 2)
step("run add_subdirectory consumer" "${WORK_DIR}/subdir-build/app")

message(STATUS "[install-test] all consumers OK")
