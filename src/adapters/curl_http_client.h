// The HttpClient port over libcurl: outbound HTTP(S) for the token endpoint,
// JWKS, discovery, userinfo and the AWS APIs.
//
// Thread-safe: every send() borrows an easy handle from a small pool and
// returns it afterwards, so connections (and TLS sessions) are reused across
// calls and threads without two threads ever sharing a handle at once.
//
// Security defaults that are not configurable: TLS peer and host
// verification are always on, redirects are never followed (a token endpoint
// that answers 302 is an error the caller sees, not a hop to elsewhere), and
// only http and https URLs are accepted.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "core/ports/http_client.h"

namespace barrier {

struct CurlHttpClientOptions {
  // PEM bundle of trusted CAs. Empty: $SSL_CERT_FILE when set and readable,
  // else the first of /etc/ssl/certs/ca-certificates.crt and
  // /etc/pki/tls/certs/ca-bundle.crt that exists, else libcurl's default.
  std::string ca_file;
  // Upper bound on connection set-up; the request's own timeout_ms bounds
  // the whole exchange and wins when smaller.
  int connect_timeout_ms = 3000;
  // Responses larger than this are cut off and reported as kUnavailable.
  size_t max_response_bytes = 8 * 1024 * 1024;
  // Idle easy handles kept for reuse; more concurrent callers get fresh ones.
  size_t max_pooled_handles = 16;
  std::string user_agent = "barrier/" BARRIER_VERSION;
};

std::unique_ptr<HttpClient> makeCurlHttpClient(CurlHttpClientOptions options = {});

// The CA bundle makeCurlHttpClient would use for `configured` (see
// CurlHttpClientOptions::ca_file); "" means libcurl's built-in default.
std::string resolveCaBundle(const std::string& configured);

}  // namespace barrier
