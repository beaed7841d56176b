#include "core/config/redis_url.h"

#include <string_view>

#include "core/http/percent.h"

namespace barrier {

namespace {

Status badUrl(const std::string& why) {
  return Status::invalid("store.url: " + why +
                         " (expected redis://[:password@]host[:port][/db], "
                         "redis-sentinel://[:password@]host[:port][,host[:port]...]/master[/db] "
                         "or unix:///path; rediss:// and rediss-sentinel:// for TLS)");
}

// "host[:port]", or "[IPv6]" / "[IPv6]:port" (the host without brackets).
Status parseHostPort(std::string_view authority, int default_port, RedisHostPort& out) {
  out.port = default_port;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return badUrl("an IPv6 address needs its closing ']'");
    std::string_view after = authority.substr(close + 1);
    if (!after.empty() && after.front() != ':') return badUrl("unexpected text after ']'");
    if (!after.empty()) port = after.substr(1);
    authority = authority.substr(1, close - 1);
    if (port.empty() && !after.empty()) return badUrl("port must be 1-65535");
  } else if (size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    if (authority.find(':') != colon) return badUrl("put an IPv6 address in brackets: [::1]:6379");
    port = authority.substr(colon + 1);
    if (port.empty()) return badUrl("port must be 1-65535");
    authority = authority.substr(0, colon);
  }
  if (!port.empty() && (!parseRedisNumber(port, 65535, out.port) || out.port == 0)) {
    return badUrl("port must be 1-65535");
  }
  if (authority.empty()) return badUrl("host is missing");
  out.host = std::string(authority);
  return Status::ok();
}

}  // namespace

bool parseRedisNumber(std::string_view text, int max, int& out) {
  if (text.empty() || text.size() > 6) return false;
  int n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + (c - '0');
  }
  if (n > max) return false;
  out = n;
  return true;
}

Result<RedisTarget> parseRedisUrl(const std::string& url) {
  RedisTarget t;
  std::string_view rest(url);
  if (rest.rfind("unix://", 0) == 0) {
    t.unix_path = std::string(rest.substr(7));
    if (t.unix_path.empty() || t.unix_path.front() != '/')
      return badUrl("unix socket path must be absolute");
    return t;
  }
  size_t scheme_end = rest.find("://");
  std::string_view scheme = rest.substr(0, scheme_end);
  bool sentinel = scheme == "redis-sentinel" || scheme == "rediss-sentinel";
  t.tls = scheme == "rediss" || scheme == "rediss-sentinel";
  if (!sentinel && !t.tls && scheme != "redis") return badUrl("unsupported scheme");
  rest.remove_prefix(scheme_end + 3);
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash + 1);
  if (sentinel) {
    size_t next = path.find('/');
    t.master_name = std::string(path.substr(0, next));
    if (t.master_name.empty()) return badUrl("the master's name is missing");
    path = next == std::string_view::npos ? "" : path.substr(next + 1);
  }
  if (!path.empty() && !parseRedisNumber(path, 10000, t.db))
    return badUrl("database must be a number");
  size_t at = authority.rfind('@');
  if (at != std::string_view::npos) {
    std::string_view userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    size_t colon = userinfo.find(':');
    std::string_view user =
        colon == std::string_view::npos ? std::string_view() : userinfo.substr(0, colon);
    std::string_view pass = colon == std::string_view::npos ? userinfo : userinfo.substr(colon + 1);
    if (!percentDecode(user, t.user) || !percentDecode(pass, t.password)) {
      return badUrl("malformed %-escape in the credentials");
    }
  }
  if (sentinel) {
    while (true) {
      size_t comma = authority.find(',');
      RedisHostPort one;
      if (Status s = parseHostPort(authority.substr(0, comma), 26379, one); !s.isOk()) return s;
      t.sentinels.push_back(std::move(one));
      if (comma == std::string_view::npos) break;
      authority = authority.substr(comma + 1);
    }
    return t;
  }
  RedisHostPort server;
  if (Status s = parseHostPort(authority, 6379, server); !s.isOk()) return s;
  t.host = std::move(server.host);
  t.port = server.port;
  return t;
}

}  // namespace barrier
