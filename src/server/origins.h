// The origins behind the barrier (server.origins in barrier.yaml): a static
// folder, an upstream http:// or https:// URL, or both (the folder first; a 404 there
// falls through to the upstream). The longest matching path prefix wins.
//
// Paths are never rewritten: a request for /docs/a.html under prefix /docs/
// reads <static_root>/docs/a.html (nginx `root` semantics) and is proxied to
// <upstream>/docs/a.html (the upstream URL's own path, if any, is put in
// front).
#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config/config.h"
#include "core/status.h"
#include "server/static_files.h"

namespace barrier {

// An upstream http:// or https:// URL split for the connector.
struct UpstreamUrl {
  bool tls = false;       // https://: verified TLS (system store or the origin's ca_file)
  std::string host;       // name or IP literal (IPv6 without brackets)
  std::string port;       // "80" or "443" by default
  std::string base_path;  // "" or "/base" (no trailing '/')
  std::string authority;  // host[:port] as written, for the Host header
};

// http:// or https://host[:port][/base]. Errors name the value:
// "upstream \"ftp://x\": only http:// and https:// URLs are supported".
Result<UpstreamUrl> parseUpstreamUrl(std::string_view url);

struct Origin {
  std::string prefix;
  std::unique_ptr<StaticOrigin> files;  // may be null
  std::optional<UpstreamUrl> upstream;  // may be empty
  // For an https:// upstream: the client TLS context (its CA file loaded),
  // shared by the connection pools of every Site built from this origin.
  std::shared_ptr<SSL_CTX> tls;
  size_t index = 0;  // position in the origin list (pool key)
};

// Builds the origins of `config`, opening each static root and each https
// upstream's CA file. Errors name the origin ("server.origins[1].ca_file ...").
Result<std::vector<Origin>> makeOrigins(const std::vector<OriginConfig>& config);

// True when `prefix` covers `path`: "/" covers all; "/api" covers "/api" and
// "/api/x" but not "/apix"; "/api/" covers "/api/" and below.
bool prefixCovers(std::string_view prefix, std::string_view path);

// The origin with the longest prefix covering `path`, or nullptr.
const Origin* selectOrigin(const std::vector<Origin>& origins, std::string_view path);

}  // namespace barrier
