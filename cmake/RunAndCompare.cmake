# Runs PROGRAM (stdin from INPUT if given), captures its stdout into ACTUAL and
# compares it byte-for-byte with EXPECTED. Measured values (times, rates) vary
# from run to run: an example prints them after "≈ " ("≈ 0.31 s", "≈ 3225
# requests/s"), and the number after each "≈ " reads "N" in both files. On mismatch prints a unified diff
# (or both outputs if `diff` is unavailable) and fails.
#
#   cmake -DPROGRAM=<exe> -DEXPECTED=<file> [-DINPUT=<file>] [-DACTUAL=<file>]
#         -P RunAndCompare.cmake

foreach(_var PROGRAM EXPECTED)
    if(NOT DEFINED ${_var} OR "${${_var}}" STREQUAL "")
        message(FATAL_ERROR "RunAndCompare: -D${_var}=... is required")
    endif()
endforeach()
if(NOT EXISTS "${EXPECTED}")
    message(FATAL_ERROR "RunAndCompare: expected-output file not found: ${EXPECTED}")
endif()
if(NOT DEFINED ACTUAL OR "${ACTUAL}" STREQUAL "")
    get_filename_component(_name "${PROGRAM}" NAME_WE)
    set(ACTUAL "${CMAKE_CURRENT_BINARY_DIR}/${_name}.actual.txt")
endif()

set(_input_args "")
if(DEFINED INPUT AND NOT "${INPUT}" STREQUAL "")
    if(NOT EXISTS "${INPUT}")
        message(FATAL_ERROR "RunAndCompare: input file not found: ${INPUT}")
    endif()
    set(_input_args INPUT_FILE "${INPUT}")
endif()

execute_process(
    COMMAND "${PROGRAM}"
    ${_input_args}
    OUTPUT_FILE "${ACTUAL}"
    ERROR_VARIABLE _stderr
    RESULT_VARIABLE _rc
)
if(NOT _rc STREQUAL "0")
    message(FATAL_ERROR
        "RunAndCompare: '${PROGRAM}' failed (exit status: ${_rc})\n"
        "--- stderr ---\n${_stderr}")
endif()

file(READ "${ACTUAL}" _actual_text)
if(_actual_text MATCHES "≈ ")
    string(REGEX REPLACE "≈ [0-9]+(\\.[0-9]+)?" "≈ N" _actual_text "${_actual_text}")
    file(WRITE "${ACTUAL}" "${_actual_text}")
endif()
execute_process(
    COMMAND "${CMAKE_COMMAND}" -E compare_files "${EXPECTED}" "${ACTUAL}"
    RESULT_VARIABLE _same
    OUTPUT_QUIET ERROR_QUIET
)
if(_same STREQUAL "0")
    return()
endif()

find_program(_diff NAMES diff)
if(_diff)
    execute_process(
        COMMAND "${_diff}" -u --label expected --label actual "${EXPECTED}" "${ACTUAL}"
        OUTPUT_VARIABLE _diff_out
        ERROR_VARIABLE _diff_out
    )
    message("${_diff_out}")
else()
    file(READ "${EXPECTED}" _expected)
    file(READ "${ACTUAL}" _actual)
    message("--- expected (${EXPECTED}) ---\n${_expected}\n"
            "--- actual (${ACTUAL}) ---\n${_actual}\n--- end ---")
endif()
if(NOT _stderr STREQUAL "")
    message("--- stderr ---\n${_stderr}")
endif()
message(FATAL_ERROR "RunAndCompare: stdout of '${PROGRAM}' differs from ${EXPECTED}")
