// A SessionStore on Redis (hiredis), for self-hosted gateways that already
// run Redis or want several barrier processes to share sessions.
//
// Layout (docs/ARCHITECTURE.md, "Redis keys"): each record is a hash
// "barrier:s:<key>" (the record's fields, groups as a JSON list) with
// EXPIREAT valid_until as housekeeping only (callers still check expiry);
// "barrier:u:<sub>" is the set of a user's session keys for removeUser,
// "barrier:p:<sid>" that of a provider session's keys for
// removeProviderSession. putNew, take, remove, removeUser and
// removeProviderSession are Lua scripts, so each is atomic on
// the server (standalone Redis or Sentinel; not Cluster).
//
// High availability with Redis Sentinel: given sentinels and a master name,
// the store asks the sentinels (in order, until one answers) which server is
// the master, and checks with ROLE that it is. After a failover the
// sentinels disconnect the old master's clients; a pooled connection found
// closed is dropped before use, and one answered READONLY (a demoted
// master) empties the pool, so the next connection goes to the new master.
//
// Thread-safe: calls borrow a connection from a small pool (one mutex around
// the pool, never around a command); a connection that failed is closed, not
// returned, and the next call reconnects. Connect and command timeouts turn
// a hung server into kTimeout, a refused or dropped connection into
// kUnavailable; never a crash or a hang.
//
// TLS (rediss://, rediss-sentinel://): every connection, to sentinels and
// data servers alike, is verified as store.tls says (makeRedisTls in
// adapters/redis_connection.h, with adapters/tls_context.h); one that fails
// verification is kUnavailable naming the reason and the server, and never
// falls back to plain. The connections themselves are
// adapters/redis_connection.h.
#pragma once

#include <memory>
#include <string>

#include "adapters/redis_connection.h"
#include "core/config/config.h"
#include "core/ports/session_store.h"

namespace barrier {

struct RedisStoreOptions {
  int connect_timeout_ms = 2000;
  int command_timeout_ms = 2000;
  size_t max_idle_connections = 8;
  // rediss:// only: CAs to trust and a client certificate (store.tls).
  StoreTlsConfig tls;
};

// `url`: redis://[:password@]host[:port][/db], unix:///path/to/socket, or
// redis-sentinel://[:password@]host[:port][,host[:port]...]/master[/db]
// (sentinel port 26379 by default; the password is the data servers', the
// sentinels are asked without one); rediss:// and rediss-sentinel:// for TLS.
// Only the URL and the TLS files are checked here (kInvalidArgument naming
// store.url or the store.tls field); the server is contacted on first use, so a store that is down
// at start-up gives 503s until it is back rather than a process that will not start.
Result<std::unique_ptr<SessionStore>> makeRedisStore(const std::string& url,
                                                     const RedisStoreOptions& options = {});

// Every removal of a session (remove, removeUser: logout, revoke, idle
// expiry, back-channel logout) is announced on this channel, the store key
// as the message, in the same script that deletes it: one channel for the
// key prefix, so every barrier on the server hears it
// (adapters/redis_revocations.h keeps a cache in step).
inline constexpr char kRedisRevokedChannel[] = "barrier:revoked";

// A new connection to the store's server (with Sentinel, to the master),
// authenticated and with its db selected, for a subscriber; the caller
// owns it. Fails as the store's calls do.
Result<std::unique_ptr<RedisConnection>> openRedisConnection(const std::string& url,
                                                             const RedisStoreOptions& options = {});

}  // namespace barrier
