// Contract checks every SessionStore backend runs against itself (each
// store's own test calls them with a real backend), so the rules in
// core/ports/session_store.h are tested once and hold for all.
#pragma once

#include "core/ports/session_store.h"

namespace barrier {

// touch(): sets last_seen of a session record and nothing else; a login
// record and an absent key are left alone (ok, and no record is created);
// a later touch wins. Uses keys "touch-s", "touch-l" and "touch-absent".
void expectTouchContract(SessionStore& store);

// removeProviderSession(): ends the sessions of a sid (and keeps its value
// through a write and a read), of that sub only when one is named; a
// login record, another sid and an empty sid are left alone; the index
// follows take and remove (a sid whose sessions are gone ends nothing).
// Uses keys starting "sid-".
void expectRemoveProviderSessionContract(SessionStore& store);

// A session record of `sub` under `key`, created now and valid for an hour
// (for stores on real servers, whose housekeeping expiry uses real time).
SessionRecord liveSession(const std::string& key, const std::string& sub);

}  // namespace barrier
