// barrier_bench_seed_sessions: writes N signed-in sessions straight into the
// store a barrier configuration names, for bench/run.sh --sessions N.
//
//   barrier_bench_seed_sessions -c barrier.yaml --sessions N --cookies FILE
//
// Each session is a fresh id issued and signed by the configuration's first
// signing key and a `session` record under its store key (bench/seeded_session.h),
// valid for session.lifetime. The store, the codec and the record are the
// project's own code (adapters/store_factory, core/session/session_id), so
// a change to either is what the bench measures.
//
// FILE gets one cookie value per line, created with mode 0600: they are
// live bearer credentials for as long as the sessions last. Nothing else
// prints them.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "adapters/store_factory.h"
#include "adapters/system.h"
#include "adapters/yaml_config.h"
#include "bench/seeded_session.h"

namespace barrier {
namespace {

struct Flags {
  std::string config_path;
  std::string cookies_path;
  long sessions = -1;
};

int usage(const char* why) {
  std::fprintf(stderr,
               "seed_sessions: %s\n"
               "usage: barrier_bench_seed_sessions -c barrier.yaml --sessions N --cookies FILE\n",
               why);
  return 2;
}

bool parseFlags(int argc, char** argv, Flags& flags) {
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string_view name = argv[i];
    if (name == "-c" || name == "--config") {
      flags.config_path = argv[i + 1];
    } else if (name == "--cookies") {
      flags.cookies_path = argv[i + 1];
    } else if (name == "--sessions") {
      char* end = nullptr;
      flags.sessions = std::strtol(argv[i + 1], &end, 10);
      if (end == argv[i + 1] || *end != '\0') return false;
    } else {
      return false;
    }
  }
  return argc % 2 == 1 && !flags.config_path.empty() && !flags.cookies_path.empty() &&
         flags.sessions >= 0;
}

int seed(const Flags& flags) {
  Result<ValidConfig> config = loadConfigFile(flags.config_path);
  if (!config.isOk()) return usage(config.status().message().c_str());
  auto store = makeStore(config->store);
  if (!store.isOk()) return usage(store.status().message().c_str());
  auto crypto = makeOpenSslCrypto();
  auto random = makeOsRandom();
  auto clock = makeSystemClock();
  IdCodec codec(*crypto, config->session.signing_keys);

  int fd = ::open(flags.cookies_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  FILE* cookies = fd < 0 ? nullptr : ::fdopen(fd, "w");
  if (cookies == nullptr) return usage(("cannot write " + flags.cookies_path).c_str());
  int64_t now = clock->now();
  for (long n = 0; n < flags.sessions; ++n) {
    Result<IssuedId> issued = codec.issue(*random);
    if (!issued.isOk()) return usage(issued.status().message().c_str());
    Status s = (*store)->putNew(bench::seededSession(*issued, n, now, config->session.lifetime));
    if (!s) return usage(s.toString().c_str());
    std::fprintf(cookies, "%s\n", issued->cookie_value.c_str());
  }
  if (std::fclose(cookies) != 0) return usage(("cannot write " + flags.cookies_path).c_str());
  std::fprintf(stderr, "seed_sessions: %ld sessions written\n", flags.sessions);
  return 0;
}

}  // namespace
}  // namespace barrier

int main(int argc, char** argv) {
  barrier::Flags flags;
  if (!barrier::parseFlags(argc, argv, flags)) return barrier::usage("bad arguments");
  return barrier::seed(flags);
}
