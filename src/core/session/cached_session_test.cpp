#include "core/session/cached_session.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace barrier {
namespace {

std::vector<std::string> list(PackedStrings strings) {
  return std::vector<std::string>(strings.begin(), strings.end());
}

SessionRecord aliceRecord() {
  SessionRecord r;
  r.key = std::string(43, 'k');
  r.kind = RecordKind::kSession;
  r.valid_until = 1700003600;
  r.created_at = 1700000000;
  r.last_seen = 1700000100;
  r.sub = "5f0c2b1e-7a4d-4c3b-9e21-000000000001";
  r.username = "alice";
  r.email = "alice@example.com";
  r.groups = {"staff", "", "admins"};
  r.claims = {{"department", {"sales", "ops"}}, {"empty", {}}, {"level", {"3"}}};
  r.secret = "flow state, never kept";
  return r;
}

// Every field a check reads comes back as the record held it, empty
// strings and empty lists included.
TEST(CachedSessionTest, KeepsTheSessionFields) {
  SessionPtr s = CachedSession::make(aliceRecord());
  EXPECT_EQ(s->key(), std::string(43, 'k'));
  EXPECT_EQ(s->sub(), "5f0c2b1e-7a4d-4c3b-9e21-000000000001");
  EXPECT_EQ(s->username(), "alice");
  EXPECT_EQ(s->email(), "alice@example.com");
  EXPECT_EQ(list(s->groups()), (std::vector<std::string>{"staff", "", "admins"}));
  EXPECT_TRUE(s->groups().contains("admins"));
  EXPECT_FALSE(s->groups().contains("admin"));
  EXPECT_EQ(s->validUntil(), 1700003600);
  EXPECT_EQ(s->createdAt(), 1700000000);
  EXPECT_EQ(s->lastSeen(), 1700000100);
  EXPECT_TRUE(s->isLiveSession(1700003599));
  EXPECT_FALSE(s->isLiveSession(1700003600));
  ASSERT_TRUE(s->claim("department"));
  EXPECT_EQ(list(*s->claim("department")), (std::vector<std::string>{"sales", "ops"}));
  ASSERT_TRUE(s->claim("empty"));
  EXPECT_TRUE(s->claim("empty")->empty());
  EXPECT_EQ(list(*s->claim("level")), std::vector<std::string>{"3"});
  EXPECT_FALSE(s->claim("departmen"));
}

// A login record is never a live session once packed.
TEST(CachedSessionTest, OnlyASessionRecordIsLive) {
  SessionRecord login = aliceRecord();
  login.kind = RecordKind::kLogin;
  EXPECT_FALSE(CachedSession::make(login)->isLiveSession(0));
  EXPECT_TRUE(CachedSession::make(aliceRecord())->isLiveSession(0));
}

// An empty record packs to empty fields; a key-only block is never live.
TEST(CachedSessionTest, EmptyAndKeyOnly) {
  SessionPtr empty = CachedSession::make(SessionRecord{});
  EXPECT_EQ(empty->key(), "");
  EXPECT_EQ(empty->sub(), "");
  EXPECT_TRUE(empty->groups().empty());
  EXPECT_FALSE(empty->claim(""));
  SessionPtr key = CachedSession::keyOnly("negative");
  EXPECT_EQ(key->key(), "negative");
  EXPECT_EQ(key->username(), "");
  EXPECT_FALSE(key->isLiveSession(0));
}

// One block: the header and the strings (each after a one-byte length
// below 128 bytes), nothing of the record's login-flow fields.
TEST(CachedSessionTest, OneBlockOfTheStringsItKeeps) {
  SessionPtr s = CachedSession::make(aliceRecord());
  // The key's form and its 32 bytes (43 'k's are a canonical key: see
  // PackedKey); sub, username, email; the groups; the claims' names; their
  // values.
  size_t strings = (1 + 32) + (36 + 5 + 17) + (5 + 0 + 6) + (10 + 5 + 5) + (5 + 3 + 1);
  // One per string after the key, and one value count per claim.
  size_t lengths = 3 + 3 + 3 + 3 + 3;
  EXPECT_EQ(s->blockSize(), sizeof(CachedSession) + strings + lengths);
  EXPECT_LE(sizeof(CachedSession), 40u);
}

// A store key as IdCodec makes it (base64url of 32 bytes) is kept as its
// bytes and given back as the same text; any other key is kept as text.
TEST(CachedSessionTest, CanonicalKeysKeptAsTheirBytes) {
  const std::string canonical =
      "qL6Yc0XKxD1Lx2YqJtVdGk3m9Wb0cHnQ7rS8uVw-_a4";  // ends in 4: 0b111000
  PackedKey packed(canonical);
  EXPECT_TRUE(packed.raw());
  EXPECT_EQ(packed.bytes().size(), 32u);
  SessionRecord r = aliceRecord();
  r.key = canonical;
  SessionPtr s = CachedSession::make(r);
  EXPECT_EQ(s->key(), canonical);
  EXPECT_TRUE(s->hasKey(packed));
  EXPECT_EQ(s->keyHash(), packed.hash());
  EXPECT_EQ(s->email(), "alice@example.com");
  // The last character carries 2 bits past the 256th: 'l' (37) sets one.
  // Such a text is not the encoding of any 32 bytes, so it stays text.
  for (std::string other :
       {canonical.substr(0, 42) + "l", canonical.substr(0, 42), canonical.substr(0, 42) + "=",
        "+" + canonical.substr(1), std::string()}) {
    PackedKey text(other);
    EXPECT_FALSE(text.raw()) << other;
    EXPECT_EQ(text.bytes(), other);
    r.key = other;
    SessionPtr t = CachedSession::make(r);
    EXPECT_EQ(t->key(), other);
    EXPECT_TRUE(t->hasKey(text));
    EXPECT_FALSE(t->hasKey(packed));
    EXPECT_FALSE(s->hasKey(text));
    EXPECT_FALSE(t->sameKey(*s));
    EXPECT_EQ(t->keyHash(), text.hash());
  }
}

// A text key that happens to be the same bytes as a canonical key's 32 is
// still another key.
TEST(CachedSessionTest, TextKeyNeverEqualsRawKeyOfTheSameBytes) {
  PackedKey raw(std::string(43, 'A'));  // 32 zero bytes
  ASSERT_TRUE(raw.raw());
  SessionPtr text = CachedSession::keyOnly(std::string(32, '\0'));
  EXPECT_FALSE(text->hasKey(raw));
  EXPECT_FALSE(text->sameKey(*CachedSession::keyOnly(std::string(43, 'A'))));
}

// Strings of 128 bytes and more take longer lengths and come back whole.
TEST(CachedSessionTest, LongStrings) {
  SessionRecord r = aliceRecord();
  r.sub = std::string(200, 's');
  r.email = std::string(20000, 'e');
  r.groups = {std::string(127, 'g'), std::string(128, 'h'), std::string(16384, 'i')};
  r.claims = {{std::string(300, 'n'), std::vector<std::string>(130, "v")}};
  SessionPtr s = CachedSession::make(r);
  EXPECT_EQ(s->sub(), r.sub);
  EXPECT_EQ(s->username(), "alice");
  EXPECT_EQ(s->email(), r.email);
  EXPECT_EQ(list(s->groups()), r.groups);
  ASSERT_TRUE(s->claim(std::string(300, 'n')));
  EXPECT_EQ(list(*s->claim(std::string(300, 'n'))), std::vector<std::string>(130, "v"));
  EXPECT_EQ(list(*s->withLastSeen(1)->claim(std::string(300, 'n'))).size(), 130u);
}

// A touch makes a new block with the new last_seen and the same fields;
// the old one is unchanged (holders of it see an immutable session).
TEST(CachedSessionTest, WithLastSeenCopies) {
  SessionPtr s = CachedSession::make(aliceRecord());
  SessionPtr touched = s->withLastSeen(1700000200);
  EXPECT_NE(touched, s);
  EXPECT_EQ(touched->lastSeen(), 1700000200);
  EXPECT_EQ(s->lastSeen(), 1700000100);
  EXPECT_EQ(touched->email(), "alice@example.com");
  EXPECT_EQ(list(*touched->claim("department")), (std::vector<std::string>{"sales", "ops"}));
}

// Copies share the block; it lives while any copy does (ASan checks the
// frees).
TEST(CachedSessionTest, SharedUntilTheLastCopyGoes) {
  SessionPtr copy;
  {
    SessionPtr s = CachedSession::make(aliceRecord());
    copy = s;
    EXPECT_EQ(copy, s);
    SessionPtr moved = std::move(s);
    EXPECT_EQ(s, nullptr);  // NOLINT(bugprone-use-after-move): moved-from is null
    EXPECT_EQ(moved, copy);
  }
  EXPECT_EQ(copy->username(), "alice");
  copy = nullptr;
  EXPECT_FALSE(copy);
}

}  // namespace
}  // namespace barrier
