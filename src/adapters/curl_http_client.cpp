#include "adapters/curl_http_client.h"

#include <curl/curl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "core/mutex.h"

namespace barrier {

namespace {

// libcurl's global state must be set up once, before any thread uses it.
void ensureCurlGlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

bool readable(const std::string& path) { return !path.empty() && access(path.c_str(), R_OK) == 0; }

// What one transfer collects; the callbacks below write into it.
struct Transfer {
  HttpClientResponse response;
  size_t max_bytes = 0;
  bool too_large = false;
};

size_t onBody(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t n = size * count;
  if (t->response.body.size() + n > t->max_bytes) {
    t->too_large = true;
    return 0;  // makes libcurl abort with CURLE_WRITE_ERROR
  }
  t->response.body.append(data, n);
  return n;
}

size_t onHeader(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t n = size * count;
  std::string_view line(data, n);
  // A new status line (after a 100 Continue or an auth round) starts the
  // header block afresh: only the final response's headers are reported.
  if (line.starts_with("HTTP/")) {
    t->response.headers = Headers();
    return n;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return n;  // blank line or folded junk
  std::string_view name = trimWhitespace(line.substr(0, colon));
  std::string_view value = trimWhitespace(line.substr(colon + 1));
  if (!name.empty()) t->response.headers.add(std::string(name), std::string(value));
  return n;
}

class CurlHttpClient : public HttpClient {
 public:
  explicit CurlHttpClient(CurlHttpClientOptions options) : options_(std::move(options)) {
    ensureCurlGlobalInit();
    ca_file_ = resolveCaBundle(options_.ca_file);
  }

  ~CurlHttpClient() override {
    for (CURL* h : pool_) curl_easy_cleanup(h);
  }

  Result<HttpClientResponse> send(const HttpClientRequest& request) override {
    if (!request.url.starts_with("http://") && !request.url.starts_with("https://")) {
      return Status::invalid("http client: only http and https URLs are supported");
    }
    CURL* handle = acquire();
    if (handle == nullptr) return Status::internal("http client: curl_easy_init failed");
    Result<HttpClientResponse> result = perform(handle, request);
    release(handle);
    return result;
  }

 private:
  CURL* acquire() {
    {
      MutexLock lock(mu_);
      if (!pool_.empty()) {
        CURL* h = pool_.back();
        pool_.pop_back();
        // Reset options but keep live connections, DNS and TLS session caches.
        curl_easy_reset(h);
        return h;
      }
    }
    return curl_easy_init();
  }

  void release(CURL* handle) {
    {
      MutexLock lock(mu_);
      if (pool_.size() < options_.max_pooled_handles) {
        pool_.push_back(handle);
        return;
      }
    }
    curl_easy_cleanup(handle);
  }

  void setCommonOptions(CURL* h, Transfer& t, long total_ms) const {
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);  // no SIGALRM in a threaded process
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!ca_file_.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, ca_file_.c_str());
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, total_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                     std::min<long>(total_ms, options_.connect_timeout_ms));
    curl_easy_setopt(h, CURLOPT_USERAGENT, options_.user_agent.c_str());
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");  // any encoding libcurl can decode
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, onBody);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, onHeader);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &t);
  }

  static void setMethodAndBody(CURL* h, const HttpClientRequest& request) {
    const std::string& m = request.method;
    if (m == "GET") {
      curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    } else if (m == "HEAD") {
      curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else {
      // POSTFIELDS with an explicit size sends the body as is (binary safe),
      // and CUSTOMREQUEST names PUT/DELETE/... while keeping that body.
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
      curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
      if (m != "POST") curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, m.c_str());
    }
  }

  Result<HttpClientResponse> perform(CURL* h, const HttpClientRequest& request) {
    Transfer t;
    t.max_bytes = options_.max_response_bytes;
    long total_ms = std::max(1, request.timeout_ms);
    setCommonOptions(h, t, total_ms);
    curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
    setMethodAndBody(h, request);

    curl_slist* headers = nullptr;
    for (const Header& header : request.headers) {
      std::string line = header.name + ": " + header.value;
      headers = curl_slist_append(headers, line.c_str());
    }
    // libcurl would otherwise wait up to a second for "100 Continue" on
    // larger bodies; our peers all answer directly.
    headers = curl_slist_append(headers, "Expect:");
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);

    CURLcode rc = curl_easy_perform(h);
    curl_slist_free_all(headers);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);

    if (rc != CURLE_OK) return mapError(rc, t, request);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    t.response.status = static_cast<int>(status);
    return std::move(t.response);
  }

  // The URL's host is named (it is configuration, not a secret); the query
  // string is not, since it may carry a code.
  static Status mapError(CURLcode rc, const Transfer& t, const HttpClientRequest& request) {
    std::string where = request.method + " " + urlWithoutQuery(request.url);
    if (rc == CURLE_OPERATION_TIMEDOUT) {
      return Status::timeout(where + ": no answer within " + std::to_string(request.timeout_ms) +
                             " ms");
    }
    if (t.too_large) return Status::unavailable(where + ": response too large");
    return Status::unavailable(where + ": " + curl_easy_strerror(rc));
  }

  static std::string urlWithoutQuery(const std::string& url) {
    size_t q = url.find_first_of("?#");
    return q == std::string::npos ? url : url.substr(0, q);
  }

  CurlHttpClientOptions options_;
  std::string ca_file_;
  Mutex mu_;
  std::vector<CURL*> pool_ GUARDED_BY(mu_);
};

}  // namespace

std::string resolveCaBundle(const std::string& configured) {
  if (!configured.empty()) return configured;
  if (const char* env = std::getenv("SSL_CERT_FILE"); env != nullptr && readable(env)) return env;
  for (const char* path :
       {"/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt"}) {
    if (readable(path)) return path;
  }
  return "";
}

std::unique_ptr<HttpClient> makeCurlHttpClient(CurlHttpClientOptions options) {
  return std::make_unique<CurlHttpClient>(std::move(options));
}

}  // namespace barrier
