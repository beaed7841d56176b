#include "adapters/sqlite_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "adapters/store_factory.h"
#include "tests/support/store_contract.h"

namespace barrier {
namespace {

// A fresh database file in a private temporary directory, removed afterwards.
class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/barrier-sqlite-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/sessions.db";
    auto s = makeSqliteStore(path_);
    ASSERT_TRUE(s.isOk()) << s.status().toString();
    store_ = std::move(*s);
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  static SessionRecord session(const std::string& key, const std::string& sub) {
    SessionRecord r;
    r.key = key;
    r.kind = RecordKind::kSession;
    r.valid_until = 2000000000;
    r.created_at = 1700000000;
    r.sub = sub;
    r.username = sub + "-name";
    r.email = sub + "@example.com";
    r.groups = {"admins", "ops"};
    return r;
  }

  std::string dir_;
  std::string path_;
  std::unique_ptr<SessionStore> store_;
};

// Every field survives a write and a read; absent keys are an ok nullopt.
TEST_F(SqliteStoreTest, RoundTripsRecords) {
  SessionRecord login;
  login.key = "login-key";
  login.kind = RecordKind::kLogin;
  login.valid_until = 1700000300;
  login.created_at = 1700000000;
  login.secret = "sec";
  login.code_verifier = "ver";
  login.nonce = "non";
  login.path = "/a b?q=%26&x=\xE2\x82\xAC";
  ASSERT_TRUE(store_->putNew(login));
  ASSERT_TRUE(store_->putNew(session("s1", "alice")));
  auto got = store_->get("login-key");
  ASSERT_TRUE(got.isOk() && got->has_value());
  EXPECT_EQ((*got)->kind, RecordKind::kLogin);
  EXPECT_EQ((*got)->path, login.path);
  EXPECT_EQ((*got)->secret, "sec");
  EXPECT_EQ((*got)->code_verifier, "ver");
  EXPECT_EQ((*got)->nonce, "non");
  EXPECT_EQ((*got)->valid_until, 1700000300);
  auto s = store_->get("s1");
  ASSERT_TRUE(s.isOk() && s->has_value());
  EXPECT_EQ((*s)->groups, (std::vector<std::string>{"admins", "ops"}));
  EXPECT_EQ((*s)->email, "alice@example.com");
  auto none = store_->get("nope");
  ASSERT_TRUE(none.isOk());
  EXPECT_FALSE(none->has_value());
  EXPECT_TRUE(store_->ping());
}

// putNew refuses a taken key; take returns the record once; remove is idempotent.
// touch() per the SessionStore contract.
TEST_F(SqliteStoreTest, Touch) { expectTouchContract(*store_); }

// removeProviderSession() per the SessionStore contract.
TEST_F(SqliteStoreTest, RemoveProviderSession) { expectRemoveProviderSessionContract(*store_); }

// A database made before last_seen and sid existed gets the columns when
// opened: its rows read (last_seen 0, no sid) and can be touched.
TEST_F(SqliteStoreTest, AddsLastSeenToAnOlderDatabase) {
  store_.reset();
  std::filesystem::remove(path_);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  const char* old_schema =
      "CREATE TABLE sessions (session_id TEXT PRIMARY KEY, kind TEXT NOT NULL, valid_until "
      "INTEGER NOT NULL, created_at INTEGER NOT NULL, sub TEXT NOT NULL DEFAULT '', username "
      "TEXT NOT NULL DEFAULT '', email TEXT NOT NULL DEFAULT '', groups TEXT NOT NULL DEFAULT "
      "'[]', secret TEXT NOT NULL DEFAULT '', code_verifier TEXT NOT NULL DEFAULT '', nonce TEXT "
      "NOT NULL DEFAULT '', path TEXT NOT NULL DEFAULT '') WITHOUT ROWID;"
      "INSERT INTO sessions (session_id, kind, valid_until, created_at, sub) VALUES "
      "('old', 'session', 2000000000, 1700000000, 'alice');";
  ASSERT_EQ(sqlite3_exec(db, old_schema, nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  ::chmod(path_.c_str(), 0600);
  for (int open = 0; open < 2; ++open) {  // the second open finds the column there
    auto reopened = makeSqliteStore(path_);
    ASSERT_TRUE(reopened.isOk()) << reopened.status().toString();
    store_ = std::move(*reopened);
  }
  auto got = store_->get("old");
  ASSERT_TRUE(got.isOk() && got->has_value()) << got.status().toString();
  EXPECT_EQ((*got)->last_seen, 0);
  EXPECT_EQ((*got)->sid, "");
  ASSERT_TRUE(store_->touch("old", 1700000100).isOk());
  EXPECT_EQ((*store_->get("old"))->last_seen, 1700000100);
  EXPECT_EQ(*store_->removeProviderSession("p1", ""), 0u) << "the sid column and index exist";
}

TEST_F(SqliteStoreTest, PutNewTakeRemove) {
  ASSERT_TRUE(store_->putNew(session("k", "alice")));
  EXPECT_EQ(store_->putNew(session("k", "bob")).code(), Code::kAlreadyExists);
  auto first = store_->take("k");
  ASSERT_TRUE(first.isOk() && first->has_value());
  EXPECT_EQ((*first)->sub, "alice");
  auto second = store_->take("k");
  ASSERT_TRUE(second.isOk());
  EXPECT_FALSE(second->has_value());
  EXPECT_TRUE(store_->remove("k"));
  EXPECT_TRUE(store_->remove("never"));
}

// removeUser ends all of one user's sessions and nothing else.
TEST_F(SqliteStoreTest, RemoveUser) {
  ASSERT_TRUE(store_->putNew(session("a1", "alice")));
  ASSERT_TRUE(store_->putNew(session("a2", "alice")));
  ASSERT_TRUE(store_->putNew(session("b1", "bob")));
  auto n = store_->removeUser("alice");
  ASSERT_TRUE(n.isOk());
  EXPECT_EQ(*n, 2u);
  EXPECT_FALSE(store_->get("a1")->has_value());
  EXPECT_TRUE(store_->get("b1")->has_value());
  EXPECT_EQ(store_->list(10)->size(), 1u);
}

// A row that does not decode (a kind barrier does not know) does not hide
// the others from a listing: it is listed by its key, to be revoked.
TEST_F(SqliteStoreTest, ListNamesUnreadableRows) {
  ASSERT_TRUE(store_->putNew(session("good", "alice")));
  ASSERT_TRUE(store_->putNew(session("bad", "bob")));
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  EXPECT_EQ(sqlite3_exec(db, "UPDATE sessions SET kind = 'admin' WHERE session_id = 'bad'", nullptr,
                         nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto listed = store_->list(10);
  ASSERT_TRUE(listed.isOk()) << listed.status().toString();
  ASSERT_EQ(listed->records.size(), 1u);
  EXPECT_EQ(listed->records[0].key, "good");
  EXPECT_EQ(listed->unreadable, std::vector<std::string>{"bad"});
  EXPECT_EQ(store_->list(1)->size(), 1u);
  auto got = store_->get("bad");  // never a session: an error, as in every store
  ASSERT_FALSE(got.isOk());
  EXPECT_EQ(got.status().code(), Code::kInternal);
  ASSERT_TRUE(store_->remove("bad"));
  EXPECT_TRUE(store_->list(10)->unreadable.empty());
}

// A session's kept claims survive the store; a table made before claims
// existed gets the column at start-up, its rows keeping none.
TEST_F(SqliteStoreTest, ClaimsStoredAndOldTablesMigrated) {
  SessionRecord r = session("c1", "carol");
  r.claims = {{"department", {"sales"}}, {"scope", {"read", "write"}}};
  ASSERT_TRUE(store_->putNew(r));
  auto got = store_->get("c1");
  ASSERT_TRUE(got.isOk() && got->has_value());
  EXPECT_EQ((*got)->claims, r.claims);

  store_.reset();
  std::string old_path = dir_ + "/old.db";
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(old_path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "CREATE TABLE sessions (session_id TEXT PRIMARY KEY, kind TEXT NOT NULL, "
                         "valid_until INTEGER NOT NULL, created_at INTEGER NOT NULL, sub TEXT NOT "
                         "NULL DEFAULT '', username TEXT NOT NULL DEFAULT '', email TEXT NOT NULL "
                         "DEFAULT '', groups TEXT NOT NULL DEFAULT '[]', secret TEXT NOT NULL "
                         "DEFAULT '', code_verifier TEXT NOT NULL DEFAULT '', nonce TEXT NOT NULL "
                         "DEFAULT '', path TEXT NOT NULL DEFAULT '') WITHOUT ROWID; INSERT INTO "
                         "sessions (session_id, kind, valid_until, created_at, sub) VALUES "
                         "('old', 'session', 2000000000, 1700000000, 'dave')",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  chmod(old_path.c_str(), 0600);
  auto reopened = makeSqliteStore(old_path);
  ASSERT_TRUE(reopened.isOk()) << reopened.status().toString();
  auto old = (*reopened)->get("old");
  ASSERT_TRUE(old.isOk() && old->has_value()) << old.status().toString();
  EXPECT_EQ((*old)->sub, "dave");
  EXPECT_TRUE((*old)->claims.empty());
  ASSERT_TRUE((*reopened)->putNew(r));
  EXPECT_EQ((*(*reopened)->get("c1"))->claims, r.claims);
}

// The file is created owner-only: it holds login flows' secrets.
TEST_F(SqliteStoreTest, FileIsPrivate) {
  struct stat st {};
  ASSERT_EQ(stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0077, 0u);
}

// An existing file others can write (a restored backup, a shared
// directory) or a symbolic link is refused with the fix; a session row
// written by another user would be a way in.
TEST_F(SqliteStoreTest, RefusesAFileOthersCanWrite) {
  store_.reset();
  ASSERT_EQ(::chmod(path_.c_str(), 0666), 0);
  auto open = makeSqliteStore(path_);
  ASSERT_FALSE(open.isOk());
  EXPECT_NE(open.status().message().find("chmod 600 " + path_), std::string::npos)
      << open.status().message();
  ASSERT_EQ(::chmod(path_.c_str(), 0640), 0);  // readable by the group: allowed
  EXPECT_TRUE(makeSqliteStore(path_).isOk());
  // A journal file others can write counts as much as the database: the
  // WAL's, and the rollback journal SQLite uses where WAL cannot be had.
  for (const char* suffix : {"-wal", "-journal"}) {
    std::ofstream(path_ + suffix).flush();
    ASSERT_EQ(::chmod((path_ + suffix).c_str(), 0666), 0);
    auto journal = makeSqliteStore(path_);
    ASSERT_FALSE(journal.isOk()) << suffix;
    EXPECT_NE(journal.status().message().find(std::string(suffix) + ": has mode 0666"),
              std::string::npos)
        << journal.status().message();
    std::filesystem::remove(path_ + suffix);
  }
  std::string link = dir_ + "/link.db";
  ASSERT_EQ(::symlink(path_.c_str(), link.c_str()), 0);
  auto linked = makeSqliteStore(link);
  ASSERT_FALSE(linked.isOk());
  EXPECT_NE(linked.status().message().find("symbolic link"), std::string::npos)
      << linked.status().message();
}

// Of many threads taking the same login record at once, exactly one wins.
TEST_F(SqliteStoreTest, ConcurrentTakeHasExactlyOneWinner) {
  for (int round = 0; round < 20; ++round) {
    std::string key = "flow-" + std::to_string(round);
    ASSERT_TRUE(store_->putNew(session(key, "alice")));
    std::atomic<int> winners{0}, errors{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 6; ++t) {
      threads.emplace_back([&] {
        auto r = store_->take(key);
        if (!r.isOk())
          ++errors;
        else if (r->has_value())
          ++winners;
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(winners, 1) << "round " << round;
    EXPECT_EQ(errors, 0);
  }
}

// Many threads writing and reading at once all succeed.
TEST_F(SqliteStoreTest, ConcurrentWritersAndReaders) {
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        std::string key = "t" + std::to_string(t) + "-" + std::to_string(i);
        if (!store_->putNew(session(key, "u" + std::to_string(t)))) ++failures;
        auto got = store_->get(key);
        if (!got.isOk() || !got->has_value()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(store_->list(1000)->size(), 300u);
}

// A second process using the same file sees our writes, and we see its
// revocations (the gateway and `barrier sessions revoke` share the file).
TEST_F(SqliteStoreTest, SecondProcessSeesAndRevokes) {
  ASSERT_TRUE(store_->putNew(session("shared", "alice")));
  ASSERT_TRUE(store_->putNew(session("other", "bob")));
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    auto child = makeSqliteStore(path_);
    if (!child.isOk()) _exit(2);
    auto got = (*child)->get("shared");
    if (!got.isOk() || !got->has_value()) _exit(3);
    if (!(*child)->remove("shared")) _exit(4);
    auto n = (*child)->removeUser("bob");
    if (!n.isOk() || *n != 1) _exit(5);
    if (!(*child)->putNew(session("from-child", "carol"))) _exit(6);
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);
  EXPECT_FALSE(store_->get("shared")->has_value());
  EXPECT_FALSE(store_->get("other")->has_value());
  EXPECT_TRUE(store_->get("from-child")->has_value());
}

// Rows long past their expiry are purged lazily on writes; live rows stay.
TEST_F(SqliteStoreTest, ExpiredRowsPurgedLazily) {
  SqliteStoreOptions options;
  options.purge_every = 2;
  options.purge_grace = 0;
  auto purging = makeSqliteStore(dir_ + "/purge.db", options);
  ASSERT_TRUE(purging.isOk());
  SessionRecord old = session("old", "alice");
  old.valid_until = 1000;
  ASSERT_TRUE((*purging)->putNew(old));
  ASSERT_TRUE((*purging)->putNew(session("live", "alice")));
  EXPECT_FALSE((*purging)->get("old")->has_value());
  EXPECT_TRUE((*purging)->get("live")->has_value());
}

// Each connection's page cache is bounded by page_cache_kib: reading every
// row of a table larger than the bound leaves SQLite's memory near it, and
// a larger bound lets it grow past (so the bound is what limits it).
TEST_F(SqliteStoreTest, PageCacheBounded) {
  auto memoryAfterReadingAll = [&](const std::string& file, int page_cache_kib) -> int64_t {
    SqliteStoreOptions options;
    options.page_cache_kib = page_cache_kib;
    options.max_pooled_connections = 1;
    auto store = makeSqliteStore(dir_ + "/" + file, options);
    EXPECT_TRUE(store.isOk());
    if (!store.isOk()) return -1;
    // ~3 MB of rows: 5,000 of ~600 bytes.
    for (int i = 0; i < 5000; ++i) {
      std::string n = std::to_string(i);
      EXPECT_TRUE((*store)->putNew(session("key-" + n, std::string(200, 'u') + n)));
    }
    for (int i = 0; i < 5000; ++i) {
      EXPECT_TRUE((*store)->get("key-" + std::to_string(i))->has_value());
    }
    return sqlite3_memory_used();
  };
  store_.reset();  // only the stores below hold connections
  EXPECT_LT(memoryAfterReadingAll("bounded.db", 256), 1024 * 1024);
  EXPECT_GT(memoryAfterReadingAll("large.db", 8192), 2 * 1024 * 1024);
}

// The factory builds the SQLite store from config; a bad path names the field.
TEST_F(SqliteStoreTest, FactoryBuildsSqlite) {
  StoreConfig config;
  config.type = StoreConfig::Type::kSqlite;
  config.path = path_;
  auto s = makeStore(config);
  ASSERT_TRUE(s.isOk()) << s.status().toString();
  ASSERT_TRUE((*s)->putNew(session("via-factory", "dave")));
  EXPECT_TRUE(store_->get("via-factory")->has_value());
  config.path = dir_ + "/no/such/dir/x.db";
  auto bad = makeStore(config);
  ASSERT_FALSE(bad.isOk());
  EXPECT_NE(bad.status().message().find("store.path"), std::string::npos);
}

}  // namespace
}  // namespace barrier
