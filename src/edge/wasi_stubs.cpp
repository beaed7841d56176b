// The three WASI calls wasi-libc keeps after dead-code removal (its stdio's
// write, seek and close, reached only from paths that print to stderr),
// answered inside the module: ENOSYS, as the module does no file or console
// I/O. Defining them here keeps wasi-libc's import-bound versions out of
// the link, so the module imports nothing from WASI. Why that matters: V8
// compiles a wrapper (with TurboFan) for every imported function's
// signature at cold start, ~0.3 ms each after the first.
#include <wasi/api.h>

extern "C" {

__wasi_errno_t __wasi_fd_close(__wasi_fd_t) { return __WASI_ERRNO_NOSYS; }

__wasi_errno_t __wasi_fd_seek(__wasi_fd_t, __wasi_filedelta_t, __wasi_whence_t,
                              __wasi_filesize_t*) {
  return __WASI_ERRNO_NOSYS;
}

__wasi_errno_t __wasi_fd_write(__wasi_fd_t, const __wasi_ciovec_t*, size_t, __wasi_size_t*) {
  return __WASI_ERRNO_NOSYS;
}

}  // extern "C"
