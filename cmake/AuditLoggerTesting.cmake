# Test helpers shared by the top-level CMakeLists.txt and bindings/cpp.
#
# Variables (set before this file is included):
#   AUDIT_VECTORS_DIR      tests/vectors, the conformance scenarios
#   AUDIT_TEST_TIMEOUT     seconds before a plain test counts as hung
# Variables this file sets:
#   AUDIT_SANITIZE_FLAGS   compile and link flags of the *_asan executables
#   AUDIT_VALGRIND_COMMAND memcheck command line that fails on errors and on
#                          definite/indirect leaks (empty if valgrind is missing)

set(AUDIT_SANITIZE_FLAGS
  -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)

# A tool the tests need but the library does not: without it, its tests are
# left out with a warning, except under CI (CI non-empty), where that is an error.
function(audit_require_test_tool found what)
  if(found)
    return()
  endif()
  if(NOT "$ENV{CI}" STREQUAL "")
    message(FATAL_ERROR "${what} is missing; CI runs every test")
  endif()
  message(WARNING "${what} is missing: its tests are not registered")
endfunction()

find_program(VALGRIND_EXECUTABLE valgrind)
audit_require_test_tool("${VALGRIND_EXECUTABLE}" "valgrind")
if(VALGRIND_EXECUTABLE)
  set(AUDIT_VALGRIND_COMMAND ${VALGRIND_EXECUTABLE} --error-exitcode=1 --leak-check=full
    --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect)
else()
  set(AUDIT_VALGRIND_COMMAND "")
endif()

# audit_add_checked_test(<name> SOURCES <file>... [LIBRARIES <lib>...]
#                        [ARGS <arg>...] [VALGRIND_ARGS <arg>...] [ASAN_ARGS <arg>...]
#                        [VALGRIND_FLAGS <flag>...])
#
# Builds <name> (C11, warnings as errors, linked with the shared library and
# pthread) and <name>_asan (the same under AddressSanitizer and UBSan), and
# registers three tests: <name>, <name>_valgrind (with VALGRIND_ARGS if given,
# else ARGS, and memcheck given VALGRIND_FLAGS too) and <name>_asan (with
# ASAN_ARGS if given, else ARGS).
function(audit_add_checked_test name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "SOURCES;LIBRARIES;ARGS;VALGRIND_ARGS;ASAN_ARGS;VALGRIND_FLAGS")
  foreach(variant IN ITEMS VALGRIND ASAN)
    if(NOT arg_${variant}_ARGS)
      set(arg_${variant}_ARGS ${arg_ARGS})
    endif()
  endforeach()

  foreach(target IN ITEMS ${name} ${name}_asan)
    add_executable(${target} ${arg_SOURCES})
    set_target_properties(${target} PROPERTIES
      C_STANDARD 11 C_STANDARD_REQUIRED ON C_EXTENSIONS OFF)
    # -UNDEBUG: a test keeps its assert()s in a Release build.
    target_compile_options(${target} PRIVATE -Wall -Wextra -Werror -UNDEBUG)
    target_link_libraries(${target} PRIVATE
      AuditLogger::audit_logger Threads::Threads ${arg_LIBRARIES})
  endforeach()
  target_compile_options(${name}_asan PRIVATE ${AUDIT_SANITIZE_FLAGS} -g)
  target_link_options(${name}_asan PRIVATE ${AUDIT_SANITIZE_FLAGS})

  add_test(NAME ${name} COMMAND ${name} ${arg_ARGS})
  add_test(NAME ${name}_asan COMMAND ${name}_asan ${arg_ASAN_ARGS})
  set_tests_properties(${name} ${name}_asan PROPERTIES TIMEOUT ${AUDIT_TEST_TIMEOUT})
  if(AUDIT_VALGRIND_COMMAND)
    add_test(NAME ${name}_valgrind
      COMMAND ${AUDIT_VALGRIND_COMMAND} ${arg_VALGRIND_FLAGS} $<TARGET_FILE:${name}>
        ${arg_VALGRIND_ARGS})
    # Memcheck runs code some 20-50 times slower.
    math(EXPR slow "${AUDIT_TEST_TIMEOUT} * 5")
    set_tests_properties(${name}_valgrind PROPERTIES TIMEOUT ${slow})
  endif()
endfunction()
