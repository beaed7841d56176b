// Session and login-flow ids: how they are made, signed into a cookie value,
// checked, and turned into a store key (docs/ARCHITECTURE.md, "Cookie format").
//
//   id           = base64url(32 random bytes)                 43 chars
//   mac          = base64url(HMAC-SHA256(key, id)[0..16))     22 chars
//   cookie value = id "." mac                                 66 chars
//   store key    = base64url(SHA-256(id))                     43 chars
//
// The MAC and the store key are computed over the id's *text* (the 43
// base64url characters exactly as they appear in the cookie), not over the
// decoded bytes: an operator can derive a store key from a cookie with
// standard tools, and there is only one text per id because the shape check
// admits nothing but the 43-character form.
//
// The MAC lets the checker reject forged ids without a store read. It does
// NOT say what the id is for: login-flow ids are signed with the same keys,
// so anyone can obtain a correctly signed id by starting a login. The
// record's `kind` is what separates a session from a login flow.
//
// Keys are a list: the first signs, every key verifies (rotation). Empty keys
// are ignored — an HMAC under an empty key would be forgeable.
//
// Thread safety: a codec is immutable after construction; concurrent calls
// are safe when the Crypto port is.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ports/crypto.h"
#include "core/ports/random.h"
#include "core/status.h"

namespace barrier {

constexpr size_t kIdBytes = 32;
constexpr size_t kIdTextLength = 43;  // base64url, no padding, of 32 bytes
constexpr size_t kMacBytes = 16;
constexpr size_t kMacTextLength = 22;  // base64url, no padding, of 16 bytes
constexpr size_t kCookieValueLength = kIdTextLength + 1 + kMacTextLength;

// A freshly issued id with everything the caller needs to store and send it.
struct IssuedId {
  std::string id;            // the bearer secret; goes only into the cookie
  std::string cookie_value;  // id "." mac
  std::string store_key;     // what the store holds instead of the id
};

class IdCodec {
 public:
  IdCodec(Crypto& crypto, std::vector<std::string> keys);

  // A new random 256-bit id, signed with the first key. kInternal when no
  // usable key is configured (config validation should have refused that).
  Result<IssuedId> issue(Random& random) const;

  // Signs an existing id text with the first key ("" without a key).
  std::string cookieValueFor(std::string_view id) const;

  // The id inside `cookie_value` when its shape is exact and its MAC
  // verifies under any key (constant-time); nullopt otherwise. The shape is
  // checked first, so garbage never reaches the MAC computation.
  std::optional<std::string> verify(std::string_view cookie_value) const;

  // base64url(SHA-256(id text)).
  std::string storeKey(std::string_view id) const;

  // storeKey of the id inside `cookie_value` when verify() accepts it;
  // nullopt otherwise. What the checker needs of a cookie, without a copy
  // of the id.
  std::optional<std::string> verifiedStoreKey(std::string_view cookie_value) const;

  bool canSign() const { return !keys_.empty(); }

 private:
  std::string macText(std::string_view key, std::string_view id) const;
  // verify() without the copy: true when shape and MAC are right.
  bool verifies(std::string_view cookie_value) const;

  Crypto& crypto_;
  std::vector<std::string> keys_;
};

// True when `value` is 43 base64url chars, '.', 22 base64url chars — nothing
// more, nothing less. Says nothing about the MAC.
bool hasIdCookieShape(std::string_view value);

}  // namespace barrier
