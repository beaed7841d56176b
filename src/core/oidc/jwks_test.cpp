#include "core/oidc/jwks.h"

#include <gtest/gtest.h>

#include "adapters/system.h"
#include "tests/integration/support/idp_test_keys.h"
#include "tests/support/fake_http_client.h"
#include "tests/support/fixed_clock.h"

namespace barrier {
namespace {

constexpr int64_t kNow = 1700000000;
const char* kJwksUri = "https://idp.example.com/jwks";
const char* kOtherJwksUri = "https://idp.example.com/keys-v2";

// Generating RSA keys is slow: once per process.
const testing::TestRsaKey& signingKey() {
  static testing::TestRsaKey key("k1");
  return key;
}

class JwksCacheTest : public ::testing::Test {
 protected:
  Status verify(const std::string& uri = kJwksUri) {
    auto jwt = parseJwt(signingKey().signRs256({{"sub", "alice"}}));
    EXPECT_TRUE(jwt.isOk());
    return cache.verify(uri, *jwt);
  }

  FixedClock clock{kNow};
  std::unique_ptr<Crypto> crypto = makeOpenSslCrypto();
  // The JWKS endpoint's answer, which the test chooses: a key set, an HTTP
  // error or no answer at all. endpoint.sentTo(uri) counts the fetches.
  Status failure;  // non-ok: no answer (refused, timeout)
  int status = 200;
  std::string body = testing::jwksOf({&signingKey()});
  FakeHttpClient endpoint{[this](const HttpClientRequest&) -> Result<HttpClientResponse> {
    if (!failure.isOk()) return failure;
    return httpResponse(status, body);
  }};
  JwksCache cache{endpoint, clock, *crypto, 1000};
};

// With a loaded key set a valid signature verifies, fetching the set once.
TEST_F(JwksCacheTest, LoadsOnceAndVerifies) {
  EXPECT_TRUE(verify().isOk()) << verify().toString();
  EXPECT_TRUE(verify().isOk());
  EXPECT_EQ(endpoint.sentTo(kJwksUri), 1u);
}

// Before any set has loaded, a failed fetch is not repeated for
// kUnloadedRetrySeconds: callbacks meanwhile answer kUnavailable without a
// request (each fetch blocks every callback under the lock, up to the
// timeout), then one attempt is made per interval until the endpoint
// recovers. A changed jwks_uri is still fetched at once.
TEST_F(JwksCacheTest, FailedFirstFetchRetriedOncePerInterval) {
  failure = Status::timeout("jwks: no answer in 1000 ms");
  EXPECT_EQ(verify().code(), Code::kTimeout);
  EXPECT_EQ(endpoint.sentTo(kJwksUri), 1u);
  for (int i = 0; i < JwksCache::kUnloadedRetrySeconds - 1; ++i) {
    clock.advance(1);  // up to kUnloadedRetrySeconds - 1 after the attempt
    Status s = verify();
    EXPECT_EQ(s.code(), Code::kUnavailable) << s.toString();
    EXPECT_NE(s.message().find("no answer in 1000 ms"), std::string::npos) << s.message();
  }
  EXPECT_EQ(endpoint.sentTo(kJwksUri), 1u) << "a failing endpoint was asked on every callback";

  clock.advance(1);  // the interval is over: one more attempt
  failure = Status::ok();
  status = 500;
  EXPECT_EQ(verify().code(), Code::kUnavailable);
  EXPECT_EQ(verify().code(), Code::kUnavailable);
  EXPECT_EQ(endpoint.sentTo(kJwksUri), 2u);

  // The provider's jwks_uri changed (new discovery document): asked at once.
  status = 200;
  EXPECT_TRUE(verify(kOtherJwksUri).isOk());
  EXPECT_EQ(endpoint.sentTo(kOtherJwksUri), 1u);

  // The first uri recovers: loaded at the next attempt, then cached.
  clock.advance(JwksCache::kUnloadedRetrySeconds);
  EXPECT_TRUE(verify().isOk());
  EXPECT_TRUE(verify().isOk());
  EXPECT_EQ(endpoint.sentTo(kJwksUri), 3u);
}

}  // namespace
}  // namespace barrier
