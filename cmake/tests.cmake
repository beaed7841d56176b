find_package(GTest REQUIRED)
include(GoogleTest)

# The test doubles, one per port (tests/support/: FixedClock, SeededRandom,
# RecordingLog, FakeHttpClient) and the test configuration helper. Linked
# only into tests: nothing under src/ includes them.
file(GLOB BARRIER_TEST_SUPPORT CONFIGURE_DEPENDS tests/support/*.cpp)
add_library(barrier_test_support STATIC ${BARRIER_TEST_SUPPORT})
target_compile_options(barrier_test_support PRIVATE ${BARRIER_WARNINGS})
target_include_directories(barrier_test_support PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(barrier_test_support PUBLIC barrier_core)

# Unit tests live next to the code they test (foo_test.cpp beside foo.cpp).
file(GLOB_RECURSE BARRIER_UNIT_TESTS CONFIGURE_DEPENDS src/*_test.cpp)
add_executable(barrier_unit_tests ${BARRIER_UNIT_TESTS})
target_compile_options(barrier_unit_tests PRIVATE ${BARRIER_WARNINGS})
target_include_directories(barrier_unit_tests PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(barrier_unit_tests PRIVATE barrier_server barrier_lambda barrier_deploy barrier_adapters
  barrier_test_support GTest::gtest_main GTest::gmock)
target_compile_definitions(barrier_unit_tests PRIVATE
  BARRIER_SOURCE_DIR="${CMAKE_CURRENT_SOURCE_DIR}")
gtest_discover_tests(barrier_unit_tests DISCOVERY_TIMEOUT 60
  PROPERTIES TIMEOUT 120 LABELS unit SKIP_REGULAR_EXPRESSION "\\[  SKIPPED \\]")

# Integration tests: real servers on loopback (IdP, dynalite, moto, redis, nginx).
file(GLOB BARRIER_INTEGRATION_TESTS CONFIGURE_DEPENDS tests/integration/*_test.cpp)
if(BARRIER_INTEGRATION_TESTS)
  file(GLOB BARRIER_INTEGRATION_SUPPORT CONFIGURE_DEPENDS tests/integration/support/*.cpp)
  add_executable(barrier_integration_tests ${BARRIER_INTEGRATION_TESTS}
    ${BARRIER_INTEGRATION_SUPPORT})
  target_compile_options(barrier_integration_tests PRIVATE ${BARRIER_WARNINGS})
  target_include_directories(barrier_integration_tests PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  target_link_libraries(barrier_integration_tests PRIVATE barrier_server barrier_lambda
    barrier_deploy barrier_adapters barrier_test_support GTest::gtest_main GTest::gmock)
  target_compile_definitions(barrier_integration_tests PRIVATE
    BARRIER_SOURCE_DIR="${CMAKE_CURRENT_SOURCE_DIR}"
    BARRIER_BINARY="$<TARGET_FILE:barrier>"
    BARRIER_BENCH_SEED_SESSIONS="$<TARGET_FILE:barrier_bench_seed_sessions>")
  add_dependencies(barrier_integration_tests barrier barrier_bench_seed_sessions
    barrier_bench_session_cache_bytes)
  gtest_discover_tests(barrier_integration_tests DISCOVERY_TIMEOUT 60
    PROPERTIES TIMEOUT 300 LABELS integration SKIP_REGULAR_EXPRESSION "\\[  SKIPPED \\]")
endif()

# Fuzz corpora replay as ordinary tests: each target is linked with a small
# driver that feeds every file of tests/fuzz/corpus/<name>/ to it. The
# replays build with the preset's flags, so the asan preset replays every
# corpus under AddressSanitizer + UBSan:
#   cmake --build --preset asan --target barrier_fuzz_replays && ctest --preset asan -L fuzz
add_custom_target(barrier_fuzz_replays)
file(GLOB BARRIER_FUZZ_TARGETS CONFIGURE_DEPENDS tests/fuzz/*_fuzz.cpp)
foreach(src ${BARRIER_FUZZ_TARGETS})
  get_filename_component(name ${src} NAME_WE)
  add_executable(${name}_replay ${src} tests/fuzz/replay_main.cpp)
  add_dependencies(barrier_fuzz_replays ${name}_replay)
  target_compile_options(${name}_replay PRIVATE ${BARRIER_WARNINGS})
  target_link_libraries(${name}_replay PRIVATE barrier_lambda barrier_deploy barrier_adapters)
  string(REGEX REPLACE "_fuzz$" "" corpus ${name})
  add_test(NAME fuzz_replay.${corpus}
    COMMAND ${name}_replay ${CMAKE_CURRENT_SOURCE_DIR}/tests/fuzz/corpus/${corpus})
  set_tests_properties(fuzz_replay.${corpus} PROPERTIES TIMEOUT 120 LABELS fuzz)
endforeach()

# Node.js tests (node --test): the wasm checker, the edge handler, the IdP, the browser.
# They find the builds through environment variables set here. Besides the
# spec output, each file writes a JUnit report to node-junit/ (which test
# skipped and why, for scripts/skip-report.py). A file in which nothing
# passed and nothing failed (all skipped) is reported by CTest as skipped.
file(GLOB BARRIER_NODE_TESTS CONFIGURE_DEPENDS tests/node/*.test.mjs)
file(MAKE_DIRECTORY ${CMAKE_BINARY_DIR}/node-junit)
foreach(src ${BARRIER_NODE_TESTS})
  get_filename_component(name ${src} NAME_WE)
  add_test(NAME node.${name} COMMAND node --test
    --test-reporter=spec --test-reporter-destination=stdout
    --test-reporter=junit --test-reporter-destination=${CMAKE_BINARY_DIR}/node-junit/${name}.xml
    ${src}
    WORKING_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR})
  set_tests_properties(node.${name} PROPERTIES TIMEOUT 600 LABELS node
    SKIP_REGULAR_EXPRESSION "ℹ pass 0\nℹ fail 0\nℹ cancelled 0\n"
    ENVIRONMENT "BARRIER_BINARY=$<TARGET_FILE:barrier>;BARRIER_WASM_DIR=${CMAKE_CURRENT_SOURCE_DIR}/build/wasm;BARRIER_SOURCE_DIR=${CMAKE_CURRENT_SOURCE_DIR}")
endforeach()
include(cmake/package_tests.cmake)
