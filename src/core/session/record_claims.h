// The stored form of SessionRecord::claims, shared by every store: a JSON
// object {"name": ["value", ...], ...}, "" for none.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/session/record.h"

namespace barrier {

std::string encodeRecordClaims(const std::vector<RecordClaim>& claims);

// false (and `out` untouched) when `text` is neither "" nor an object of
// string lists: a record that does not read is never a session.
bool decodeRecordClaims(std::string_view text, std::vector<RecordClaim>& out);

}  // namespace barrier
