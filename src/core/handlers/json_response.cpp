#include "core/handlers/json_response.h"

#include <string>

#include "core/oidc/json_util.h"

namespace barrier {

Response jsonResponse(int status, const nlohmann::json& body) {
  Response response;
  response.status = status;
  response.headers.add("Content-Type", "application/json");
  response.headers.add("Cache-Control", "no-store");
  response.headers.add("X-Content-Type-Options", "nosniff");
  response.body = json::dump(body);
  return response;
}

Response jsonError(int status, std::string_view message) {
  return jsonResponse(status, nlohmann::json{{"error", std::string(message)}});
}

}  // namespace barrier
