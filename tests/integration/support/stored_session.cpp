#include "stored_session.h"

#include <gtest/gtest.h>

#include "adapters/system.h"
#include "core/encoding.h"
#include "core/session/session_id.h"

namespace barrier::testing {

StoredSession storeSession(SessionStore& store, const std::string& signing_key) {
  std::unique_ptr<Crypto> crypto = makeOpenSslCrypto();
  std::unique_ptr<Random> random = makeOsRandom();
  std::unique_ptr<barrier::Clock> clock = makeSystemClock();
  std::string raw;
  EXPECT_TRUE(base64Decode(signing_key, raw));
  IdCodec codec(*crypto, {raw});
  auto issued = codec.issue(*random);
  SessionRecord record;
  record.key = issued->store_key;
  record.created_at = clock->now();
  record.valid_until = clock->now() + 3600;
  record.sub = "alice-sub";
  record.username = "alice";
  EXPECT_TRUE(store.putNew(record).isOk());
  return {issued->store_key, "Cookie: barrier=" + issued->cookie_value + "\r\n"};
}

}  // namespace barrier::testing
