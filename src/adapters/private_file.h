// Files barrier reads at start that a mistake in their permissions would
// turn into a hole: the SQLite store (others must not write sessions into
// it), TLS private keys (others must not read them), and the CA and
// certificate files beside them (which must at least be there). One check
// for all, so the rules and their messages agree: every error reads
// "FIELD: FILE: what is wrong[; the fix]".
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
// Errors name the field, the file and the fix ("run chmod 600 FILE"); one
// that cannot be opened is kUnavailable (a store's file, opened again at
// run time), anything else kInvalidArgument.
Status checkPrivateFile(const std::string& field, const std::string& file, PrivateAccess access,
                        bool missing_ok = false);

// Checks that `file` is a regular file (or a symbolic link to one: CA
// bundles often are) that this process can open; for public files such as
// a CA bundle or a certificate chain. Errors are kInvalidArgument.
Status checkReadableFile(const std::string& field, const std::string& file);

}  // namespace barrier
