#include "tests/support/store_contract.h"

#include <gtest/gtest.h>

#include <ctime>

namespace barrier {

namespace {

constexpr int64_t kCreated = 1900000000;

SessionRecord contractRecord(const char* key, RecordKind kind) {
  SessionRecord r;
  r.key = key;
  r.kind = kind;
  r.created_at = kCreated;
  r.valid_until = kCreated + 3600;
  if (kind == RecordKind::kSession) {
    r.sub = "touch-user";
    r.groups = {"g"};
  } else {
    r.secret = "s";
  }
  return r;
}

std::optional<SessionRecord> read(SessionStore& store, const char* key) {
  auto got = store.get(key);
  EXPECT_TRUE(got.isOk()) << got.status().toString();
  return got.isOk() ? *got : std::nullopt;
}

}  // namespace

void expectTouchContract(SessionStore& store) {
  ASSERT_TRUE(store.putNew(contractRecord("touch-s", RecordKind::kSession)).isOk());
  ASSERT_TRUE(store.putNew(contractRecord("touch-l", RecordKind::kLogin)).isOk());
  EXPECT_EQ(read(store, "touch-s")->last_seen, 0) << "never touched";

  ASSERT_TRUE(store.touch("touch-s", kCreated + 60).isOk());
  std::optional<SessionRecord> s = read(store, "touch-s");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->last_seen, kCreated + 60);
  EXPECT_EQ(s->valid_until, kCreated + 3600) << "only last_seen changes";
  EXPECT_EQ(s->sub, "touch-user");
  EXPECT_EQ(s->groups, std::vector<std::string>{"g"});
  ASSERT_TRUE(store.touch("touch-s", kCreated + 120).isOk());
  EXPECT_EQ(read(store, "touch-s")->last_seen, kCreated + 120);

  EXPECT_TRUE(store.touch("touch-l", kCreated + 60).isOk());
  EXPECT_EQ(read(store, "touch-l")->last_seen, 0) << "a login record is not a session";
  EXPECT_TRUE(store.touch("touch-absent", kCreated + 60).isOk());
  EXPECT_FALSE(read(store, "touch-absent").has_value()) << "a touch never creates a record";
  // A session removed (revoked) is not brought back by a late touch.
  ASSERT_TRUE(store.remove("touch-s").isOk());
  EXPECT_TRUE(store.touch("touch-s", kCreated + 180).isOk());
  EXPECT_FALSE(read(store, "touch-s").has_value());
}

SessionRecord liveSession(const std::string& key, const std::string& sub) {
  SessionRecord r;
  r.key = key;
  r.sub = sub;
  r.created_at = std::time(nullptr);
  r.valid_until = r.created_at + 3600;
  return r;
}

}  // namespace barrier
