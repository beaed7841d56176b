// Builds the SessionStore a StoreConfig names. Every program (serve, lambda,
// sessions) goes through here, so a backend is added in one place.
#pragma once

#include <memory>

#include "core/config/config.h"
#include "core/ports/session_store.h"

namespace barrier {

// Opens (and, where needed, connects to) the configured store. Errors name
// the store and the field to fix ("store.path: cannot open /x/y.db: ...").
Result<std::unique_ptr<SessionStore>> makeStore(const StoreConfig& config);

}  // namespace barrier
