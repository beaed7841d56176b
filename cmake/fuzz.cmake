# libFuzzer builds (clang only): one executable per tests/fuzz/*_fuzz.cpp.
#   cmake --preset fuzz && cmake --build --preset fuzz
#   build/fuzz/cookie_fuzz tests/fuzz/corpus/cookie
file(GLOB BARRIER_FUZZ_TARGETS CONFIGURE_DEPENDS tests/fuzz/*_fuzz.cpp)
foreach(src ${BARRIER_FUZZ_TARGETS})
  get_filename_component(name ${src} NAME_WE)
  add_executable(${name} ${src})
  target_compile_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_libraries(${name} PRIVATE barrier_lambda barrier_deploy barrier_adapters)
endforeach()
