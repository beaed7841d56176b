// The origins behind the barrier (server.origins in barrier.yaml): a static
// folder, an upstream http:// URL, or both (the folder first; a 404 there
// falls through to the upstream). The longest matching path prefix wins.
//
// Paths are never rewritten: a request for /docs/a.html under prefix /docs/
// reads <static_root>/docs/a.html (nginx `root` semantics) and is proxied to
// <upstream>/docs/a.html (the upstream URL's own path, if any, is put in
// front).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config/config.h"
#include "core/status.h"
#include "server/static_files.h"

namespace barrier {

// An upstream http:// URL split for the connector.
struct UpstreamUrl {
  std::string host;       // name or IP literal (IPv6 without brackets)
  std::string port;       // "80" by default
  std::string base_path;  // "" or "/base" (no trailing '/')
  std::string authority;  // host[:port] as written, for the Host header
};

// Only plain http:// (TLS to the upstream is a proxy's job on loopback).
// Errors name the value: "upstream \"ftp://x\": only http:// URLs are supported".
Result<UpstreamUrl> parseUpstreamUrl(std::string_view url);

struct Origin {
  std::string prefix;
  std::unique_ptr<StaticOrigin> files;  // may be null
  std::optional<UpstreamUrl> upstream;  // may be empty
  size_t index = 0;                     // position in the origin list (pool key)
};

// Builds the origins of `config`, opening each static root. Errors name the
// origin ("server.origins[1].static_root ...").
Result<std::vector<Origin>> makeOrigins(const std::vector<OriginConfig>& config);

// True when `prefix` covers `path`: "/" covers all; "/api" covers "/api" and
// "/api/x" but not "/apix"; "/api/" covers "/api/" and below.
bool prefixCovers(std::string_view prefix, std::string_view path);

// The origin with the longest prefix covering `path`, or nullptr.
const Origin* selectOrigin(const std::vector<Origin>& origins, std::string_view path);

}  // namespace barrier
