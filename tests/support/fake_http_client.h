// FakeHttpClient: the HttpClient port for tests. It records every request
// and answers from a queue the test fills, then from a function the test
// gives (to play an endpoint: an IdP, the Lambda Runtime API, AWS).
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ports/http_client.h"

namespace barrier {

// A response with `status` and `body`, no headers.
HttpClientResponse httpResponse(int status, std::string body = {});

// Each send() is recorded in `requests`, then answered by the first queued
// answer (a response, or a failed Status for "no answer"), else by
// `respond`, else with kUnavailable. Not thread-safe.
class FakeHttpClient : public HttpClient {
 public:
  using Respond = std::function<Result<HttpClientResponse>(const HttpClientRequest&)>;

  FakeHttpClient() = default;
  explicit FakeHttpClient(Respond respond) : respond(std::move(respond)) {}

  Result<HttpClientResponse> send(const HttpClientRequest& request) override;

  void queue(Result<HttpClientResponse> answer) { answers.push_back(std::move(answer)); }
  // How many requests went to exactly `url`.
  size_t sentTo(std::string_view url) const;

  std::deque<Result<HttpClientResponse>> answers;  // taken first, in order
  Respond respond;                                 // when no answer is queued
  std::vector<HttpClientRequest> requests;         // every request, in order
};

}  // namespace barrier
