#include "tests/support/fake_http_client.h"

namespace barrier {

HttpClientResponse httpResponse(int status, std::string body) {
  return HttpClientResponse{status, {}, std::move(body)};
}

Result<HttpClientResponse> FakeHttpClient::send(const HttpClientRequest& request) {
  requests.push_back(request);
  if (!answers.empty()) {
    Result<HttpClientResponse> answer = std::move(answers.front());
    answers.pop_front();
    return answer;
  }
  if (respond) return respond(request);
  return Status::unavailable("no answer queued for " + request.method + " " + request.url);
}

size_t FakeHttpClient::sentTo(std::string_view url) const {
  size_t count = 0;
  for (const HttpClientRequest& request : requests) count += request.url == url;
  return count;
}

}  // namespace barrier
