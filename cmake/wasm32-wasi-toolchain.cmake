# Toolchain for the portable core as WebAssembly (wasm32-wasi), with Debian's
# packages: clang-14, wasi-libc, libc++-14-dev-wasm32, libc++abi-14-dev-wasm32,
# libclang-rt-14-dev-wasm32.
#
#   cmake -S . -B build/wasm -G Ninja -DCMAKE_TOOLCHAIN_FILE=cmake/wasm32-wasi-toolchain.cmake \
#         -DBARRIER_WASM=ON -DCMAKE_BUILD_TYPE=MinSizeRel        (or: cmake --preset wasm)
#
# Debian splits the WASI sysroot across /usr/include/wasm32-wasi (libc and
# libc++ headers) and /usr/lib/wasm32-wasi (crt, libc, libc++). clang expects
# one sysroot with include/wasm32-wasi and lib/wasm32-wasi, so we assemble one
# from symlinks in the build tree. Using --sysroot also keeps the host's
# /usr/include (glibc headers) out of the search path. A real wasi-sdk
# sysroot can be given instead with -DWASI_SYSROOT=... .
#
# nlohmann/json (header-only, the core's only dependency) is made visible by
# linking just /usr/include/nlohmann into a build-local include directory —
# never all of /usr/include.

set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR wasm32)
set(BARRIER_WASM_TRIPLE wasm32-wasi)

find_program(BARRIER_WASM_CLANG NAMES clang-14 clang REQUIRED)
find_program(BARRIER_WASM_CLANGXX NAMES clang++-14 clang++ REQUIRED)
find_program(BARRIER_WASM_AR NAMES llvm-ar-14 llvm-ar REQUIRED)
find_program(BARRIER_WASM_RANLIB NAMES llvm-ranlib-14 llvm-ranlib REQUIRED)
set(CMAKE_C_COMPILER ${BARRIER_WASM_CLANG})
set(CMAKE_CXX_COMPILER ${BARRIER_WASM_CLANGXX})
set(CMAKE_AR ${BARRIER_WASM_AR} CACHE FILEPATH "")
set(CMAKE_RANLIB ${BARRIER_WASM_RANLIB} CACHE FILEPATH "")
set(CMAKE_C_COMPILER_TARGET ${BARRIER_WASM_TRIPLE})
set(CMAKE_CXX_COMPILER_TARGET ${BARRIER_WASM_TRIPLE})

# Assemble (or accept) the sysroot.
set(_barrier_wasm_dir "${CMAKE_BINARY_DIR}/wasm-sysroot")
if(DEFINED WASI_SYSROOT AND EXISTS "${WASI_SYSROOT}/include")
  set(CMAKE_SYSROOT "${WASI_SYSROOT}")
elseif(EXISTS /usr/share/wasi-sysroot/include)
  set(CMAKE_SYSROOT /usr/share/wasi-sysroot)
else()
  foreach(dir /usr/include/wasm32-wasi /usr/lib/wasm32-wasi)
    if(NOT EXISTS ${dir})
      message(FATAL_ERROR "${dir} is missing: apt-get install wasi-libc libc++-14-dev-wasm32 "
                          "libc++abi-14-dev-wasm32 libclang-rt-14-dev-wasm32")
    endif()
  endforeach()
  file(MAKE_DIRECTORY "${_barrier_wasm_dir}/include" "${_barrier_wasm_dir}/lib")
  file(CREATE_LINK /usr/include/wasm32-wasi "${_barrier_wasm_dir}/include/${BARRIER_WASM_TRIPLE}"
       SYMBOLIC)
  file(CREATE_LINK /usr/lib/wasm32-wasi "${_barrier_wasm_dir}/lib/${BARRIER_WASM_TRIPLE}" SYMBOLIC)
  set(CMAKE_SYSROOT "${_barrier_wasm_dir}")
endif()

# Only nlohmann from the host's headers.
set(_barrier_wasm_include "${CMAKE_BINARY_DIR}/wasm-include")
if(NOT EXISTS /usr/include/nlohmann/json.hpp)
  message(FATAL_ERROR "/usr/include/nlohmann/json.hpp is missing: apt-get install nlohmann-json3-dev")
endif()
file(MAKE_DIRECTORY "${_barrier_wasm_include}")
file(CREATE_LINK /usr/include/nlohmann "${_barrier_wasm_include}/nlohmann" SYMBOLIC)

# -fno-exceptions is mandatory (no unwinder in wasi-libc); without RTTI the
# module is smaller. nlohmann then aborts where it would throw, so core code
# must use its non-throwing calls; it also must not reach for <filesystem>,
# which this libc++ does not have.
set(_barrier_wasm_flags
    "-fno-exceptions -fno-rtti -DJSON_NOEXCEPTION -DJSON_HAS_FILESYSTEM=0 -DJSON_HAS_EXPERIMENTAL_FILESYSTEM=0 -isystem ${_barrier_wasm_include}")
set(CMAKE_C_FLAGS_INIT "-isystem ${_barrier_wasm_include}")
set(CMAKE_CXX_FLAGS_INIT "${_barrier_wasm_flags}")
set(CMAKE_C_FLAGS_MINSIZEREL_INIT "-Oz -DNDEBUG")
set(CMAKE_CXX_FLAGS_MINSIZEREL_INIT "-Oz -DNDEBUG")

# Compiler checks build a static library: a wasm "executable" needs exports.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
