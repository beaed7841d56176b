// `barrier check-config --connect`: before the service starts, try what
// barrier serve will need from the world — the session store, the
// provider's discovery document and its key set (JWKS) — and say which one
// fails and why. Nothing is written: a ping is the only store call, and an
// SQLite file that does not exist yet is left for barrier serve to create
// (with its own owner and mode).
#pragma once

#include <string>
#include <vector>

#include "core/config/config.h"
#include "core/ports/clock.h"
#include "core/ports/http_client.h"

namespace barrier {

struct ConnectCheck {
  std::string name;  // "store", "discovery" or "jwks"
  bool ok = false;
  std::string detail;  // what answered, or why it failed (no secrets)
};

// Opens the configured store (store_factory.h) and pings it.
ConnectCheck checkStore(const StoreConfig& config);

// Two checks, "discovery" then "jwks". Discovery is fetched only where
// barrier serve fetches it (OIDC without all three endpoints configured);
// otherwise it passes, saying why it is not used. The key set is fetched
// from the resolved jwks_uri and must hold at least one RS256 signing key;
// it is not tried when the endpoints could not be resolved.
std::vector<ConnectCheck> checkProvider(const ProviderConfig& config, HttpClient& http,
                                        Clock& clock);

}  // namespace barrier
