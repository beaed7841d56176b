// An in-memory SessionStore for tests and single-process demos.
// Thread-safe (one mutex); contents vanish with the process. With
// `purge_expired` (store.type memory in a running server), records that
// expired over an hour ago by the wall clock are dropped lazily, every 64th
// write; tests with a fixed clock leave it off.
#pragma once

#include <memory>

#include "core/ports/session_store.h"

namespace barrier {

std::unique_ptr<SessionStore> makeMemoryStore(bool purge_expired = false);

}  // namespace barrier
