// Which token claims a session keeps: only those an access condition or an
// identity header names, so the checker decides without the provider and a
// record stays small.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/config/config.h"
#include "core/session/record.h"

namespace barrier {

// At most this many bytes of kept claims per record (their stored form,
// record_claims.h); a sign-in with more is refused with a 403.
inline constexpr size_t kMaxRecordClaimBytes = 4096;

// Every claim name a condition (top-level allow, rules) or a header names,
// once each, in first-seen order.
std::vector<std::string> namedClaims(const Config& config);

// The claims of `payload` listed in `names`, as string values: a string
// claim gives one value (`scope` gives its space-separated scopes), an
// array of strings its items. Absent claims, objects, numbers, booleans and
// arrays holding anything but strings are not kept: they never match.
std::vector<RecordClaim> keepClaims(const nlohmann::json& payload,
                                    const std::vector<std::string>& names);

}  // namespace barrier
