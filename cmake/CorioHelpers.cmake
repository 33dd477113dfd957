# corio build helpers.
#
# Internal INTERFACE targets (build tree only, never installed/exported):
#   corio_warnings    -Wall -Wextra -Wpedantic -Werror
#   corio_sanitizers  -fsanitize=${CORIO_SANITIZE} (compile + link) when set
#
# Functions (use these for every test, example and benchmark):
#   corio_add_test(NAME <name> SOURCES <files...> [LABELS <labels...>])
#       With CORIO_TEST_LABELS set, a test carrying none of those labels is left out of the
#       default build and not registered (the target still exists, so a directory may go on
#       to set its properties).
#   corio_add_example(NAME <name> SOURCES <files...>
#                     [EXPECTED_OUTPUT <file>] [INPUT <file>])
#   corio_add_bench(NAME <name> SOURCES <files...>)

include_guard(GLOBAL)

set(_CORIO_HELPERS_DIR "${CMAKE_CURRENT_LIST_DIR}")

# Must be included at directory (not function) scope: gtest_discover_tests()
# relies on a variable this module sets. It does not require GTest itself.
include(GoogleTest)

# --- warnings ----------------------------------------------------------------
add_library(corio_warnings INTERFACE)
target_compile_options(corio_warnings INTERFACE
    $<$<CXX_COMPILER_ID:GNU,Clang,AppleClang>:-Wall -Wextra -Wpedantic -Werror>
    $<$<CXX_COMPILER_ID:MSVC>:/W4 /WX /permissive->
)

# --- sanitizers --------------------------------------------------------------
add_library(corio_sanitizers INTERFACE)
if(NOT CORIO_SANITIZE STREQUAL "")
    string(REPLACE "," ";" _corio_san_list "${CORIO_SANITIZE}")
    foreach(_san IN LISTS _corio_san_list)
        if(NOT _san MATCHES "^(address|undefined|thread|leak)$")
            message(FATAL_ERROR
                "CORIO_SANITIZE: unknown sanitizer '${_san}' "
                "(expected \"\", \"address,undefined\" or \"thread\")")
        endif()
    endforeach()
    if("thread" IN_LIST _corio_san_list AND "address" IN_LIST _corio_san_list)
        message(FATAL_ERROR "CORIO_SANITIZE: 'thread' cannot be combined with 'address'")
    endif()
    if(NOT CMAKE_CXX_COMPILER_ID MATCHES "^(GNU|Clang|AppleClang)$")
        message(FATAL_ERROR "CORIO_SANITIZE is only supported with GCC or Clang")
    endif()
    set(_corio_san_flags -fsanitize=${CORIO_SANITIZE})
    if("undefined" IN_LIST _corio_san_list)
        # Make UBSan findings fail the test instead of only printing.
        list(APPEND _corio_san_flags -fno-sanitize-recover=undefined)
    endif()
    target_compile_options(corio_sanitizers INTERFACE
        ${_corio_san_flags} -fno-omit-frame-pointer)
    target_link_options(corio_sanitizers INTERFACE ${_corio_san_flags})
    message(STATUS "corio: sanitizers enabled: ${CORIO_SANITIZE}")
endif()

# --- corio_add_test ----------------------------------------------------------
function(corio_add_test)
    cmake_parse_arguments(PARSE_ARGV 0 ARG "" "NAME" "SOURCES;LABELS")
    if(ARG_UNPARSED_ARGUMENTS)
        message(FATAL_ERROR "corio_add_test: unexpected arguments: ${ARG_UNPARSED_ARGUMENTS}")
    endif()
    if(NOT ARG_NAME OR NOT ARG_SOURCES)
        message(FATAL_ERROR "corio_add_test: NAME and SOURCES are required")
    endif()

    if(NOT TARGET GTest::gtest_main)
        find_package(GTest REQUIRED)
    endif()

    # The tsan preset runs only the tests labelled `threads`: building the others there would
    # cost CI minutes for binaries nothing runs.
    set(_selected TRUE)
    if(CORIO_TEST_LABELS)
        set(_selected FALSE)
        foreach(_label IN LISTS ARG_LABELS)
            if(_label IN_LIST CORIO_TEST_LABELS)
                set(_selected TRUE)
            endif()
        endforeach()
    endif()

    if(_selected)
        add_executable(${ARG_NAME} ${ARG_SOURCES})
    else()
        add_executable(${ARG_NAME} EXCLUDE_FROM_ALL ${ARG_SOURCES})
    endif()
    target_link_libraries(${ARG_NAME} PRIVATE
        corio::corio GTest::gtest_main corio_warnings corio_sanitizers)
    if(NOT _selected)
        return()
    endif()

    gtest_discover_tests(${ARG_NAME}
        DISCOVERY_MODE PRE_TEST
        DISCOVERY_TIMEOUT 60
        TEST_LIST ${ARG_NAME}_TESTS
        PROPERTIES TIMEOUT 120
    )
    # LABELS are applied by a ctest include file that runs after the discovered
    # tests are defined: passing a multi-value LABELS list through
    # gtest_discover_tests(PROPERTIES ...) flattens it ("LABELS a b").
    if(ARG_LABELS)
        set(_labels_file "${CMAKE_CURRENT_BINARY_DIR}/${ARG_NAME}_labels.cmake")
        file(WRITE "${_labels_file}"
            "if(${ARG_NAME}_TESTS)\n"
            "  set_tests_properties(\${${ARG_NAME}_TESTS} PROPERTIES LABELS [==[${ARG_LABELS}]==])\n"
            "endif()\n")
        set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${_labels_file}")
    endif()
endfunction()

# --- corio_add_example -------------------------------------------------------
function(corio_add_example)
    cmake_parse_arguments(PARSE_ARGV 0 ARG "" "NAME;EXPECTED_OUTPUT;INPUT" "SOURCES")
    if(ARG_UNPARSED_ARGUMENTS)
        message(FATAL_ERROR "corio_add_example: unexpected arguments: ${ARG_UNPARSED_ARGUMENTS}")
    endif()
    if(NOT ARG_NAME OR NOT ARG_SOURCES)
        message(FATAL_ERROR "corio_add_example: NAME and SOURCES are required")
    endif()

    set(_target example_${ARG_NAME})
    add_executable(${_target} ${ARG_SOURCES})
    target_link_libraries(${_target} PRIVATE corio::corio corio_warnings corio_sanitizers)

    if(ARG_EXPECTED_OUTPUT)
        cmake_path(ABSOLUTE_PATH ARG_EXPECTED_OUTPUT
            BASE_DIRECTORY "${CMAKE_CURRENT_SOURCE_DIR}" NORMALIZE)
        set(_input_arg "")
        if(ARG_INPUT)
            cmake_path(ABSOLUTE_PATH ARG_INPUT
                BASE_DIRECTORY "${CMAKE_CURRENT_SOURCE_DIR}" NORMALIZE)
            set(_input_arg "-DINPUT=${ARG_INPUT}")
        endif()
        add_test(NAME example.${ARG_NAME}
            COMMAND ${CMAKE_COMMAND}
                "-DPROGRAM=$<TARGET_FILE:${_target}>"
                "-DEXPECTED=${ARG_EXPECTED_OUTPUT}"
                "-DACTUAL=${CMAKE_CURRENT_BINARY_DIR}/${_target}.actual.txt"
                ${_input_arg}
                -P "${_CORIO_HELPERS_DIR}/RunAndCompare.cmake"
        )
        set_tests_properties(example.${ARG_NAME} PROPERTIES LABELS examples TIMEOUT 120)
    elseif(ARG_INPUT)
        message(FATAL_ERROR "corio_add_example(${ARG_NAME}): INPUT requires EXPECTED_OUTPUT")
    endif()
endfunction()

# --- corio_add_bench ---------------------------------------------------------
function(corio_add_bench)
    cmake_parse_arguments(PARSE_ARGV 0 ARG "" "NAME" "SOURCES")
    if(ARG_UNPARSED_ARGUMENTS)
        message(FATAL_ERROR "corio_add_bench: unexpected arguments: ${ARG_UNPARSED_ARGUMENTS}")
    endif()
    if(NOT ARG_NAME OR NOT ARG_SOURCES)
        message(FATAL_ERROR "corio_add_bench: NAME and SOURCES are required")
    endif()

    if(NOT TARGET benchmark::benchmark)
        find_package(benchmark REQUIRED)
    endif()

    set(_target bench_${ARG_NAME})
    add_executable(${_target} ${ARG_SOURCES})
    target_link_libraries(${_target} PRIVATE
        corio::corio benchmark::benchmark corio_warnings corio_sanitizers)
    set_target_properties(${_target} PROPERTIES
        RUNTIME_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/bench")
endfunction()
