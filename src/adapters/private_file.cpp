#include "adapters/private_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace barrier {

namespace {

Status fileError(const std::string& field, const std::string& file, const std::string& why,
                 Code code = Code::kInvalidArgument) {
  return Status(code, field + ": " + file + ": " + why);
}

// Opened (not stat()ed by name) so that the file inspected is the file
// named; without following a link unless `follow`. A file that cannot be
// opened is `unopened`'s kind of error.
Status inspect(const std::string& field, const std::string& file, bool follow, bool missing_ok,
               Code unopened, struct stat& st, bool& missing) {
  missing = false;
  int flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | (follow ? 0 : O_NOFOLLOW);
  int fd = ::open(file.c_str(), flags);
  if (fd < 0) {
    if (errno == ELOOP && !follow) {
      return fileError(field, file, "is a symbolic link; name the file itself");
    }
    if (errno == ENOENT && missing_ok) {
      missing = true;
      return Status::ok();
    }
    return fileError(field, file, std::string("cannot open: ") + std::strerror(errno), unopened);
  }
  bool stated = ::fstat(fd, &st) == 0;
  ::close(fd);
  if (!stated) return fileError(field, file, "cannot inspect it", unopened);
  if (!S_ISREG(st.st_mode)) return fileError(field, file, "is not a regular file");
  return Status::ok();
}

std::string modeText(const struct stat& st) {
  char mode[8];
  std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
  return mode;
}

}  // namespace

Status checkPrivateFile(const std::string& field, const std::string& file, PrivateAccess access,
                        bool missing_ok) {
  struct stat st {};
  bool missing = false;
  // A store's file is opened again at run time, where a failure to open
  // it is the store being unavailable (503), as before the check.
  if (Status s = inspect(field, file, false, missing_ok, Code::kUnavailable, st, missing);
      !s || missing) {
    return s;
  }
  if (st.st_uid != ::geteuid()) {
    return fileError(field, file,
                     "belongs to another user (uid " + std::to_string(st.st_uid) +
                         "); barrier runs as uid " + std::to_string(::geteuid()));
  }
  if (access == PrivateAccess::kNoWriteByOthers && (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    return fileError(field, file,
                     "has mode " + modeText(st) +
                         ": other users could write sessions into it; run chmod 600 " + file);
  }
  if (access == PrivateAccess::kNoAccessByOthers && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    return fileError(field, file,
                     "has mode " + modeText(st) +
                         ": other users could read the private key; run chmod 600 " + file);
  }
  return Status::ok();
}

Status checkReadableFile(const std::string& field, const std::string& file) {
  struct stat st {};
  bool missing = false;
  return inspect(field, file, true, false, Code::kInvalidArgument, st, missing);
}

}  // namespace barrier
