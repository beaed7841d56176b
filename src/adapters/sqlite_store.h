// The embedded default SessionStore: one SQLite file.
//
// Same contract as every backend (core/ports/session_store.h). Several
// threads and several processes (the gateway, `barrier sessions revoke`)
// may use one file at once: the database runs in WAL mode so readers never
// block the writer, every connection waits up to busy_timeout for a lock
// instead of failing, and take() is a single DELETE ... RETURNING, so of two
// concurrent takes exactly one gets the record.
//
// Thread safety: a small pool of connections, each used by one thread at a
// time. Expired rows are purged lazily: every purge_every-th write deletes a
// bounded batch of rows that expired more than purge_grace seconds ago.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/ports/session_store.h"

namespace barrier {

struct SqliteStoreOptions {
  int busy_timeout_ms = 5000;
  int purge_every = 64;        // writes between purges; 0 = never purge
  int64_t purge_grace = 3600;  // seconds past valid_until before a row is purged
  size_t max_pooled_connections = 8;
  // Each connection's page cache (PRAGMA cache_size), in KiB; SQLite's own
  // default is 2,000. Small because a larger one buys little here: a
  // session read is a random leaf of the table (a 2 MB cache holds a few
  // percent of 100,000 sessions' leaves), WAL mode drops a connection's
  // cache whenever another has written since its last read, and the
  // operating system caches the file anyway. 512 KiB keeps the table's
  // interior pages up to ~100,000 sessions (docs/ARCHITECTURE.md, "Memory").
  int page_cache_kib = 512;
};

// Opens (creating when absent, with mode 0600: login records hold flow
// secrets) the database at `path` and its schema. Errors name the path.
Result<std::unique_ptr<SessionStore>> makeSqliteStore(const std::string& path,
                                                      SqliteStoreOptions options = {});

}  // namespace barrier
