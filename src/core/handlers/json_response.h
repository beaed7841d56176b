// The one builder of JSON answers: the checker's refusals, /_identity/me,
// the gateway's forward-auth and request errors. The body is serialised by
// nlohmann, so a message is always escaped: a quote or a control character
// in an error text cannot break the document or forge a member.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "core/http/message.h"

namespace barrier {

// `status` with `body` serialised (invalid UTF-8 replaced, never fatal) and
// the headers every generated JSON answer carries: Content-Type
// application/json, Cache-Control no-store, X-Content-Type-Options nosniff.
Response jsonResponse(int status, const nlohmann::json& body);

// {"error":"<message>"} as jsonResponse.
Response jsonError(int status, std::string_view message);

}  // namespace barrier
