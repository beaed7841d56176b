// Native implementations of the core's small ports: the system clock, the
// OS random source, OpenSSL crypto, and a JSON-lines log on stderr.
// All are thread-safe.
#pragma once

#include <memory>

#include "core/ports/clock.h"
#include "core/ports/crypto.h"
#include "core/ports/log.h"
#include "core/ports/random.h"

namespace barrier {

std::unique_ptr<Clock> makeSystemClock();
// getrandom(2) / OpenSSL RAND_bytes; aborts if the OS cannot supply entropy
// (there is no safe fallback for session ids).
std::unique_ptr<Random> makeOsRandom();
std::unique_ptr<Crypto> makeOpenSslCrypto();
// One JSON object per line on stderr: {"time":...,"level":...,"event":...,...}
std::unique_ptr<Log> makeStderrLog(LogLevel min_level);

}  // namespace barrier
