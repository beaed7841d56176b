#include "server/origins.h"

#include <filesystem>

#include "adapters/tls_context.h"

namespace barrier {

Result<UpstreamUrl> parseUpstreamUrl(std::string_view url) {
  auto bad = [&](std::string_view why) {
    return Status::invalid("upstream \"" + std::string(url) + "\": " + std::string(why));
  };
  auto hasScheme = [&](std::string_view scheme) {
    return url.size() >= scheme.size() && equalsIgnoreCase(url.substr(0, scheme.size()), scheme);
  };
  bool tls = hasScheme("https://");
  if (!tls && !hasScheme("http://")) return bad("only http:// and https:// URLs are supported");
  std::string_view rest = url.substr(tls ? 8 : 7);
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash);
  if (authority.empty()) return bad("missing host");
  if (authority.find('@') != std::string_view::npos) return bad("user info is not supported");
  if (path.find_first_of("?#") != std::string_view::npos) return bad("no query or fragment");
  UpstreamUrl out;
  out.tls = tls;
  out.authority = std::string(authority);
  std::string_view port;
  if (authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad("unterminated IPv6 literal");
    out.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad("garbage after the IPv6 literal");
      port = after.substr(1);
    }
  } else {
    size_t colon = authority.rfind(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (out.host.empty()) return bad("missing host");
  if (port.empty()) port = tls ? "443" : "80";
  if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos ||
      std::stoi(std::string(port)) == 0 || std::stoi(std::string(port)) > 65535) {
    return bad("bad port");
  }
  out.port = std::string(port);
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  out.base_path = std::string(path);
  return out;
}

Result<std::vector<Origin>> makeOrigins(const std::vector<OriginConfig>& config) {
  std::vector<Origin> origins;
  for (size_t i = 0; i < config.size(); ++i) {
    const OriginConfig& entry = config[i];
    std::string field = "server.origins[" + std::to_string(i) + "]";
    Origin origin;
    origin.prefix = entry.prefix.empty() ? "/" : entry.prefix;
    origin.index = i;
    if (origin.prefix.front() != '/') {
      return Status::invalid(field + ".prefix must start with '/', got \"" + entry.prefix + "\"");
    }
    if (!entry.static_root.empty()) {
      auto files = openStaticOrigin(entry.static_root);
      if (!files.isOk()) return Status::invalid(field + "." + files.status().message());
      origin.files = std::move(files.value());
    }
    if (!entry.upstream.empty()) {
      auto upstream = parseUpstreamUrl(entry.upstream);
      if (!upstream.isOk()) return Status::invalid(field + "." + upstream.status().message());
      origin.upstream = std::move(upstream.value());
      if (origin.upstream->tls) {
        auto tls = makeTlsClientContext({entry.ca_file, "", "", TlsMinVersion::kTls12, field});
        if (!tls.isOk()) return tls.status();
        origin.tls = std::shared_ptr<SSL_CTX>(tls->release(), SslCtxFree{});
      }
    }
    if (!origin.files && !origin.upstream) {
      return Status::invalid(field + " needs static or upstream");
    }
    origins.push_back(std::move(origin));
  }
  return origins;
}

bool prefixCovers(std::string_view prefix, std::string_view path) {
  if (path.size() < prefix.size() || path.compare(0, prefix.size(), prefix) != 0) return false;
  return prefix.empty() || prefix.back() == '/' || path.size() == prefix.size() ||
         path[prefix.size()] == '/';
}

const Origin* selectOrigin(const std::vector<Origin>& origins, std::string_view path) {
  const Origin* best = nullptr;
  for (const Origin& origin : origins) {
    if (prefixCovers(origin.prefix, path) &&
        (best == nullptr || origin.prefix.size() > best->prefix.size())) {
      best = &origin;
    }
  }
  return best;
}

}  // namespace barrier
