#include "adapters/curl_http_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace barrier {
namespace {

// A tiny HTTP/1.1 server on 127.0.0.1 with keep-alive, enough to exercise
// the client: /ok, /echo, /redirect, /slow, /big. Counts accepted
// connections so a test can see reuse.
class TinyServer {
 public:
  TinyServer() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    listen(fd_, 16);
    socklen_t len = sizeof addr;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { acceptLoop(); });
  }

  ~TinyServer() {
    stop_ = true;
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
    for (auto& t : workers_) t.join();
  }

  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  int connections() const { return connections_; }

 private:
  void acceptLoop() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      int c = accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      ++connections_;
      workers_.emplace_back([this, c] { serve(c); });
    }
  }

  // Reads one request (headers + Content-Length body); false on EOF.
  bool readRequest(int c, std::string& buffer, std::string& head, std::string& body) {
    while (buffer.find("\r\n\r\n") == std::string::npos) {
      if (!readMore(c, buffer)) return false;
    }
    size_t end = buffer.find("\r\n\r\n") + 4;
    head = buffer.substr(0, end);
    size_t length = 0;
    size_t cl = head.find("Content-Length: ");
    if (cl != std::string::npos) length = std::strtoul(head.c_str() + cl + 16, nullptr, 10);
    while (buffer.size() < end + length) {
      if (!readMore(c, buffer)) return false;
    }
    body = buffer.substr(end, length);
    buffer.erase(0, end + length);
    return true;
  }

  bool readMore(int c, std::string& buffer) {
    pollfd p{c, POLLIN, 0};
    while (!stop_) {
      if (poll(&p, 1, 50) <= 0) continue;
      char chunk[4096];
      ssize_t n = recv(c, chunk, sizeof chunk, 0);
      if (n <= 0) return false;
      buffer.append(chunk, static_cast<size_t>(n));
      return true;
    }
    return false;
  }

  void serve(int c) {
    std::string buffer, head, body;
    while (readRequest(c, buffer, head, body)) {
      std::string first = head.substr(0, head.find("\r\n"));
      std::string reply = respond(first, head, body);
      if (reply.empty()) break;
      ::send(c, reply.data(), reply.size(), MSG_NOSIGNAL);
    }
    close(c);
  }

  std::string respond(const std::string& first, const std::string& head, const std::string& body) {
    auto make = [](int status, const std::string& extra, const std::string& text) {
      return "HTTP/1.1 " + std::to_string(status) +
             " X\r\nContent-Length: " + std::to_string(text.size()) + "\r\n" + extra + "\r\n" +
             text;
    };
    if (first.find(" /ok ") != std::string::npos) {
      return make(200, "X-Test: one\r\nX-Test: two\r\nContent-Type: text/plain\r\n", "hello");
    }
    if (first.find(" /echo ") != std::string::npos) {
      std::string method = first.substr(0, first.find(' '));
      bool has_auth = head.find("Authorization: Basic abc") != std::string::npos;
      return make(201, "", method + "|" + body + "|" + (has_auth ? "auth" : "noauth"));
    }
    if (first.find(" /redirect ") != std::string::npos) {
      return make(302, "Location: /ok\r\n", "");
    }
    if (first.find(" /slow ") != std::string::npos) {
      for (int i = 0; i < 40 && !stop_; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      return make(200, "", "late");
    }
    if (first.find(" /big ") != std::string::npos) {
      return make(200, "", std::string(4096, 'x'));
    }
    return make(404, "", "no");
  }

  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::thread thread_;
  std::vector<std::thread> workers_;
};

HttpClientRequest getRequest(const std::string& url, int timeout_ms = 5000) {
  HttpClientRequest r;
  r.url = url;
  r.timeout_ms = timeout_ms;
  return r;
}

// A free loopback port with nothing listening on it.
int closedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

// A GET returns status, body and every response header, repeated ones included.
TEST(CurlHttpClient, GetCapturesStatusBodyAndHeaders) {
  TinyServer server;
  auto client = makeCurlHttpClient();
  auto r = client->send(getRequest(server.url("/ok")));
  ASSERT_TRUE(r.isOk()) << r.status().toString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello");
  EXPECT_EQ(r->headers.get("content-type"), "text/plain");
  EXPECT_EQ(r->headers.getAll("X-Test"), (std::vector<std::string>{"one", "two"}));
}

// POST and PUT send the body and the request headers as given.
TEST(CurlHttpClient, SendsMethodBodyAndHeaders) {
  TinyServer server;
  auto client = makeCurlHttpClient();
  HttpClientRequest req = getRequest(server.url("/echo"));
  req.method = "POST";
  req.headers.add("Authorization", "Basic abc");
  req.body = "a=1&b=2";
  auto r = client->send(req);
  ASSERT_TRUE(r.isOk()) << r.status().toString();
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(r->body, "POST|a=1&b=2|auth");
  req.method = "PUT";
  req.headers = {};
  r = client->send(req);
  ASSERT_TRUE(r.isOk());
  EXPECT_EQ(r->body, "PUT|a=1&b=2|noauth");
}

// Redirects are reported to the caller, never followed.
TEST(CurlHttpClient, DoesNotFollowRedirects) {
  TinyServer server;
  auto client = makeCurlHttpClient();
  auto r = client->send(getRequest(server.url("/redirect")));
  ASSERT_TRUE(r.isOk());
  EXPECT_EQ(r->status, 302);
  EXPECT_EQ(r->headers.get("Location"), "/ok");
}

// A slow server is kTimeout after roughly timeout_ms, not a hang.
TEST(CurlHttpClient, SlowServerIsTimeout) {
  TinyServer server;
  auto client = makeCurlHttpClient();
  auto start = std::chrono::steady_clock::now();
  auto r = client->send(getRequest(server.url("/slow"), 200));
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(r.status().code(), Code::kTimeout);
  EXPECT_LT(elapsed, std::chrono::milliseconds(1500));
}

// Nothing listening is kUnavailable.
TEST(CurlHttpClient, RefusedIsUnavailable) {
  auto client = makeCurlHttpClient();
  auto r =
      client->send(getRequest("http://127.0.0.1:" + std::to_string(closedPort()) + "/x?code=s"));
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
  // The query (which may hold a code) is not echoed into the message.
  EXPECT_EQ(r.status().message().find("code=s"), std::string::npos);
}

// Non-http schemes are refused before libcurl sees them.
TEST(CurlHttpClient, OnlyHttpSchemes) {
  auto client = makeCurlHttpClient();
  EXPECT_EQ(client->send(getRequest("file:///etc/passwd")).status().code(), Code::kInvalidArgument);
}

// Responses above max_response_bytes are cut off as kUnavailable.
TEST(CurlHttpClient, OversizedResponseRefused) {
  TinyServer server;
  CurlHttpClientOptions options;
  options.max_response_bytes = 1024;
  auto client = makeCurlHttpClient(options);
  auto r = client->send(getRequest(server.url("/big")));
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
}

// Sequential calls reuse one keep-alive connection.
TEST(CurlHttpClient, ReusesConnections) {
  TinyServer server;
  auto client = makeCurlHttpClient();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(client->send(getRequest(server.url("/ok"))).isOk());
  EXPECT_EQ(server.connections(), 1);
}

// Many threads can share one client.
TEST(CurlHttpClient, ThreadSafe) {
  TinyServer server;
  auto client = makeCurlHttpClient();
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        auto r = client->send(getRequest(server.url("/ok")));
        if (r.isOk() && r->body == "hello") ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, 60);
  EXPECT_LE(server.connections(), 6);
}

// The CA bundle honours SSL_CERT_FILE, then the well-known paths.
TEST(CurlHttpClient, CaBundleResolution) {
  EXPECT_EQ(resolveCaBundle("/explicit.pem"), "/explicit.pem");
  const char* old = std::getenv("SSL_CERT_FILE");
  std::string saved = old ? old : "";
  setenv("SSL_CERT_FILE", "/etc/hostname", 1);
  EXPECT_EQ(resolveCaBundle(""), "/etc/hostname");
  setenv("SSL_CERT_FILE", "/does/not/exist.pem", 1);
  std::string fallback = resolveCaBundle("");
  EXPECT_NE(fallback, "/does/not/exist.pem");
  if (old)
    setenv("SSL_CERT_FILE", saved.c_str(), 1);
  else
    unsetenv("SSL_CERT_FILE");
}

}  // namespace
}  // namespace barrier
