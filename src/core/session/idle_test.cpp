#include "core/session/idle.h"

#include <gtest/gtest.h>

namespace barrier {
namespace {

SessionConfig idleSession(int64_t idle, int64_t touch = 0, int64_t lifetime = 8 * 3600) {
  SessionConfig s;
  s.idle_timeout = idle;
  s.touch_interval = touch;
  s.lifetime = lifetime;
  return s;
}

// Activity is the later of created_at and last_seen; the deadline is
// capped by valid_until; off, the deadline is valid_until.
TEST(IdlePolicy, DeadlineFromLastActivity) {
  SessionRecord r;
  r.created_at = 1000;
  r.valid_until = 5000;
  IdlePolicy idle(idleSession(600));
  EXPECT_EQ(idle.idleUntil(r), 1600);
  r.last_seen = 2000;
  EXPECT_EQ(idle.idleUntil(r), 2600);
  EXPECT_FALSE(idle.idledOut(r, 2599));
  EXPECT_TRUE(idle.idledOut(r, 2600));
  r.last_seen = 4800;
  EXPECT_EQ(idle.idleUntil(r), 5000);
  EXPECT_EQ(IdlePolicy().idleUntil(r), 5000);
  EXPECT_FALSE(IdlePolicy().idledOut(r, 1 << 30));
  EXPECT_FALSE(IdlePolicy().touchDue(r, 1 << 30));
}

// touch_interval defaults to a tenth of idle_timeout, at least 1 s.
TEST(IdlePolicy, DefaultTouchInterval) {
  EXPECT_EQ(IdlePolicy(idleSession(600)).touchInterval(), 60);
  EXPECT_EQ(IdlePolicy(idleSession(5)).touchInterval(), 1);
  EXPECT_EQ(IdlePolicy(idleSession(600, 15)).touchInterval(), 15);
}

// The ranges and cross-field rules, each message naming the field.
TEST(IdlePolicy, Validation) {
  EXPECT_TRUE(validateIdleTimeout(idleSession(0)).isOk());
  EXPECT_TRUE(validateIdleTimeout(idleSession(5)).isOk());
  EXPECT_TRUE(validateIdleTimeout(idleSession(3600, 1, 3600)).isOk());
  struct Case {
    SessionConfig session;
    const char* needle;
  } cases[] = {
      {idleSession(4), "session.idle_timeout must be 0 (off) or from 5 s to 30 d, got 4"},
      {idleSession(30 * 86400 + 1, 0, 400 * 86400), "session.idle_timeout must be 0"},
      {idleSession(7200, 0, 3600), "session.idle_timeout must not exceed session.lifetime"},
      {idleSession(0, 10), "session.touch_interval needs session.idle_timeout"},
      {idleSession(60, 60), "session.touch_interval must be shorter than session.idle_timeout"},
  };
  for (const auto& c : cases) {
    Status s = validateIdleTimeout(c.session);
    EXPECT_FALSE(s.isOk()) << c.needle;
    EXPECT_NE(s.message().find(c.needle), std::string::npos) << s.message();
  }
}

// Read from a configuration document as durations, and validated there:
// the messages carry the source, as every configuration error does.
TEST(IdlePolicy, ReadFromTheConfiguration) {
  auto doc = [](const std::string& session) {
    return R"({"site_url":"https://www.example.com","provider":{"type":"cognito",
      "region":"eu-west-1","user_pool_id":"eu-west-1_Test","domain":"auth.example.com",
      "client_id":"c"},"session":{"signing_keys":["a2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2s="],)" +
           session + "}}";
  };
  auto ok = parseConfigJson(doc(R"("idle_timeout":"30m","touch_interval":"1m")"), "barrier.yaml");
  ASSERT_TRUE(ok.isOk()) << ok.status().message();
  EXPECT_EQ(ok->session.idle_timeout, 1800);
  EXPECT_EQ(ok->session.touch_interval, 60);
  auto off = parseConfigJson(doc(R"("lifetime":"8h")"), "barrier.yaml");
  ASSERT_TRUE(off.isOk()) << off.status().message();
  EXPECT_EQ(off->session.idle_timeout, 0);
  auto too_long = parseConfigJson(doc(R"("lifetime":"1h","idle_timeout":"2h")"), "barrier.yaml");
  ASSERT_FALSE(too_long.isOk());
  EXPECT_EQ(too_long.status().message(),
            "barrier.yaml: session.idle_timeout must not exceed session.lifetime, got 7200 > 3600");
}

}  // namespace
}  // namespace barrier
