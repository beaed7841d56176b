// libFuzzer target: Lambda HTTP events (API Gateway 1.0/2.0, function URLs)
// are untrusted JSON. Parsing must never crash; whatever parses must render
// back into a response document without throwing; and a decoded event,
// written back as an event of its own format, decodes to the same request
// (method, stage-free path, query, headers in order, body, source address).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/encoding.h"
#include "core/http/query.h"
#include "lambda/events.h"

namespace {

using Json = nlohmann::ordered_json;

// The path as the front end would send it: the stage prefix put back.
std::string pathWithStage(const barrier::HttpEvent& event) {
  if (event.stage.empty() || event.stage == "$default") return event.request.path;
  return "/" + event.stage + event.request.path;
}

// {"name": [values]} with names in first-seen order, exact spelling kept.
template <class Pairs>
Json groupByName(const Pairs& pairs) {
  Json map = Json::object();
  for (const auto& [name, value] : pairs) {
    if (!map.contains(name)) map[name] = Json::array();
    map[name].push_back(value);
  }
  return map;
}

Json encodeV1(const barrier::HttpEvent& event) {
  const barrier::Request& r = event.request;
  std::vector<std::pair<std::string, std::string>> headers;
  for (const auto& h : r.headers) headers.emplace_back(h.name, h.value);
  return Json{
      {"version", "1.0"},
      {"httpMethod", r.method},
      {"path", pathWithStage(event)},
      {"requestContext", {{"stage", event.stage}, {"identity", {{"sourceIp", r.remote_addr}}}}},
      {"multiValueHeaders", groupByName(headers)},
      {"multiValueQueryStringParameters", groupByName(barrier::parseQuery(r.query))},
      {"body", barrier::base64Encode(r.body)},
      {"isBase64Encoded", true},
  };
}

Json encodeV2(const barrier::HttpEvent& event) {
  const barrier::Request& r = event.request;
  Json headers = Json::object();
  for (const auto& h : r.headers) headers[h.name] = h.value;
  return Json{
      {"version", "2.0"},
      {"rawPath", pathWithStage(event)},
      {"rawQueryString", r.query},
      {"headers", std::move(headers)},
      {"requestContext",
       {{"stage", event.stage}, {"http", {{"method", r.method}, {"sourceIp", r.remote_addr}}}}},
      {"body", barrier::base64Encode(r.body)},
      {"isBase64Encoded", true},
  };
}

bool sameHeaders(const barrier::Headers& a, const barrier::Headers& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a.items()[i].name != b.items()[i].name || a.items()[i].value != b.items()[i].value) {
      return false;
    }
  }
  return true;
}

bool sameEvent(const barrier::HttpEvent& a, const barrier::HttpEvent& b) {
  const barrier::Request& x = a.request;
  const barrier::Request& y = b.request;
  return a.format == b.format && a.stage == b.stage && x.method == y.method && x.path == y.path &&
         x.query == y.query && sameHeaders(x.headers, y.headers) && x.body == y.body &&
         x.remote_addr == y.remote_addr;
}

void checkReencodes(const barrier::HttpEvent& event) {
  Json encoded = event.format == barrier::EventFormat::kHttpV2 ? encodeV2(event) : encodeV1(event);
  auto again =
      barrier::parseHttpEvent(encoded.dump(-1, ' ', false, Json::error_handler_t::replace));
  if (!again.isOk() || !sameEvent(event, *again)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto event = barrier::parseHttpEvent(text);
  if (!event.isOk()) return 0;
  checkReencodes(*event);
  barrier::Response response;
  response.status = 200;
  // Echo untrusted parts back: the renderer must cope with any bytes.
  response.headers = event->request.headers;
  response.body = event->request.body;
  (void)barrier::renderHttpResponse(response, event->format);
  return 0;
}
