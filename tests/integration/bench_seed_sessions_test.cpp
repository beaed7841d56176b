// bench/seed_sessions.cpp (bench/run.sh --sessions N): every cookie it
// prints names a live session record in the configured store, readable
// through the project's own store and codec, so the bench's cached
// sessions are real ones.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "adapters/store_factory.h"
#include "adapters/system.h"
#include "adapters/yaml_config.h"
#include "core/session/session_id.h"

namespace barrier::testing {
namespace {

namespace fs = std::filesystem;

TEST(BenchSeedSessionsTest, EveryCookieNamesALiveSessionInTheStore) {
  fs::path dir = fs::temp_directory_path() / ("barrier-bench-seed-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  fs::path config_path = dir / "barrier.yaml";
  std::ofstream(config_path)
      << "site_url: https://www.example.com\n"
         "session:\n  signing_keys: [\"c2lnbmluZy1rZXktZm9yLWJlbmNoLXNlZWQtc2Vzc2lvbnM=\"]\n"
         "provider:\n  type: oidc\n  issuer: https://idp.example.com\n"
         "  client_id: web\n  client_secret: secret\n"
         "store:\n  type: sqlite\n  path: sessions.db\n";
  fs::path cookies_path = dir / "cookies.txt";
  constexpr size_t kSessions = 25;
  std::string command = std::string(BARRIER_BENCH_SEED_SESSIONS) + " -c " + config_path.string() +
                        " --sessions " + std::to_string(kSessions) + " --cookies " +
                        cookies_path.string();
  ASSERT_EQ(std::system(command.c_str()), 0) << command;

  // The cookie values are bearer credentials: only their owner reads them.
  struct stat st {};
  ASSERT_EQ(::stat(cookies_path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  Result<ValidConfig> config = loadConfigFile(config_path.string());
  ASSERT_TRUE(config.isOk()) << config.status().toString();
  auto store = makeStore(config->store);
  ASSERT_TRUE(store.isOk()) << store.status().toString();
  auto crypto = makeOpenSslCrypto();
  IdCodec codec(*crypto, config->session.signing_keys);
  int64_t now = static_cast<int64_t>(std::time(nullptr));

  std::ifstream cookies(cookies_path);
  std::set<std::string> keys, subs;
  for (std::string line; std::getline(cookies, line);) {
    std::optional<std::string> key = codec.verifiedStoreKey(line);
    ASSERT_TRUE(key.has_value()) << "a cookie value that does not verify";
    auto record = (*store)->get(*key);
    ASSERT_TRUE(record.isOk()) << record.status().toString();
    ASSERT_TRUE(record->has_value()) << "no record under a seeded cookie's key";
    EXPECT_TRUE((*record)->isLiveSession(now));
    EXPECT_GE((*record)->valid_until, now + config->session.lifetime - 60);
    EXPECT_FALSE((*record)->sub.empty());
    EXPECT_FALSE((*record)->email.empty());
    keys.insert(*key);
    subs.insert((*record)->sub);
  }
  EXPECT_EQ(keys.size(), kSessions);
  EXPECT_EQ(subs.size(), kSessions);
  auto listed = (*store)->list(2 * kSessions);
  ASSERT_TRUE(listed.isOk()) << listed.status().toString();
  EXPECT_EQ(listed->size(), kSessions);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace barrier::testing
