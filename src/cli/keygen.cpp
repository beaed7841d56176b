// `barrier keygen`
//
// Prints a new session signing key: 32 bytes from the OS random source,
// standard base64 (44 characters), on one line, ready for
// session.signing_keys. Nothing else is written, so
// `barrier keygen >> keys` and `$(barrier keygen)` work as they read.
#include <cstdio>

#include "adapters/system.h"
#include "cli/command.h"
#include "core/encoding.h"

namespace barrier::cli {
namespace {

// The size session.signing_keys asks for at least (an HMAC-SHA256 key as
// long as its output).
constexpr size_t kKeyBytes = 32;

CommandRegistrar reg(
    "keygen",
    [](CLI::App& app) {
      auto* cmd = app.add_subcommand(
          "keygen", "Print a new signing key (32 random bytes, base64) for session.signing_keys");
      cmd->callback([] {
        std::unique_ptr<Random> random = makeOsRandom();
        std::printf("%s\n", base64Encode(random->bytes(kKeyBytes)).c_str());
      });
    },
    85);

}  // namespace
}  // namespace barrier::cli
