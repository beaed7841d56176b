// A session as a sign-in leaves it, written straight into a store by the
// test (as another instance or the CLI would), for tests that need a
// signed-in visitor without running a sign-in.
#pragma once

#include <string>

#include "core/ports/session_store.h"

namespace barrier::testing {

struct StoredSession {
  std::string store_key;
  std::string cookie;  // "Cookie: barrier=<value>\r\n"
};

// A session of "alice-sub" valid for an hour, its cookie signed with
// `signing_key` (base64, as session.signing_keys holds it); a failed write
// fails the test.
StoredSession storeSession(SessionStore& store, const std::string& signing_key);

}  // namespace barrier::testing
