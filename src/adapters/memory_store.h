// An in-memory SessionStore for tests and single-process demos.
// Thread-safe (one mutex); contents vanish with the process.
#pragma once

#include <memory>

#include "core/ports/session_store.h"

namespace barrier {

std::unique_ptr<SessionStore> makeMemoryStore();

}  // namespace barrier
