// POST /_identity/backchannel-logout: a valid Logout Token ends the
// sessions it names, by sid or by sub (200, no-store); a refused or
// replayed token is a 400 with a JSON error and ends nothing; the endpoint
// exists only when provider.backchannel_logout is on.
#include "core/handlers/backchannel_logout.h"

#include <gtest/gtest.h>

#include "adapters/memory_store.h"
#include "adapters/system.h"
#include "core/handlers/identity.h"
#include "core/http/query.h"
#include "core/oidc/logout_token.h"
#include "tests/integration/support/idp_test_keys.h"
#include "tests/support/fake_http_client.h"
#include "tests/support/fixed_clock.h"
#include "tests/support/recording_log.h"
#include "tests/support/seeded_random.h"
#include "tests/support/valid_config.h"

namespace barrier {
namespace {

using nlohmann::json;

constexpr int64_t kNow = 1700000000;
const char* kIssuer = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Test";

const testing::TestRsaKey& providerKey() {
  static testing::TestRsaKey key("k1");
  return key;
}

class BackchannelLogoutTest : public ::testing::Test {
 protected:
  BackchannelLogoutTest() {
    Config config = testConfig();
    config.provider.backchannel_logout = true;
    valid_.emplace(mustValidate(config));
    handlers_ = std::make_unique<IdentityHandlers>(
        *valid_, IdentityPorts{clock_, random_, *crypto_, *store_, http_, log_});
    addSession("s1", "sub-alice", "sid-a1");
    addSession("s2", "sub-alice", "sid-a2");
    addSession("s3", "sub-bob", "sid-b");
  }

  void addSession(const char* key, const char* sub, const char* sid = "") {
    SessionRecord r;
    r.key = key;
    r.sub = sub;
    r.sid = sid;
    r.created_at = kNow;
    r.valid_until = kNow + 3600;
    ASSERT_TRUE(store_->putNew(r).isOk());
  }

  bool present(const char* key) {
    auto r = store_->get(key);
    return r.isOk() && r->has_value();
  }

  static json claims() {
    return {{"iss", kIssuer},     {"aud", "client123"},
            {"iat", kNow},        {"jti", "jti-1"},
            {"sub", "sub-alice"}, {"events", {{kBackChannelLogoutEvent, json::object()}}}};
  }

  Response post(const std::string& token, const std::string& method = "POST") {
    Request r;
    r.method = method;
    r.path = kBackchannelLogoutPath;
    r.headers.add("Content-Type", "application/x-www-form-urlencoded");
    r.body = encodeQuery({{"logout_token", token}});
    return handlers_->handle(r);
  }

  // The 400's error_description (the test fails on another answer).
  std::string refusal(const Response& r) {
    EXPECT_EQ(r.status, 400) << r.body;
    auto body = json::parse(r.body, nullptr, false);
    EXPECT_EQ(body.value("error", ""), "invalid_request");
    return body.value("error_description", "");
  }

  FixedClock clock_{kNow};
  SeededRandom random_{3};
  std::unique_ptr<Crypto> crypto_ = makeOpenSslCrypto();
  std::unique_ptr<SessionStore> store_ = makeMemoryStore();
  FakeHttpClient http_{[](const HttpClientRequest& request) -> Result<HttpClientResponse> {
    if (request.url == std::string(kIssuer) + "/.well-known/jwks.json") {
      return HttpClientResponse{200, {}, testing::jwksOf({&providerKey()})};
    }
    return Status::unavailable("no route to " + request.url);
  }};
  RecordingLog log_;
  std::optional<ValidConfig> valid_;
  std::unique_ptr<IdentityHandlers> handlers_;
};

// A valid token ends every session of its sub, and only those; 200 and
// no-store. The same token again is a replay.
TEST_F(BackchannelLogoutTest, EndsTheUsersSessionsOnce) {
  std::string token = providerKey().signRs256(claims());
  Response r = post(token);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers.get("Cache-Control"), "no-store");
  EXPECT_FALSE(present("s1"));
  EXPECT_FALSE(present("s2"));
  EXPECT_TRUE(present("s3"));
  addSession("s4", "sub-alice");
  EXPECT_NE(refusal(post(token)).find("replayed"), std::string::npos);
  EXPECT_TRUE(present("s4")) << "a replay ends nothing";
}

// Each refused token: 400 with a JSON error, and no session ends.
TEST_F(BackchannelLogoutTest, RefusedTokensEndNothing) {
  static testing::TestRsaKey stranger("k1");
  json no_events = claims();
  no_events.erase("events");
  json with_nonce = claims();
  with_nonce["nonce"] = "n";
  json wrong_aud = claims();
  wrong_aud["aud"] = "other";
  json wrong_iss = claims();
  wrong_iss["iss"] = "https://evil.example.com";
  json neither = claims();
  neither.erase("sub");
  json stale = claims();
  stale["iat"] = kNow - 3600;
  json expired = claims();
  expired["exp"] = kNow - 600;
  std::string unsigned_token = base64UrlEncode(R"({"alg":"none","kid":"k1"})") + "." +
                               base64UrlEncode(claims().dump()) + ".";
  struct Case {
    const char* what;
    std::string token;
  } cases[] = {
      {"unsigned", unsigned_token},
      {"wrong key", stranger.signRs256(claims())},
      {"wrong aud", providerKey().signRs256(wrong_aud)},
      {"wrong iss", providerKey().signRs256(wrong_iss)},
      {"nonce present", providerKey().signRs256(with_nonce)},
      {"events missing", providerKey().signRs256(no_events)},
      {"neither sub nor sid", providerKey().signRs256(neither)},
      {"issued an hour ago", providerKey().signRs256(stale)},
      {"expired", providerKey().signRs256(expired)},
      {"not a token", "garbage"},
  };
  for (const auto& c : cases) {
    EXPECT_FALSE(refusal(post(c.token)).empty()) << c.what;
    EXPECT_TRUE(present("s1") && present("s2")) << c.what;
  }
  Request empty;
  empty.method = "POST";
  empty.path = kBackchannelLogoutPath;
  EXPECT_NE(refusal(handlers_->handle(empty)).find("logout_token"), std::string::npos);
  EXPECT_EQ(post(providerKey().signRs256(claims()), "GET").status, 405);
}

// A token naming a sid ends the sessions of that provider session only;
// with a sub too, only those of that sub (a sid of someone else's session
// ends nothing); a sid alone is enough.
TEST_F(BackchannelLogoutTest, EndsTheSessionsOfASid) {
  addSession("s4", "sub-alice", "sid-a1");
  json both = claims();
  both["sid"] = "sid-a1";
  EXPECT_EQ(post(providerKey().signRs256(both)).status, 200);
  EXPECT_FALSE(present("s1"));
  EXPECT_FALSE(present("s4"));
  EXPECT_TRUE(present("s2")) << "another provider session of the same user";

  json other_sub = claims();
  other_sub["jti"] = "jti-2";
  other_sub["sid"] = "sid-b";
  EXPECT_EQ(post(providerKey().signRs256(other_sub)).status, 200);
  EXPECT_TRUE(present("s3")) << "sid-b is bob's, the token names alice";

  json sid_only = claims();
  sid_only.erase("sub");
  sid_only["jti"] = "jti-3";
  sid_only["sid"] = "sid-b";
  EXPECT_EQ(post(providerKey().signRs256(sid_only)).status, 200);
  EXPECT_FALSE(present("s3"));
  EXPECT_TRUE(present("s2"));
}

// Off (the default), the path is not there.
TEST_F(BackchannelLogoutTest, OffByDefault) {
  ValidConfig off = mustValidate(testConfig());
  IdentityHandlers handlers(off, IdentityPorts{clock_, random_, *crypto_, *store_, http_, log_});
  Request r;
  r.method = "POST";
  r.path = kBackchannelLogoutPath;
  r.body = "logout_token=" + providerKey().signRs256(claims());
  EXPECT_EQ(handlers.handle(r).status, 404);
  EXPECT_TRUE(present("s1"));
}

}  // namespace
}  // namespace barrier
