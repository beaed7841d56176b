# The Debian package (label `package`): `package.build` runs the package
# target (the fixture `deb`), `package.check` checks its metadata, contents,
# lintian and the unit (tests/package/check_deb.sh), and
# barrier_package_tests installs it into a throwaway root and signs a
# visitor in with the installed binary.
execute_process(COMMAND dpkg --print-architecture OUTPUT_VARIABLE BARRIER_DEB_ARCH
                OUTPUT_STRIP_TRAILING_WHITESPACE)
set(BARRIER_DEB_FILE ${CMAKE_BINARY_DIR}/barrier_${PROJECT_VERSION}_${BARRIER_DEB_ARCH}.deb)

add_test(NAME package.build COMMAND ${CMAKE_COMMAND} --build ${CMAKE_BINARY_DIR} --target package)
set_tests_properties(package.build PROPERTIES FIXTURES_SETUP deb LABELS package TIMEOUT 300)
add_test(NAME package.check
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/tests/package/check_deb.sh ${CMAKE_BINARY_DIR} ${PROJECT_VERSION})
set_tests_properties(package.check PROPERTIES FIXTURES_REQUIRED deb LABELS package TIMEOUT 300)

add_executable(barrier_package_tests tests/package/install_test.cpp
  tests/integration/support/idp_process.cpp tests/integration/support/manager_browser.cpp
  tests/integration/support/serve_http.cpp)
target_compile_options(barrier_package_tests PRIVATE ${BARRIER_WARNINGS})
target_include_directories(barrier_package_tests PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(barrier_package_tests PRIVATE barrier_adapters GTest::gtest_main)
target_compile_definitions(barrier_package_tests PRIVATE
  BARRIER_SOURCE_DIR="${CMAKE_CURRENT_SOURCE_DIR}")
gtest_discover_tests(barrier_package_tests DISCOVERY_TIMEOUT 60
  PROPERTIES TIMEOUT 300 LABELS package FIXTURES_REQUIRED deb
  ENVIRONMENT "BARRIER_DEB=${BARRIER_DEB_FILE}")
