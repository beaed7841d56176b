// Files that must stay private to barrier's user: the SQLite store (others
// must not write sessions into it) and the TLS private key (others must not
// read it). One check for both, so the rules and their messages agree.
#pragma once

#include <string>

#include "core/status.h"

namespace barrier {

// What other users must not do with the file.
enum class PrivateAccess {
  kNoWriteByOthers,  // group and others may read, never write
  kNoAccessByOthers  // group and others may neither read nor write
};

// Checks that `file` (named by configuration field `field`, e.g.
// "store.path") is a regular file, not a symbolic link, owned by the
// effective user, and not open to others as `access` says. A missing file
// is ok when `missing_ok` (a journal not made yet), an error otherwise.
// Errors name the field, the file and the fix ("run chmod 600 FILE").
Status checkPrivateFile(const std::string& field, const std::string& file, PrivateAccess access,
                        bool missing_ok = false);

}  // namespace barrier
