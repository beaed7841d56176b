// `barrier serve` reloads its configuration on SIGHUP without a restart: a
// valid file's keys and rules apply to new requests within a second, an
// invalid one changes nothing (logged with check-config's message and
// counted), a changed metrics address is re-bound, and requests under load
// see no failure across reloads.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "adapters/store_factory.h"
#include "adapters/system.h"
#include "core/encoding.h"
#include "core/session/session_id.h"
#include "support/serve_program.h"

namespace barrier::testing {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

const std::string kKeyA(44, 'A');
const std::string kKeyB(44, 'B');
const std::string kKeyC(44, 'C');

// What a configuration file says, beyond what every test shares.
struct Settings {
  Settings() = default;
  Settings(std::vector<std::string> keys, std::string groups)
      : signing_keys(std::move(keys)), page_groups(std::move(groups)) {}

  std::vector<std::string> signing_keys = {kKeyA};
  std::string page_groups;    // non-empty: a rule makes /page need this group
  uint16_t metrics_port = 0;  // 0: the test's metrics_port_
  bool upstream = true;       // the /up origin (the fake upstream)
};

// Polls `done` every 20 ms until it holds or `limit` has passed.
bool pollUntil(std::chrono::milliseconds limit, const std::function<bool()>& done) {
  auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

size_t countOf(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

class ServeReloadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = makeTempDir("barrier-serve-reload-");
    ASSERT_FALSE(dir_.empty());
    fs::create_directories(fs::path(dir_) / "site");
    std::ofstream(fs::path(dir_) / "site" / "page") << "page\n";
    std::ofstream(fs::path(dir_) / "site" / "other") << "other\n";
    // server.metrics_listen takes no port 0: one that was free a moment ago.
    metrics_port_ = freePort();
    upstream_ = std::make_unique<FakeUpstream>(
        [](const SeenRequest&) { return FakeUpstream::ok("from upstream"); });
  }
  void TearDown() override {
    serve_.reset();
    upstream_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::string configPath() const { return dir_ + "/barrier.yaml"; }

  void writeConfig(const Settings& settings) {
    std::string keys;
    for (const std::string& key : settings.signing_keys) {
      keys += (keys.empty() ? "\"" : ", \"") + key + "\"";
    }
    std::string rules = "rules:\n  - path: /admin/*\n    groups: [admins]\n";
    if (!settings.page_groups.empty()) {
      rules += "  - path: /page\n    groups: [" + settings.page_groups + "]\n";
    }
    std::ofstream(configPath()) << "site_url: http://127.0.0.1\n"
                                   "provider:\n"
                                   "  type: oidc\n"
                                   "  issuer: http://127.0.0.1:9\n"
                                   "  client_id: barrier\n"
                                   "session:\n"
                                   "  signing_keys: [" +
                                       keys +
                                       "]\n"
                                       "store:\n"
                                       "  type: sqlite\n"
                                       "  path: " +
                                       dir_ + "/sessions.db\n" + rules +
                                       "server:\n"
                                       "  threads: 2\n"
                                       "  metrics_listen: \"127.0.0.1:" +
                                       std::to_string(settings.metrics_port ? settings.metrics_port
                                                                            : metrics_port_) +
                                       "\"\n"
                                       "  origins:\n"
                                       "    - prefix: /\n"
                                       "      static: site\n" +
                                       (settings.upstream ? "    - prefix: /up\n"
                                                            "      upstream: " +
                                                                upstream_->url() + "\n"
                                                          : std::string());
  }

  void start(const Settings& settings) {
    writeConfig(settings);
    serve_ = std::make_unique<ServeProgram>(configPath(), dir_);
    ASSERT_TRUE(serve_->ok()) << serve_->error();
    port_ = serve_->port();
  }

  void reload() { ASSERT_EQ(::kill(serve_->process().pid(), SIGHUP), 0); }

  // A session in the store the server reads, for a user in `groups`, and
  // the Cookie header line for it, signed with the first of `keys` (as
  // they are written in the file).
  std::string signIn(const std::vector<std::string>& keys, std::vector<std::string> groups) {
    std::unique_ptr<Crypto> crypto = makeOpenSslCrypto();
    std::unique_ptr<Random> random = makeOsRandom();
    std::unique_ptr<barrier::Clock> clock = makeSystemClock();
    StoreConfig config;
    config.type = StoreConfig::Type::kSqlite;
    config.path = dir_ + "/sessions.db";
    auto store = makeStore(config);
    EXPECT_TRUE(store.isOk()) << store.status().message();
    if (!store.isOk()) return "";
    std::vector<std::string> raw_keys;
    for (const std::string& key : keys) {
      std::string raw;
      EXPECT_TRUE(base64Decode(key, raw));
      raw_keys.push_back(raw);
    }
    IdCodec codec(*crypto, raw_keys);
    auto issued = codec.issue(*random);
    SessionRecord record;
    record.key = issued->store_key;
    record.kind = RecordKind::kSession;
    record.created_at = clock->now();
    record.valid_until = clock->now() + 3600;
    record.sub = "alice-sub";
    record.username = "alice";
    record.groups = std::move(groups);
    EXPECT_TRUE(store.value()->putNew(record).isOk());
    return "Cookie: barrier=" + issued->cookie_value + "\r\n";
  }

  int status(const std::string& path, const std::string& cookie) {
    return httpGet(port_, path, cookie).status;
  }

  std::string metrics() { return httpGet(metrics_port_, "/_identity/metrics").body; }

  std::string dir_;
  std::unique_ptr<FakeUpstream> upstream_;
  std::unique_ptr<ServeProgram> serve_;
  uint16_t port_ = 0;
  uint16_t metrics_port_ = 0;
};

// A rule change and a key rotation (new key first, old one second): the
// new rule answers 403 within 1 s of SIGHUP, the old key's cookie still
// passes, and a cookie of the new key, refused before, passes.
TEST_F(ServeReloadTest, RuleChangeAndKeyRotationApplyWithinOneSecond) {
  ASSERT_NO_FATAL_FAILURE(start(Settings{}));
  std::string old_key_cookie = signIn({kKeyA}, {"staff"});
  std::string new_key_cookie = signIn({kKeyB}, {"staff"});
  ASSERT_EQ(status("/page", old_key_cookie), 200);
  ASSERT_NE(status("/other", new_key_cookie), 200);

  writeConfig(Settings{{kKeyB, kKeyA}, "admins"});
  reload();
  EXPECT_TRUE(pollUntil(std::chrono::seconds(1), [&] {
    return status("/page", old_key_cookie) == 403;
  })) << serve_->log();
  EXPECT_EQ(status("/other", old_key_cookie), 200);
  EXPECT_EQ(status("/other", new_key_cookie), 200);
  EXPECT_EQ(status("/page", new_key_cookie), 403);
  EXPECT_NE(metrics().find("barrier_config_reloads_total{result=\"ok\"} 1\n"), std::string::npos)
      << metrics();
}

// An invalid file changes nothing: the old rules and keys stay, the log
// line carries the message check-config prints for that file, and the
// failed reload is counted.
TEST_F(ServeReloadTest, InvalidFileKeepsTheRunningConfiguration) {
  ASSERT_NO_FATAL_FAILURE(start(Settings{}));
  std::string old_key_cookie = signIn({kKeyA}, {"staff"});
  std::string new_key_cookie = signIn({kKeyB}, {"staff"});
  ASSERT_EQ(status("/page", old_key_cookie), 200);

  // Valid but for the session lifetime; applied, it would refuse /page and
  // the old key.
  writeConfig(Settings{{kKeyB}, "admins"});
  std::string text = replaceAll(readFile(configPath()), "session:\n", "session:\n  lifetime: 5\n");
  std::ofstream(configPath()) << text;
  std::string check_out = dir_ + "/check.out", check_err = dir_ + "/check.err";
  ChildProcess check({BARRIER_BINARY, "check-config", "-c", configPath()}, check_out, check_err);
  ASSERT_EQ(check.waitExit(20000), 2) << readFile(check_err);
  std::string expected = readFile(check_err);
  ASSERT_EQ(expected.rfind("barrier: ", 0), 0u) << expected;
  expected = expected.substr(9, expected.find('\n') - 9);
  EXPECT_NE(expected.find("session.lifetime"), std::string::npos) << expected;

  reload();
  ASSERT_TRUE(waitForFile(
      serve_->stderrPath(),
      [](const std::string& log) { return log.find("config.reload_failed") != std::string::npos; },
      10000))
      << serve_->log();
  std::istringstream lines(serve_->log());
  std::string logged;
  for (std::string line; std::getline(lines, line);) {
    auto json = nlohmann::json::parse(line, nullptr, false);
    if (!json.is_discarded() && json.value("event", "") == "config.reload_failed") {
      logged = json.value("error", "");
    }
  }
  EXPECT_EQ(logged, expected);
  EXPECT_EQ(status("/page", old_key_cookie), 200);
  EXPECT_NE(status("/other", new_key_cookie), 200);
  std::string page = metrics();
  EXPECT_NE(page.find("barrier_config_reloads_total{result=\"failed\"} 1\n"), std::string::npos)
      << page;
  EXPECT_NE(page.find("barrier_config_reloads_total{result=\"ok\"} 0\n"), std::string::npos)
      << page;
}

// A changed server.metrics_listen is bound anew and the old address closed.
TEST_F(ServeReloadTest, ChangedMetricsAddressIsRebound) {
  ASSERT_NO_FATAL_FAILURE(start(Settings{}));
  uint16_t old_port = metrics_port_;
  ASSERT_EQ(httpGet(old_port, "/_identity/metrics").status, 200);

  Settings moved;
  moved.metrics_port = freePort();
  writeConfig(moved);
  reload();
  EXPECT_TRUE(pollUntil(std::chrono::seconds(10), [&] {
    return httpGet(moved.metrics_port, "/_identity/metrics").status == 200;
  })) << serve_->log();
  EXPECT_TRUE(pollUntil(std::chrono::seconds(10), [&] {
    return !HttpConnection("127.0.0.1", old_port, 1000).connected();
  })) << serve_->log();
  EXPECT_EQ(status("/other", signIn({kKeyA}, {})), 200);
}

// A request in flight when the reload comes finishes under the old
// configuration, even one whose origin the new file removes.
TEST_F(ServeReloadTest, RequestInFlightFinishesUnderTheOldConfiguration) {
  ASSERT_NO_FATAL_FAILURE(start(Settings{}));
  std::string cookie = signIn({kKeyA}, {"staff"});
  upstream_->setDelay(std::chrono::milliseconds(1000));
  auto pending = std::async(std::launch::async, [&] { return httpGet(port_, "/up/x", cookie); });
  ASSERT_TRUE(pollUntil(std::chrono::seconds(10), [&] { return !upstream_->seen().empty(); }));

  Settings without_upstream;
  without_upstream.upstream = false;
  writeConfig(without_upstream);
  reload();
  ASSERT_TRUE(pollUntil(std::chrono::seconds(10), [&] {
    return serve_->log().find("\"config.reloaded\"") != std::string::npos;
  })) << serve_->log();
  // The new configuration serves /up/x from the static folder: no such file.
  EXPECT_EQ(status("/up/x", cookie), 404);
  HttpReply reply = pending.get();
  EXPECT_EQ(reply.status, 200) << reply.error;
  EXPECT_EQ(reply.body, "from upstream");
}

// Keep-alive clients that hammer a static file and the upstream while the
// configuration is reloaded three times (keys rotated, rules changed).
class LoadClients {
 public:
  LoadClients(uint16_t port, std::string cookie, int count) {
    for (int i = 0; i < count; ++i) {
      threads_.emplace_back([this, port, cookie, i] { run(port, cookie, i); });
    }
  }
  ~LoadClients() { stop(); }

  void stop() {
    stop_ = true;
    for (std::thread& thread : threads_) {
      if (thread.joinable()) thread.join();
    }
  }
  int64_t done() const { return done_.load(); }
  int64_t failed() const { return failed_.load(); }
  std::string firstFailure() {
    std::lock_guard<std::mutex> lock(mu_);
    return first_failure_;
  }

 private:
  void run(uint16_t port, const std::string& cookie, int index) {
    const std::string path = index % 2 == 0 ? "/other" : "/up/x";
    auto connection = std::make_unique<HttpConnection>("127.0.0.1", port);
    while (!stop_) {
      HttpReply reply = connection->exchange(rawRequest("GET", path, cookie));
      ++done_;
      if (reply.status == 200) continue;
      ++failed_;
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (first_failure_.empty()) {
          first_failure_ = path + ": " + std::to_string(reply.status) + " " + reply.error;
        }
      }
      connection = std::make_unique<HttpConnection>("127.0.0.1", port);
    }
  }

  std::atomic<bool> stop_{false};
  std::atomic<int64_t> done_{0};
  std::atomic<int64_t> failed_{0};
  std::mutex mu_;  // the test's own client threads
  std::string first_failure_;
  std::vector<std::thread> threads_;
};

// Three reloads under load: not one request fails.
TEST_F(ServeReloadTest, ReloadsUnderLoadFailNoRequest) {
  ASSERT_NO_FATAL_FAILURE(start(Settings{}));
  std::string cookie = signIn({kKeyA}, {"staff"});
  LoadClients clients(port_, cookie, 8);
  const std::vector<Settings> reloads = {
      {{kKeyB, kKeyA}, "admins"}, {{kKeyC, kKeyB, kKeyA}, ""}, {{kKeyA, kKeyC}, "staff"}};
  for (size_t i = 0; i < reloads.size(); ++i) {
    writeConfig(reloads[i]);
    reload();
    ASSERT_TRUE(pollUntil(std::chrono::seconds(10), [&] {
      return countOf(serve_->log(), "\"config.reloaded\"") == i + 1;
    })) << serve_->log();
    // Requests both before and after each reload.
    int64_t after = clients.done() + 200;
    ASSERT_TRUE(pollUntil(std::chrono::seconds(20), [&] { return clients.done() >= after; }));
  }
  clients.stop();
  EXPECT_EQ(clients.failed(), 0) << clients.firstFailure();
  EXPECT_GT(clients.done(), 600);
  EXPECT_EQ(countOf(serve_->log(), "config.reload_failed"), 0u) << serve_->log();
  std::cout << "requests under load: " << clients.done() << "\n";
}

}  // namespace
}  // namespace barrier::testing
