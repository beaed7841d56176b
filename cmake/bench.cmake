# Programs for bench/run.sh and bench/README.md (not built by default; the
# integration tests depend on them, so a change that breaks them fails the
# suite):
#   cmake --build --preset release --target barrier_bench_seed_sessions barrier_bench_session_cache_bytes
#     barrier_bench_check_allocations
foreach(name seed_sessions session_cache_bytes check_allocations)
  add_executable(barrier_bench_${name} EXCLUDE_FROM_ALL bench/${name}.cpp)
  target_compile_options(barrier_bench_${name} PRIVATE ${BARRIER_WARNINGS})
  target_include_directories(barrier_bench_${name} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  target_link_libraries(barrier_bench_${name} PRIVATE barrier_adapters)
endforeach()
