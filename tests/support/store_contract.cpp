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

SessionRecord sidSession(const char* key, const char* sub, const char* sid) {
  SessionRecord r = contractRecord(key, RecordKind::kSession);
  r.sub = sub;
  r.sid = sid;
  return r;
}

size_t removed(SessionStore& store, const char* sid, const char* sub) {
  Result<size_t> n = store.removeProviderSession(sid, sub);
  EXPECT_TRUE(n.isOk()) << n.status().toString();
  return n.isOk() ? *n : 0;
}

}  // namespace

void expectRemoveProviderSessionContract(SessionStore& store) {
  for (const SessionRecord& r :
       {sidSession("sid-a1", "alice", "p1"), sidSession("sid-a2", "alice", "p1"),
        sidSession("sid-a3", "alice", "p2"), sidSession("sid-b1", "bob", "p1"),
        sidSession("sid-none", "alice", "")}) {
    ASSERT_TRUE(store.putNew(r).isOk());
  }
  SessionRecord login = contractRecord("sid-login", RecordKind::kLogin);
  login.sid = "p1";  // never the case, but a login record must not end
  ASSERT_TRUE(store.putNew(login).isOk());
  EXPECT_EQ(read(store, "sid-a1")->sid, "p1");
  EXPECT_EQ(read(store, "sid-none")->sid, "");

  EXPECT_EQ(removed(store, "p1", "alice"), 2u);
  EXPECT_FALSE(read(store, "sid-a1").has_value());
  EXPECT_FALSE(read(store, "sid-a2").has_value());
  EXPECT_TRUE(read(store, "sid-a3").has_value()) << "another provider session";
  EXPECT_TRUE(read(store, "sid-b1").has_value()) << "p1 of another sub";
  EXPECT_TRUE(read(store, "sid-none").has_value());
  EXPECT_TRUE(read(store, "sid-login").has_value()) << "a login record is not a session";
  EXPECT_EQ(removed(store, "", ""), 0u);
  EXPECT_TRUE(read(store, "sid-none").has_value()) << "an empty sid names no session";

  EXPECT_EQ(removed(store, "p1", ""), 1u) << "a sid alone ends the sessions of every sub";
  EXPECT_FALSE(read(store, "sid-b1").has_value());
  ASSERT_TRUE(store.remove("sid-a3").isOk());
  EXPECT_EQ(removed(store, "p2", ""), 0u);
  ASSERT_TRUE(store.remove("sid-none").isOk());
  ASSERT_TRUE(store.remove("sid-login").isOk());
}

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
