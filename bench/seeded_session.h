// The session record the bench programs seed: what a sign-in leaves (the
// callback handler's record), with an identity shaped like a real
// provider's (a UUID-like sub, a username, an e-mail address, one group).
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

#include "core/session/record.h"
#include "core/session/session_id.h"

namespace barrier::bench {

// The n-th seeded session under `issued`'s store key: distinct per n.
inline SessionRecord seededSession(const IssuedId& issued, long n, int64_t now, int64_t lifetime) {
  char sub[48];
  std::snprintf(sub, sizeof sub, "5f0c2b1e-7a4d-4c3b-9e21-%012ld", n);
  char user[32];
  std::snprintf(user, sizeof user, "user%06ld", n);
  SessionRecord record;
  record.key = issued.store_key;
  record.kind = RecordKind::kSession;
  record.created_at = now;
  record.valid_until = now + lifetime;
  record.sub = sub;
  record.username = user;
  record.email = std::string(user) + "@example.com";
  record.groups = {"staff"};
  return record;
}

}  // namespace barrier::bench
