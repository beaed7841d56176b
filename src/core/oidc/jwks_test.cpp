#include "core/oidc/jwks.h"

#include <gtest/gtest.h>

#include "adapters/system.h"
#include "core/encoding.h"
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

// --- verifyJwtSignature: the one check for RS256 and ES256 -----------------

using json = nlohmann::json;
using testing::TestEcKey;
using testing::TestRsaKey;

const TestEcKey& ecKey() {
  static TestEcKey key("ec1");
  return key;
}
const TestEcKey& otherEcKey() {
  static TestEcKey key("ec1");  // the same kid, another key
  return key;
}

class SignatureTest : public ::testing::Test {
 protected:
  // The check of `token` against a set of `jwks` (JWK objects).
  Status check(const std::string& token, std::initializer_list<json> jwks) {
    auto jwt = parseJwt(token);
    EXPECT_TRUE(jwt.isOk()) << jwt.status().toString();
    auto keys = parseJwks(testing::jwksOfJwks(jwks));
    EXPECT_TRUE(keys.isOk());
    return verifyJwtSignature(*jwt, *keys, *crypto);
  }
  // `token` with its signature replaced by `signature` (raw bytes).
  static std::string withSignature(const std::string& token, const std::string& signature) {
    return token.substr(0, token.rfind('.') + 1) + base64UrlEncode(signature);
  }

  std::unique_ptr<Crypto> crypto = makeOpenSslCrypto();
  json claims = {{"sub", "alice"}};
};

// A P-256 key in the set verifies an ES256 token signed with it, next to
// an RSA key, and with no kid when it is the set's only EC key.
TEST_F(SignatureTest, Es256Verifies) {
  EXPECT_TRUE(check(ecKey().signEs256(claims), {signingKey().jwk(), ecKey().jwk()}).isOk());
  std::string no_kid = ecKey().sign({{"alg", "ES256"}}, claims);
  EXPECT_TRUE(check(no_kid, {signingKey().jwk(), ecKey().jwk()}).isOk());
  EXPECT_TRUE(check(signingKey().signRs256(claims), {signingKey().jwk(), ecKey().jwk()}).isOk());
}

// Another key under the same kid, and a payload changed after signing: a
// bad signature.
TEST_F(SignatureTest, Es256WrongKeyRefused) {
  Status s = check(otherEcKey().signEs256(claims), {ecKey().jwk()});
  EXPECT_EQ(s.code(), Code::kUnauthenticated);
  EXPECT_EQ(s.message(), "jwt: bad signature");
  std::string token = ecKey().signEs256(claims);
  std::string other = ecKey().signEs256({{"sub", "mallory"}});
  std::string spliced = token.substr(0, token.find('.')) + other.substr(other.find('.'));
  spliced = spliced.substr(0, spliced.rfind('.')) + token.substr(token.rfind('.'));
  EXPECT_EQ(check(spliced, {ecKey().jwk()}).message(), "jwt: bad signature");
}

// A key on another curve is never used: the P-384 key is not kept, so a
// token naming it finds no key; a P-256 label on P-384 coordinates (48
// bytes) is skipped too.
TEST_F(SignatureTest, WrongCurveRefused) {
  TestEcKey p384("ec1", "P-384");
  Status s = check(p384.sign({{"alg", "ES256"}, {"kid", "ec1"}}, claims), {p384.jwk()});
  EXPECT_EQ(s.code(), Code::kNotFound) << s.toString();
  json mislabelled = p384.jwk();
  mislabelled["crv"] = "P-256";
  mislabelled["alg"] = "ES256";
  auto keys = parseJwks(testing::jwksOfJwks({mislabelled}));
  ASSERT_TRUE(keys.isOk());
  EXPECT_TRUE(keys->keys.empty());
  // A point that is not on P-256 is refused by the crypto, not trusted.
  json off_curve = ecKey().jwk();
  std::string y;
  ASSERT_TRUE(base64UrlDecode(off_curve["y"].get<std::string>(), y));
  y[31] = static_cast<char>(y[31] ^ 1);
  off_curve["y"] = base64UrlEncode(y);
  EXPECT_EQ(check(ecKey().signEs256(claims), {off_curve}).message(), "jwt: bad signature");
}

// Algorithm confusion: an ES256 header naming an RSA key's kid, and an RS256
// header naming an EC key's kid, are refused without any signature check
// (the key is not of the algorithm's type), whatever the signature holds.
TEST_F(SignatureTest, AlgorithmKeyTypeMismatchRefused) {
  TestRsaKey rsa("shared");
  TestEcKey ec("shared-ec");
  std::string es_on_rsa = ec.sign({{"alg", "ES256"}, {"kid", "shared"}}, claims);
  Status s = check(es_on_rsa, {rsa.jwk()});
  EXPECT_EQ(s.code(), Code::kUnauthenticated);
  EXPECT_EQ(s.message(), "jwt: alg ES256 does not match the type of the key its kid names");
  std::string rs_on_ec = rsa.sign({{"alg", "RS256"}, {"kid", "shared-ec"}}, claims);
  s = check(rs_on_ec, {ec.jwk()});
  EXPECT_EQ(s.code(), Code::kUnauthenticated);
  EXPECT_EQ(s.message(), "jwt: alg RS256 does not match the type of the key its kid names");
  // A JWK whose own alg disagrees with its type is not kept at all.
  json ec_as_rs = ec.jwk();
  ec_as_rs["alg"] = "RS256";
  json rsa_as_es = rsa.jwk();
  rsa_as_es["alg"] = "ES256";
  auto keys = parseJwks(testing::jwksOfJwks({ec_as_rs, rsa_as_es}));
  ASSERT_TRUE(keys.isOk());
  EXPECT_TRUE(keys->keys.empty());
}

// "none", HMAC and other algorithms are refused before a key is looked at.
TEST_F(SignatureTest, OtherAlgorithmsRefused) {
  for (const char* alg : {"none", "HS256", "ES384", "ES512", "RS512", "PS256", "EdDSA", ""}) {
    std::string token = ecKey().sign({{"alg", alg}, {"kid", "ec1"}}, claims);
    Status s = check(token, {ecKey().jwk(), signingKey().jwk()});
    EXPECT_EQ(s.code(), Code::kUnauthenticated) << alg;
    EXPECT_EQ(s.message(), std::string("jwt: alg ") + alg + " refused");
  }
}

// An ES256 signature must be exactly 64 bytes of r || s: shorter, longer,
// empty, DER-encoded, or r and s of zero are refused.
TEST_F(SignatureTest, MalformedEs256SignaturesRefused) {
  std::string token = ecKey().signEs256(claims);
  std::string raw;
  ASSERT_TRUE(base64UrlDecode(token.substr(token.rfind('.') + 1), raw));
  ASSERT_EQ(raw.size(), 64u);
  std::vector<std::string> bad = {"",
                                  raw.substr(0, 63),
                                  raw + '\0',
                                  raw.substr(0, 32),
                                  std::string(64, '\0'),
                                  std::string(1, '\x30') + raw.substr(0, 63)};
  for (const std::string& signature : bad) {
    Status s = check(withSignature(token, signature), {ecKey().jwk()});
    EXPECT_EQ(s.message(), "jwt: bad signature") << signature.size();
  }
  EXPECT_TRUE(check(withSignature(token, raw), {ecKey().jwk()}).isOk());
}

// Two EC keys and a token without a kid: the key is never guessed.
TEST_F(SignatureTest, NoKidWithSeveralEcKeysRefused) {
  TestEcKey second("ec2");
  std::string token = ecKey().sign({{"alg", "ES256"}}, claims);
  EXPECT_EQ(check(token, {ecKey().jwk(), second.jwk()}).code(), Code::kNotFound);
}

// The cache verifies ES256 as RS256, from a set holding both.
TEST_F(JwksCacheTest, VerifiesEs256) {
  body = testing::jwksOfJwks({signingKey().jwk(), ecKey().jwk()});
  auto jwt = parseJwt(ecKey().signEs256({{"sub", "alice"}}));
  ASSERT_TRUE(jwt.isOk());
  EXPECT_TRUE(cache.verify(kJwksUri, *jwt).isOk());
  auto forged = parseJwt(otherEcKey().signEs256({{"sub", "alice"}}));
  ASSERT_TRUE(forged.isOk());
  EXPECT_EQ(cache.verify(kJwksUri, *forged).code(), Code::kUnauthenticated);
}

}  // namespace
}  // namespace barrier
