#include "edge/edge_dynamodb.h"

#include <utility>

#include "core/aws/dynamodb_codec.h"

namespace barrier {

namespace {

using Json = nlohmann::json;

std::string stringField(const Json& obj, const char* name) {
  auto it = obj.find(name);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

Result<EdgeCredentials> parseEdgeCredentials(std::string_view text) {
  Json doc = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Status::invalid("credentials: expected a JSON object");
  }
  EdgeCredentials out;
  out.aws.access_key_id = stringField(doc, "accessKeyId");
  out.aws.secret_access_key = stringField(doc, "secretAccessKey");
  out.aws.session_token = stringField(doc, "sessionToken");
  out.aws.source = "environment";
  out.fallback_region = stringField(doc, "region");
  return out;
}

Result<Json> edgeGetItemFetch(const StoreConfig& store, const EdgeCredentials& creds,
                              std::string_view key, uint32_t ticket, int64_t now,
                              Crypto& crypto) {
  // Said here rather than left to the signer, so the 503's log line names
  // the cause an operator can fix.
  if (!creds.aws.complete()) {
    return Status::unauthenticated("no AWS credentials in the environment");
  }
  const std::string& region = store.region.empty() ? creds.fallback_region : store.region;
  Result<HttpClientRequest> request =
      buildGetItemRequest(store.table, key, region, store.endpoint, creds.aws, now, crypto);
  if (!request) return request.status();
  Json headers = Json::object();
  for (const auto& h : request->headers) headers[h.name] = h.value;
  return Json{{"method", request->method},
              {"url", request->url},
              {"headers", std::move(headers)},
              {"body", request->body},
              {"timeout_ms", kEdgeFetchTimeoutMs},
              {"ticket", ticket}};
}

Result<std::optional<SessionRecord>> parseEdgeFetchAnswer(std::string_view text) {
  Json doc = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Status::unavailable("dynamodb GetItem: unparsable answer from the host");
  }
  auto error = doc.find("error");
  if (error != doc.end()) {
    return Status::unavailable("dynamodb GetItem: " +
                               (error->is_string() ? error->get<std::string>() : "no answer"));
  }
  auto status = doc.find("status");
  if (status == doc.end() || !status->is_number_integer()) {
    return Status::unavailable("dynamodb GetItem: answer without a status");
  }
  auto body = doc.find("body");
  std::string_view text_body;
  if (body != doc.end() && body->is_string()) text_body = body->get_ref<const std::string&>();
  Result<std::optional<SessionRecord>> parsed =
      parseGetItemResponse(status->get<int>(), text_body);
  // A 200 whose body does not decode is as much a failure as a 500: the
  // record may exist, so "absent" (a redirect to login) would be a guess.
  if (!parsed) return Status::unavailable(parsed.status().message());
  return parsed;
}

}  // namespace barrier
