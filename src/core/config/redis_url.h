// Redis connection URLs (store.url): parsed once, here, for the store that
// connects (src/adapters/redis_store.cpp) and for configuration validation,
// so that check-config refuses exactly what `barrier serve` would.
//
//   redis://[[user]:password@]host[:port][/db]
//   redis-sentinel://[[user]:password@]host[:port][,host[:port]...]/master[/db]
//   unix:///absolute/path
//   rediss://..., rediss-sentinel://...: the same over TLS (sentinels and
//   data servers alike), verified as store.tls says
//
// Errors never quote the URL or a piece of it: its userinfo holds the
// password (and a password holding '/' or ':' would read as the database or
// the port).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace barrier {

struct RedisHostPort {
  std::string host;
  int port = 6379;
};

struct RedisTarget {
  std::string host;
  int port = 6379;
  std::string unix_path;
  // Sentinel mode: the master of `master_name`, as these sentinels name it.
  std::vector<RedisHostPort> sentinels;
  std::string master_name;
  std::string user;
  std::string password;
  int db = 0;
  bool tls = false;  // rediss:// or rediss-sentinel://
};

Result<RedisTarget> parseRedisUrl(const std::string& url);

// A decimal number of at most 6 digits, at most `max` (ports, database
// numbers; also a sentinel's answer).
bool parseRedisNumber(std::string_view text, int max, int& out);

}  // namespace barrier
