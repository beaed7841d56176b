#include "adapters/aws_client.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <thread>
#include <utility>

#include "adapters/curl_http_client.h"
#include "adapters/system.h"
#include "core/aws/sigv4.h"

namespace barrier {

namespace {

bool isGlobalService(std::string_view service) {
  return service == "cloudfront" || service == "iam" || service == "route53";
}

bool isTransportFailure(const Status& s) {
  return s.code() == Code::kUnavailable || s.code() == Code::kTimeout;
}

std::string operationOf(std::string_view target) {
  size_t dot = target.rfind('.');
  return std::string(dot == std::string_view::npos ? target : target.substr(dot + 1));
}

}  // namespace

AwsClient::AwsClient(AwsClientOptions options, AwsClientDeps deps)
    : options_(std::move(options)), deps_(std::move(deps)) {
  if (!options_.env) options_.env = processEnvironment();
  if (!options_.sleep) {
    options_.sleep = [](int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); };
  }
  if (!deps_.http) deps_.http = std::shared_ptr<HttpClient>(makeCurlHttpClient());
  if (!deps_.clock) deps_.clock = std::shared_ptr<Clock>(makeSystemClock());
  if (!deps_.random) deps_.random = std::shared_ptr<Random>(makeOsRandom());
  if (!deps_.crypto) deps_.crypto = std::shared_ptr<Crypto>(makeOpenSslCrypto());
  if (!deps_.credentials) {
    CredentialChainOptions chain;
    chain.env = options_.env;
    chain.http = deps_.http;
    chain.clock = deps_.clock;
    deps_.credentials = std::shared_ptr<CredentialsProvider>(makeDefaultCredentialChain(chain));
  }
}

std::string AwsClient::signingRegion(std::string_view service, std::string_view region) const {
  if (isGlobalService(service)) return "us-east-1";
  return std::string(region.empty() ? std::string_view(options_.region) : region);
}

std::string AwsClient::endpointFor(std::string_view service, std::string_view region) const {
  auto it = options_.endpoints.find(std::string(service));
  std::string configured = it == options_.endpoints.end() ? "" : it->second;
  std::string url = resolveEndpointOverride(service, configured, options_.env);
  if (url.empty()) {
    std::string r = signingRegion(service, region);
    if (isGlobalService(service)) {
      url = "https://" + std::string(service) + ".amazonaws.com";
    } else {
      url = "https://" + std::string(service) + "." + r + ".amazonaws.com";
    }
  }
  while (url.size() > 8 && url.back() == '/') url.pop_back();
  return url;
}

Result<HttpClientResponse> AwsClient::attempt(const AwsRequest& request, int timeout_ms) {
  std::optional<AwsCredentials> credentials;
  if (!request.anonymous) {
    Result<AwsCredentials> found = deps_.credentials->credentials();
    if (!found) return found.status();
    credentials = std::move(found.value());
  }
  std::string region = signingRegion(request.service, request.region);
  if (region.empty()) {
    return Status::invalid(
        request.service +
        ": no AWS region (set it in the configuration, AWS_REGION or the profile)");
  }
  std::string base =
      request.endpoint.empty() ? endpointFor(request.service, request.region) : request.endpoint;
  UrlParts url;
  if (!splitUrl(base, url)) return Status::invalid(request.service + ": bad endpoint URL " + base);
  // An endpoint may carry a base path (a proxy); the request path goes under it.
  std::string base_path = url.path == "/" ? "" : url.path;
  while (!base_path.empty() && base_path.back() == '/') base_path.pop_back();

  SigV4Request signing;
  signing.method = request.method;
  signing.path = base_path + (request.path.empty() ? "/" : request.path);
  signing.query = request.query;
  signing.headers = request.headers;
  signing.headers.set("Host", url.authority);
  signing.body = request.body;
  if (credentials) {
    SigV4Options options = sigV4OptionsFor(request.service, region, deps_.clock->now());
    if (request.unsigned_payload) options.payload = PayloadSigning::kUnsigned;
    Result<SigV4Result> signed_request = signHeaders(signing, *credentials, options, *deps_.crypto);
    if (!signed_request) return signed_request.status();
  }

  HttpClientRequest http;
  http.method = signing.method;
  http.url = url.scheme + "://" + url.authority + signing.path +
             (signing.query.empty() ? "" : "?" + signing.query);
  http.headers = std::move(signing.headers);
  http.body = std::move(signing.body);
  http.timeout_ms = timeout_ms;
  return deps_.http->send(http);
}

int AwsClient::backoffMs(int attempt) {
  int64_t cap = options_.base_backoff_ms;
  for (int i = 0; i < attempt && cap < options_.max_backoff_ms; ++i) cap *= 2;
  cap = std::min<int64_t>(cap, options_.max_backoff_ms);
  if (cap <= 0) return 0;
  uint32_t r = 0;
  deps_.random->fill(reinterpret_cast<uint8_t*>(&r), sizeof(r));
  // Full jitter: spreads a burst of throttled callers over the whole window.
  return static_cast<int>(r % static_cast<uint32_t>(cap + 1));
}

Result<AwsResponse> AwsClient::send(const AwsRequest& request) {
  const int64_t start = deps_.clock->nowMillis();
  const int max_attempts = std::max(1, options_.max_attempts);
  Status last_failure = Status::unavailable(request.service + ": no attempt made");
  for (int n = 0; n < max_attempts; ++n) {
    int64_t elapsed = deps_.clock->nowMillis() - start;
    int64_t remaining = options_.total_budget_ms - elapsed;
    if (n > 0 && remaining <= 0) break;
    int timeout =
        request.attempt_timeout_ms > 0 ? request.attempt_timeout_ms : options_.attempt_timeout_ms;
    timeout = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(timeout, remaining)));
    Result<HttpClientResponse> http = attempt(request, timeout);
    std::string reason;
    if (!http) {
      if (!isTransportFailure(http.status())) return http.status();
      last_failure = Status(http.status().code(), request.service + ": " + http.status().message());
      reason = http.status().message();
    } else {
      AwsResponse response;
      response.status = http->status;
      response.headers = std::move(http->headers);
      response.body = std::move(http->body);
      if (response.ok()) return response;
      response.error = parseAwsError(response.status, response.headers, response.body);
      if (!isRetryableAwsError(response.error) || n + 1 == max_attempts) return response;
      reason = response.error.code.empty() ? "HTTP " + std::to_string(response.status)
                                           : response.error.code;
      // Keep the answer: if the budget runs out, the caller sees AWS's error.
      last_failure = awsErrorStatus(response.error, request.service);
    }
    if (n + 1 == max_attempts) break;
    int wait = backoffMs(n);
    if (deps_.clock->nowMillis() - start + wait >= options_.total_budget_ms) break;
    if (options_.log && options_.log->enabled(LogLevel::kWarn)) {
      options_.log->write(LogLevel::kWarn, "aws.retry",
                          {{"service", request.service},
                           {"attempt", std::to_string(n + 1)},
                           {"reason", reason},
                           {"wait_ms", std::to_string(wait)}});
    }
    options_.sleep(wait);
  }
  return last_failure;
}

Result<AwsResponse> AwsClient::sendOk(const AwsRequest& request, std::string_view context) {
  Result<AwsResponse> response = send(request);
  if (!response) {
    return response.status().withContext(context);
  }
  if (!response->ok()) return awsErrorStatus(response->error, context);
  return response;
}

Result<std::string> AwsClient::callJsonText(std::string_view service, std::string_view target,
                                            std::string body, std::string_view json_version) {
  AwsRequest request;
  request.service = std::string(service);
  request.headers.add("Content-Type", "application/x-amz-json-" + std::string(json_version));
  request.headers.add("X-Amz-Target", std::string(target));
  request.body = std::move(body);
  Result<AwsResponse> response = sendOk(request, std::string(service) + " " + operationOf(target));
  if (!response) return response.status();
  return std::move(response->body);
}

Result<nlohmann::json> AwsClient::callJson(std::string_view service, std::string_view target,
                                           const nlohmann::json& body,
                                           std::string_view json_version) {
  Result<std::string> text = callJsonText(
      service, target, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
      json_version);
  if (!text) return text.status();
  auto doc = nlohmann::json::parse(text.value(), nullptr, false);
  if (doc.is_discarded()) {
    return Status::unavailable(std::string(service) + " " + operationOf(target) +
                               ": answer is not JSON");
  }
  return doc;
}

}  // namespace barrier
