// HttpClient: outbound HTTP(S) for the token endpoint, JWKS, userinfo, AWS
// APIs and the Lambda Runtime API. libcurl natively; node:https at the edge.
#pragma once

#include <string>

#include "core/http/message.h"
#include "core/status.h"

namespace barrier {

struct HttpClientRequest {
  std::string method = "GET";
  std::string url;  // absolute http(s) URL
  Headers headers;
  std::string body;
  int timeout_ms = 5000;  // whole request, connect included
};

struct HttpClientResponse {
  int status = 0;
  Headers headers;
  std::string body;
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Any HTTP status is an ok Result; a non-ok Status means no answer:
  // kUnavailable (refused, DNS, TLS), kTimeout.
  virtual Result<HttpClientResponse> send(const HttpClientRequest& request) = 0;
};

class ForwardingHttpClient : public HttpClient {
 public:
  explicit ForwardingHttpClient(HttpClient& inner) : inner_(inner) {}
  Result<HttpClientResponse> send(const HttpClientRequest& request) override {
    return inner_.send(request);
  }

 private:
  HttpClient& inner_;
};

}  // namespace barrier
