// The session table's record (docs/ARCHITECTURE.md, "Records"). One type for both kinds: a
// `session` (a logged-in visitor) and a `login` (an OAuth flow in progress).
// Only a record of kind kSession may ever let a request through.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace barrier {

enum class RecordKind { kSession, kLogin };

// One claim a session keeps from its tokens, because an access condition or
// an identity header names it (core/access/claims.h): its string values.
struct RecordClaim {
  std::string name;
  std::vector<std::string> values;
  bool operator==(const RecordClaim&) const = default;
};

const char* recordKindName(RecordKind kind);  // "session" | "login"
// false for anything but exactly "session" or "login".
bool parseRecordKind(std::string_view text, RecordKind& out);

struct SessionRecord {
  std::string key;  // base64url SHA-256 of the cookie's id (never the id itself)
  RecordKind kind = RecordKind::kSession;
  int64_t valid_until = 0;  // epoch seconds; checked in code, TTL is housekeeping
  int64_t created_at = 0;
  // Epoch seconds of the last recorded use (session.idle_timeout); 0 until
  // the first touch, when created_at stands for it (core/session/idle.h).
  int64_t last_seen = 0;

  // Identity (sessions).
  std::string sub;
  // The provider's session (the ID token's `sid` claim; "" when it named
  // none): a back-channel logout may end the sessions of one sid.
  std::string sid;
  std::string username;
  std::string email;
  std::vector<std::string> groups;
  std::vector<RecordClaim> claims;  // only the claims the configuration names

  // Flow state (login records).
  std::string secret;
  std::string code_verifier;
  std::string nonce;
  std::string path;

  bool isLiveSession(int64_t now) const {
    return kind == RecordKind::kSession && valid_until > now;
  }
  bool isLiveLogin(int64_t now) const { return kind == RecordKind::kLogin && valid_until > now; }
};

}  // namespace barrier
