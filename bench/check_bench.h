// The set-up the bench programs that count (check_allocations.cpp,
// session_cache_bytes.cpp) share: the gateway's own Checker and
// LockedSessionCache over a memory store, as `barrier serve` builds them,
// and seeded sessions (bench/seeded_session.h) to check.
#pragma once

#include <cstdio>
#include <memory>
#include <string>

#include "adapters/locked_session_cache.h"
#include "adapters/memory_store.h"
#include "adapters/system.h"
#include "adapters/yaml_config.h"
#include "bench/seeded_session.h"
#include "core/handlers/check.h"

namespace barrier::bench {

// Prints "<program>: <why>" to stderr; returns 1 (main's failure).
inline int fail(const char* program, const std::string& why) {
  std::fprintf(stderr, "%s: %s\n", program, why.c_str());
  return 1;
}

// Members in the order they are made; each refers only to those before it.
class CheckBench {
 public:
  // A config for www.example.com with a memory store, then `extra_yaml`
  // (whole lines, e.g. a `cache:` section); the checker takes `memo` when
  // given. Nullptr, with `error` set, when the config is refused.
  static std::unique_ptr<CheckBench> make(const std::string& extra_yaml, std::string& error,
                                          VerifiedIdMemo* memo = nullptr) {
    Result<ValidConfig> config = loadConfigText(
        "site_url: https://www.example.com\n"
        "session:\n  signing_keys: [\"Y2hlY2stYmVuY2gtc2lnbmluZy1rZXktMzItYnl0ZXMh\"]\n"
        "provider: { type: oidc, issuer: https://idp.example.com, client_id: web, "
        "client_secret: s }\n"
        "store: { type: memory }\n" +
            extra_yaml,
        "bench");
    if (!config.isOk()) {
      error = config.status().toString();
      return nullptr;
    }
    return std::unique_ptr<CheckBench>(new CheckBench(std::move(*config), memo));
  }

  // Puts the n-th seeded session in the store under a fresh id; its cookie
  // ("<name>=<value>") in `cookie`.
  Status seed(long n, std::string& cookie) {
    Result<IssuedId> issued = codec.issue(*random);
    if (!issued.isOk()) return issued.status();
    Status put = store->putNew(seededSession(*issued, n, clock->now(), config.session.lifetime));
    if (!put) return put;
    cookie = config.session.cookie_name + "=" + issued->cookie_value;
    return Status::ok();
  }

  const ValidConfig config;
  const std::unique_ptr<Crypto> crypto = makeOpenSslCrypto();
  const std::unique_ptr<Random> random = makeOsRandom();
  const std::unique_ptr<Clock> clock = makeSystemClock();
  const std::unique_ptr<Log> log = makeStderrLog(LogLevel::kWarn);
  const IdCodec codec{*crypto, config.session.signing_keys};
  const std::unique_ptr<SessionStore> store = makeMemoryStore();
  const std::unique_ptr<SessionCache> cache = makeLockedSessionCache(*clock, config.cache);
  Checker checker;

 private:
  CheckBench(ValidConfig config_in, VerifiedIdMemo* memo)
      : config(std::move(config_in)), checker(config, *crypto, *clock, *cache, *log, memo) {}
};

}  // namespace barrier::bench
