// A SessionStore on Redis (hiredis), for self-hosted gateways that already
// run Redis or want several barrier processes to share sessions.
//
// Layout: each record is a hash "barrier:s:<key>" (fields as in DESIGN §4,
// groups as a JSON list) with EXPIREAT valid_until as housekeeping only
// (callers still check expiry); "barrier:u:<sub>" is the set of a user's
// session keys for removeUser. putNew, take, remove and removeUser are Lua
// scripts, so each is atomic on the server (standalone Redis; not Cluster).
//
// Thread-safe: calls borrow a connection from a small pool (one mutex around
// the pool, never around a command); a connection that failed is closed, not
// returned, and the next call reconnects. Connect and command timeouts turn
// a hung server into kTimeout, a refused or dropped connection into
// kUnavailable; never a crash or a hang.
#pragma once

#include <memory>
#include <string>

#include "core/ports/session_store.h"

namespace barrier {

struct RedisStoreOptions {
  int connect_timeout_ms = 2000;
  int command_timeout_ms = 2000;
  size_t max_idle_connections = 8;
};

// `url`: redis://[:password@]host[:port][/db] or unix:///path/to/socket.
// Only the URL is checked here (kInvalidArgument naming store.url); the
// server is contacted on first use, so a store that is down at start-up
// gives 503s until it is back rather than a process that will not start.
Result<std::unique_ptr<SessionStore>> makeRedisStore(const std::string& url,
                                                     const RedisStoreOptions& options = {});

}  // namespace barrier
