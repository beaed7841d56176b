# The Lambda@Edge session checker as a WebAssembly module (docs/ARCHITECTURE.md,
# "The edge checker"):
# barrier_core + src/edge/*.cpp -> ${CMAKE_BINARY_DIR}/barrier_checker.wasm.
# Included by CMakeLists.txt when BARRIER_WASM=ON (toolchain:
# cmake/wasm32-wasi-toolchain.cmake).
#
# A WASI *reactor*: no main(); the host calls the exported `_initialize`
# once, then the functions documented in src/edge/wasm_main.cpp. Size
# matters (the Lambda@Edge zip is capped at 1 MB, the target is 110 KB):
# -Oz but for the per-event code (below), dead code removed per function
# (--gc-sections), names and custom sections stripped (--strip-all).

# -Oz is set per target: CMake appends its own -Os to the MinSizeRel flags.
# Full LTO lets the linker inline, merge and drop code across the core.
set(BARRIER_WASM_OPT -Oz -flto)
target_compile_options(barrier_core PRIVATE ${BARRIER_WASM_OPT})

# The code every cached-session event runs is built for speed instead: -O2
# inlines the string and container operations -Oz leaves as calls, which
# halves the module's time per cached event (bench/edge). Config, JSON,
# SigV4, the store read (src/edge/wasm_fetch.cpp) and the pages stay -Oz:
# the engine validates every byte of the module at cold start.
set_source_files_properties(
  src/core/handlers/check.cpp src/core/http/cookie.cpp src/core/http/message.cpp
  src/core/http/path_pattern.cpp src/core/session/session_cache.cpp
  src/core/session/cached_session.cpp
  src/core/session/verified_id_memo.cpp src/core/ports/crypto.cpp src/edge/module.cpp
  src/edge/wasm_main.cpp
  DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}
  PROPERTIES COMPILE_OPTIONS -O2)

file(GLOB BARRIER_EDGE_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/src/edge/*.cpp)
list(FILTER BARRIER_EDGE_SOURCES EXCLUDE REGEX "_test\\.cpp$")

add_executable(barrier_checker ${BARRIER_EDGE_SOURCES})
set_target_properties(barrier_checker PROPERTIES
  SUFFIX ".wasm"
  RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})
target_compile_options(barrier_checker PRIVATE ${BARRIER_WARNINGS} ${BARRIER_WASM_OPT})
target_link_libraries(barrier_checker PRIVATE barrier_core)
target_link_options(barrier_checker PRIVATE
  -mexec-model=reactor
  ${BARRIER_WASM_OPT}
  -Wl,--gc-sections
  -Wl,--strip-all
  -Wl,-z,stack-size=262144)

# Print and record the module's size after every link.
set(BARRIER_WASM_SIZE_SCRIPT ${CMAKE_BINARY_DIR}/wasm_size.cmake)
file(WRITE ${BARRIER_WASM_SIZE_SCRIPT} [=[
file(SIZE "${FILE}" size)
math(EXPR kib "(${size} + 1023) / 1024")
message(STATUS "barrier_checker.wasm: ${size} bytes (${kib} KiB)")
file(WRITE "${FILE}.size" "${size}\n")
]=])
add_custom_command(TARGET barrier_checker POST_BUILD
  COMMAND ${CMAKE_COMMAND} -DFILE=$<TARGET_FILE:barrier_checker> -P ${BARRIER_WASM_SIZE_SCRIPT}
  VERBATIM)
