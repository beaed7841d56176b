#include "adapters/sqlite_store.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <nlohmann/json.hpp>
#include <vector>

#include "adapters/private_file.h"
#include "core/mutex.h"
#include "core/session/record_claims.h"

namespace barrier {

namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS sessions (
  session_id    TEXT PRIMARY KEY,
  kind          TEXT NOT NULL,
  valid_until   INTEGER NOT NULL,
  created_at    INTEGER NOT NULL,
  sub           TEXT NOT NULL DEFAULT '',
  username      TEXT NOT NULL DEFAULT '',
  email         TEXT NOT NULL DEFAULT '',
  groups        TEXT NOT NULL DEFAULT '[]',
  secret        TEXT NOT NULL DEFAULT '',
  code_verifier TEXT NOT NULL DEFAULT '',
  nonce         TEXT NOT NULL DEFAULT '',
  path          TEXT NOT NULL DEFAULT '',
  claims        TEXT NOT NULL DEFAULT '',
  last_seen     INTEGER NOT NULL DEFAULT 0,
  sid           TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS sessions_by_sub ON sessions(sub) WHERE sub <> '';
CREATE INDEX IF NOT EXISTS sessions_by_valid_until ON sessions(valid_until);
)sql";

constexpr const char* kColumns =
    "session_id, kind, valid_until, created_at, sub, username, email, groups, secret, "
    "code_verifier, nonce, path, claims, last_seen, sid";

// Columns added after the first release, for a database made before them:
// each is added when missing (an existing column makes ALTER fail, which
// is what "present" looks like); then the index on a column added here
// (kSchema cannot name a column an old table lacks).
constexpr const char* kAddedColumns[] = {
    "ALTER TABLE sessions ADD COLUMN claims TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE sessions ADD COLUMN last_seen INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE sessions ADD COLUMN sid TEXT NOT NULL DEFAULT ''",
    "CREATE INDEX IF NOT EXISTS sessions_by_sid ON sessions(sid) WHERE sid <> ''",
};

std::string encodeGroups(const std::vector<std::string>& groups) {
  return nlohmann::json(groups).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::vector<std::string> decodeGroups(std::string_view text) {
  std::vector<std::string> out;
  auto value = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (!value.is_array()) return out;
  for (const auto& g : value) {
    if (g.is_string()) out.push_back(g.get<std::string>());
  }
  return out;
}

std::string columnText(sqlite3_stmt* st, int i) {
  const unsigned char* p = sqlite3_column_text(st, i);
  return p == nullptr ? std::string()
                      : std::string(reinterpret_cast<const char*>(p),
                                    static_cast<size_t>(sqlite3_column_bytes(st, i)));
}

// Reads a row selected with kColumns; false when `kind` is not one we know
// (a row we cannot interpret is never handed out as a session).
bool readRecord(sqlite3_stmt* st, SessionRecord& r) {
  r.key = columnText(st, 0);
  if (!parseRecordKind(columnText(st, 1), r.kind)) return false;
  r.valid_until = sqlite3_column_int64(st, 2);
  r.created_at = sqlite3_column_int64(st, 3);
  r.sub = columnText(st, 4);
  r.username = columnText(st, 5);
  r.email = columnText(st, 6);
  r.groups = decodeGroups(columnText(st, 7));
  r.secret = columnText(st, 8);
  r.code_verifier = columnText(st, 9);
  r.nonce = columnText(st, 10);
  r.path = columnText(st, 11);
  r.last_seen = sqlite3_column_int64(st, 13);
  r.sid = columnText(st, 14);
  return decodeRecordClaims(columnText(st, 12), r.claims);
}

// One prepared statement, finalized on scope exit.
class Statement {
 public:
  Statement(sqlite3* db, const std::string& sql) {
    rc_ = sqlite3_prepare_v2(db, sql.c_str(), static_cast<int>(sql.size()), &st_, nullptr);
  }
  ~Statement() { sqlite3_finalize(st_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  bool ok() const { return rc_ == SQLITE_OK; }
  sqlite3_stmt* get() { return st_; }
  void bind(int i, std::string_view text) {
    sqlite3_bind_text(st_, i, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  }
  void bind(int i, int64_t value) { sqlite3_bind_int64(st_, i, value); }
  int step() { return sqlite3_step(st_); }

 private:
  sqlite3_stmt* st_ = nullptr;
  int rc_ = SQLITE_ERROR;
};

Status sqliteError(sqlite3* db, int rc, std::string_view what) {
  std::string message = "sqlite " + std::string(what) + ": " + sqlite3_errmsg(db);
  if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) return Status::timeout(message);
  return Status::unavailable(message);
}

class SqliteStore : public SessionStore {
 public:
  SqliteStore(std::string path, SqliteStoreOptions options)
      : path_(std::move(path)), options_(options) {}

  ~SqliteStore() override {
    for (sqlite3* db : pool_) sqlite3_close(db);
  }

  // Opens the first connection and creates the schema.
  Status init() {
    auto db = open();
    if (!db) return db.status();
    char* err = nullptr;
    int rc = sqlite3_exec(*db, kSchema, nullptr, nullptr, &err);
    Status s = rc == SQLITE_OK ? Status::ok()
                               : Status::unavailable("store.path: " + path_ + ": " +
                                                     (err ? err : "cannot create the schema"));
    sqlite3_free(err);
    if (s) s = addMissingColumns(*db);
    release(*db);
    return s;
  }

  Result<std::optional<SessionRecord>> get(std::string_view key) override {
    return withConnection<std::optional<SessionRecord>>([&](sqlite3* db) {
      return selectOne(db,
                       "SELECT " + std::string(kColumns) + " FROM sessions WHERE session_id = ?",
                       key, "get");
    });
  }

  Result<std::optional<SessionRecord>> take(std::string_view key) override {
    // One statement: the row is returned only to the connection that deleted it.
    return withConnection<std::optional<SessionRecord>>([&](sqlite3* db) {
      return selectOne(
          db, "DELETE FROM sessions WHERE session_id = ? RETURNING " + std::string(kColumns), key,
          "take");
    });
  }

  Status putNew(const SessionRecord& r) override {
    auto result = withConnection<bool>([&](sqlite3* db) -> Result<bool> {
      Statement st(db, "INSERT INTO sessions (" + std::string(kColumns) +
                           ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
      if (!st.ok()) return sqliteError(db, SQLITE_ERROR, "prepare insert");
      st.bind(1, r.key);
      st.bind(2, std::string_view(recordKindName(r.kind)));
      st.bind(3, r.valid_until);
      st.bind(4, r.created_at);
      st.bind(5, r.sub);
      st.bind(6, r.username);
      st.bind(7, r.email);
      st.bind(8, encodeGroups(r.groups));
      st.bind(9, r.secret);
      st.bind(10, r.code_verifier);
      st.bind(11, r.nonce);
      st.bind(12, r.path);
      st.bind(13, encodeRecordClaims(r.claims));
      st.bind(14, r.last_seen);
      st.bind(15, r.sid);
      int rc = st.step();
      if (rc == SQLITE_CONSTRAINT) return Status::alreadyExists("record exists");
      if (rc != SQLITE_DONE) return sqliteError(db, rc, "insert");
      maybePurge(db);
      return true;
    });
    return result ? Status::ok() : result.status();
  }

  Status remove(std::string_view key) override {
    auto result = withConnection<size_t>([&](sqlite3* db) {
      return execute(db, "DELETE FROM sessions WHERE session_id = ?", key, "delete");
    });
    return result ? Status::ok() : result.status();
  }

  Result<size_t> removeUser(std::string_view sub) override {
    return withConnection<size_t>([&](sqlite3* db) {
      return execute(db, "DELETE FROM sessions WHERE sub = ? AND kind = 'session'", sub,
                     "delete user");
    });
  }

  Result<size_t> removeProviderSession(std::string_view sid, std::string_view sub) override {
    if (sid.empty()) return static_cast<size_t>(0);
    return withConnection<size_t>([&](sqlite3* db) -> Result<size_t> {
      Statement st(db,
                   "DELETE FROM sessions WHERE sid = ? AND sid <> '' AND kind = 'session' AND "
                   "(? = '' OR sub = ?)");
      if (!st.ok()) return sqliteError(db, SQLITE_ERROR, "prepare delete sid");
      st.bind(1, sid);
      st.bind(2, sub);
      st.bind(3, sub);
      int rc = st.step();
      if (rc != SQLITE_DONE) return sqliteError(db, rc, "delete sid");
      return static_cast<size_t>(sqlite3_changes(db));
    });
  }

  Status touch(std::string_view key, int64_t last_seen) override {
    auto result = withConnection<bool>([&](sqlite3* db) -> Result<bool> {
      Statement st(db,
                   "UPDATE sessions SET last_seen = ? WHERE session_id = ? AND kind = 'session'");
      if (!st.ok()) return sqliteError(db, SQLITE_ERROR, "prepare touch");
      st.bind(1, last_seen);
      st.bind(2, key);
      int rc = st.step();
      if (rc != SQLITE_DONE) return sqliteError(db, rc, "touch");
      return true;
    });
    return result ? Status::ok() : result.status();
  }

  Result<RecordList> list(size_t limit) override {
    return withConnection<RecordList>([&](sqlite3* db) -> Result<RecordList> {
      Statement st(db, "SELECT " + std::string(kColumns) +
                           " FROM sessions ORDER BY created_at DESC LIMIT ?");
      if (!st.ok()) return sqliteError(db, SQLITE_ERROR, "prepare list");
      st.bind(1, static_cast<int64_t>(limit));
      RecordList out;
      int rc;
      while ((rc = st.step()) == SQLITE_ROW) {
        SessionRecord r;
        if (readRecord(st.get(), r)) {
          out.records.push_back(std::move(r));
        } else {
          out.unreadable.push_back(columnText(st.get(), 0));
        }
      }
      if (rc != SQLITE_DONE) return sqliteError(db, rc, "list");
      return out;
    });
  }

  Status ping() override {
    auto result = withConnection<bool>([&](sqlite3* db) -> Result<bool> {
      Statement st(db, "SELECT 1");
      if (!st.ok() || st.step() != SQLITE_ROW) return sqliteError(db, SQLITE_ERROR, "ping");
      return true;
    });
    return result ? Status::ok() : result.status();
  }

 private:
  static Status addMissingColumns(sqlite3* db) {
    for (const char* sql : kAddedColumns) {
      char* err = nullptr;
      int rc = sqlite3_exec(db, sql, nullptr, nullptr, &err);
      std::string message = err ? err : "";
      sqlite3_free(err);
      if (rc != SQLITE_OK && message.find("duplicate column name") == std::string::npos) {
        return Status::unavailable("sqlite: cannot add a column: " + message);
      }
    }
    return Status::ok();
  }

  Result<sqlite3*> open() {
    {
      MutexLock lock(mu_);
      if (!pool_.empty()) {
        sqlite3* db = pool_.back();
        pool_.pop_back();
        return db;
      }
    }
    // Create the file owner-only before SQLite does (it would use 0644).
    int fd = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd >= 0) ::close(fd);
    // The database and its journal files, where they exist, must be regular
    // files of ours that no one else can write: a session row inserted by
    // another user would be a way in. (Checked whether or not we could open
    // them for writing: SQLite would fall back to reading one read-only.)
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
      std::string file = path_ + suffix;
      Status s = checkPrivateFile("store.path", file, PrivateAccess::kNoWriteByOthers,
                                  /*missing_ok=*/true);
      if (!s) return s;
    }
    sqlite3* db = nullptr;
    int rc = sqlite3_open_v2(path_.c_str(), &db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX |
                                 SQLITE_OPEN_NOFOLLOW,  // checked above; a link since is refused
                             nullptr);
    if (rc != SQLITE_OK) {
      std::string message = "store.path: cannot open " + path_ + ": " +
                            (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
      sqlite3_close(db);
      return Status::unavailable(message);
    }
    sqlite3_busy_timeout(db, options_.busy_timeout_ms);
    std::string pragmas =
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-" +
        std::to_string(options_.page_cache_kib) + ";";
    sqlite3_exec(db, pragmas.c_str(), nullptr, nullptr, nullptr);
    return db;
  }

  void release(sqlite3* db) {
    {
      MutexLock lock(mu_);
      if (pool_.size() < options_.max_pooled_connections) {
        pool_.push_back(db);
        return;
      }
    }
    sqlite3_close(db);
  }

  template <class T, class F>
  Result<T> withConnection(F&& body) {
    auto db = open();
    if (!db) return db.status();
    Result<T> result = body(*db);
    release(*db);
    return result;
  }

  Result<std::optional<SessionRecord>> selectOne(sqlite3* db, const std::string& sql,
                                                 std::string_view key, const char* what) {
    Statement st(db, sql);
    if (!st.ok()) return sqliteError(db, SQLITE_ERROR, what);
    st.bind(1, key);
    int rc = st.step();
    if (rc == SQLITE_DONE) return std::optional<SessionRecord>();
    if (rc != SQLITE_ROW) return sqliteError(db, rc, what);
    SessionRecord r;
    bool known = readRecord(st.get(), r);
    // Finish the statement so a DELETE ... RETURNING commits now.
    while ((rc = st.step()) == SQLITE_ROW) {
    }
    if (rc != SQLITE_DONE) return sqliteError(db, rc, what);
    // Damaged, or not written by barrier: an error (never a session), as in
    // the other stores; `sessions revoke <key>` still removes it.
    if (!known) {
      return Status::internal(std::string("sqlite: ") + what +
                              ": the record's kind is not session or login");
    }
    return std::optional<SessionRecord>(std::move(r));
  }

  Result<size_t> execute(sqlite3* db, const char* sql, std::string_view arg, const char* what) {
    Statement st(db, sql);
    if (!st.ok()) return sqliteError(db, SQLITE_ERROR, what);
    st.bind(1, arg);
    int rc = st.step();
    if (rc != SQLITE_DONE) return sqliteError(db, rc, what);
    return static_cast<size_t>(sqlite3_changes(db));
  }

  // Housekeeping only (expiry is always checked in code): a bounded batch,
  // so no write ever pays for a large backlog. Failures are ignored.
  void maybePurge(sqlite3* db) {
    if (options_.purge_every <= 0) return;
    if (++writes_ % static_cast<uint64_t>(options_.purge_every) != 0) return;
    Statement st(db,
                 "DELETE FROM sessions WHERE session_id IN (SELECT session_id FROM sessions "
                 "WHERE valid_until < ? LIMIT 256)");
    if (!st.ok()) return;
    st.bind(1, static_cast<int64_t>(std::time(nullptr)) - options_.purge_grace);
    (void)st.step();
  }

  std::string path_;
  SqliteStoreOptions options_;
  Mutex mu_;
  std::vector<sqlite3*> pool_ GUARDED_BY(mu_);
  std::atomic<uint64_t> writes_{0};
};

}  // namespace

Result<std::unique_ptr<SessionStore>> makeSqliteStore(const std::string& path,
                                                      SqliteStoreOptions options) {
  if (path.empty()) return Status::invalid("store.path: empty");
  auto store = std::make_unique<SqliteStore>(path, options);
  if (Status s = store->init(); !s) return s;
  return std::unique_ptr<SessionStore>(std::move(store));
}

}  // namespace barrier
