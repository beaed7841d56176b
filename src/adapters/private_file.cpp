#include "adapters/private_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace barrier {

namespace {

// Opened (not stat()ed by name) so that the file inspected is the file
// named, without following a link.
Status inspect(const std::string& field, const std::string& file, bool missing_ok, struct stat& st,
               bool& missing) {
  missing = false;
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) {
    if (errno == ELOOP) {
      return Status::invalid(field + ": " + file + " is a symbolic link; name the file itself");
    }
    if (errno == ENOENT && missing_ok) {
      missing = true;
      return Status::ok();
    }
    return Status::unavailable(field + ": cannot open " + file + ": " + std::strerror(errno));
  }
  bool stated = ::fstat(fd, &st) == 0;
  ::close(fd);
  if (!stated) return Status::unavailable(field + ": cannot inspect " + file);
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
  if (Status s = inspect(field, file, missing_ok, st, missing); !s || missing) return s;
  if (!S_ISREG(st.st_mode)) return Status::invalid(field + ": " + file + " is not a regular file");
  if (st.st_uid != ::geteuid()) {
    return Status::invalid(field + ": " + file + " belongs to another user (uid " +
                           std::to_string(st.st_uid) + "); barrier runs as uid " +
                           std::to_string(::geteuid()));
  }
  if (access == PrivateAccess::kNoWriteByOthers && (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    return Status::invalid(field + ": " + file + " has mode " + modeText(st) +
                           ": other users could write sessions into it; run chmod 600 " + file);
  }
  if (access == PrivateAccess::kNoAccessByOthers && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    return Status::invalid(field + ": " + file + " has mode " + modeText(st) +
                           ": other users could read the private key; run chmod 600 " + file);
  }
  return Status::ok();
}

}  // namespace barrier
