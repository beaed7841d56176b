#include "lambda/events.h"

#include <algorithm>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <vector>

#include "core/encoding.h"
#include "core/http/percent.h"
#include "core/http/query.h"

namespace barrier {

namespace {

// ordered_json keeps the document's order: query parameters and headers are
// re-emitted in the order the client sent them, as far as the event kept it.
using Json = nlohmann::ordered_json;

bool isHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// RFC 3986 pchar minus pct-encoded, plus '/'.
bool isPathChar(unsigned char c) {
  if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '-':
    case '.':
    case '_':
    case '~':  // unreserved
    case '!':
    case '$':
    case '&':
    case '\'':
    case '(':
    case ')':
    case '*':
    case '+':  // sub-delims
    case ',':
    case ';':
    case '=':
    case ':':
    case '@':
    case '/':
      return true;
    default:
      return false;
  }
}

// REST APIs hand over a decoded path, HTTP APIs the raw one. Characters that
// cannot appear in a path are encoded; an existing %XX escape is kept, a
// stray '%' becomes %25. Either way the result is a valid percent-encoded
// path that the handlers decode exactly once.
std::string encodePath(std::string_view path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(path.size());
  for (size_t i = 0; i < path.size(); ++i) {
    auto c = static_cast<unsigned char>(path[i]);
    bool escape_ok = c == '%' && i + 2 < path.size() && isHex(path[i + 1]) && isHex(path[i + 2]);
    if (isPathChar(c) || escape_ok) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

// A method is an HTTP token; anything else cannot have come from API Gateway.
bool isMethod(const std::string& method) {
  if (method.empty() || method.size() > 16) return false;
  for (char c : method) {
    if (!(c >= 'A' && c <= 'Z') && !(c >= 'a' && c <= 'z')) return false;
  }
  return true;
}

// Field access that never throws: absent and null are both "not there".
const Json* member(const Json& object, const char* name) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

Status optionalString(const Json& object, const char* name, const char* where, std::string& out) {
  const Json* value = member(object, name);
  if (!value) return Status::ok();
  if (!value->is_string()) return Status::invalid(std::string(where) + " must be a string");
  out = value->get<std::string>();
  return Status::ok();
}

Status requiredString(const Json& object, const char* name, const char* where, std::string& out) {
  if (!member(object, name)) return Status::invalid(std::string(where) + " is missing");
  return optionalString(object, name, where, out);
}

// {"name": "v"} — headers (1.0 and 2.0), or null.
Status addSingleValueHeaders(const Json& event, Headers& headers) {
  const Json* map = member(event, "headers");
  if (!map) return Status::ok();
  if (!map->is_object()) return Status::invalid("event.headers must be an object");
  for (const auto& [name, value] : map->items()) {
    if (!value.is_string()) return Status::invalid("event.headers." + name + " must be a string");
    headers.add(name, value.get<std::string>());
  }
  return Status::ok();
}

// {"name": ["v1", "v2"]} — multiValueHeaders (1.0), preferred when present
// because `headers` keeps only the last of repeated headers.
Status addMultiValueHeaders(const Json& map, Headers& headers) {
  if (!map.is_object()) return Status::invalid("event.multiValueHeaders must be an object");
  for (const auto& [name, values] : map.items()) {
    if (values.is_null()) continue;
    if (!values.is_array()) {
      return Status::invalid("event.multiValueHeaders." + name + " must be an array");
    }
    for (const auto& value : values) {
      if (!value.is_string()) {
        return Status::invalid("event.multiValueHeaders." + name + " must hold strings");
      }
      headers.add(name, value.get<std::string>());
    }
  }
  return Status::ok();
}

// 1.0 query maps hold decoded values; they are encoded again here so the
// handlers parse one query syntax whatever the front end.
Status encodeQueryMaps(const Json& event, std::string& query) {
  QueryParams params;
  if (const Json* multi = member(event, "multiValueQueryStringParameters")) {
    if (!multi->is_object()) {
      return Status::invalid("event.multiValueQueryStringParameters must be an object");
    }
    for (const auto& [name, values] : multi->items()) {
      if (!values.is_array()) {
        return Status::invalid("event.multiValueQueryStringParameters." + name +
                               " must be an array");
      }
      for (const auto& value : values) {
        if (!value.is_string()) {
          return Status::invalid("event.multiValueQueryStringParameters." + name +
                                 " must hold strings");
        }
        params.emplace_back(name, value.get<std::string>());
      }
    }
  } else if (const Json* single = member(event, "queryStringParameters")) {
    if (!single->is_object()) {
      return Status::invalid("event.queryStringParameters must be an object");
    }
    for (const auto& [name, value] : single->items()) {
      if (!value.is_string()) {
        return Status::invalid("event.queryStringParameters." + name + " must be a string");
      }
      params.emplace_back(name, value.get<std::string>());
    }
  }
  query = encodeQuery(params);
  return Status::ok();
}

Status readBody(const Json& event, std::string& body) {
  std::string text;
  if (Status s = optionalString(event, "body", "event.body", text); !s) return s;
  bool base64 = false;
  if (const Json* flag = member(event, "isBase64Encoded")) {
    if (!flag->is_boolean()) return Status::invalid("event.isBase64Encoded must be a boolean");
    base64 = flag->get<bool>();
  }
  if (!base64) {
    body = std::move(text);
    return Status::ok();
  }
  if (!base64Decode(text, body)) return Status::invalid("event.body is not valid base64");
  return Status::ok();
}

Status parseV1(const Json& event, HttpEvent& out) {
  Request& request = out.request;
  if (Status s = requiredString(event, "httpMethod", "event.httpMethod", request.method); !s) {
    return s;
  }
  std::string path;
  if (Status s = requiredString(event, "path", "event.path", path); !s) return s;
  if (const Json* context = member(event, "requestContext")) {
    if (!context->is_object()) return Status::invalid("event.requestContext must be an object");
    if (Status s = optionalString(*context, "stage", "event.requestContext.stage", out.stage); !s) {
      return s;
    }
    if (const Json* identity = member(*context, "identity"); identity && identity->is_object()) {
      (void)optionalString(*identity, "sourceIp", "sourceIp", request.remote_addr);
    }
  }
  // `path` omits the stage on the execute-api host but a custom domain's
  // base path can put it back; strip it whenever it is there.
  request.path = encodePath(stripStagePrefix(path, out.stage));
  if (const Json* multi = member(event, "multiValueHeaders")) {
    if (Status s = addMultiValueHeaders(*multi, request.headers); !s) return s;
  } else if (Status s = addSingleValueHeaders(event, request.headers); !s) {
    return s;
  }
  if (Status s = encodeQueryMaps(event, request.query); !s) return s;
  return readBody(event, request.body);
}

Status parseV2(const Json& event, HttpEvent& out) {
  Request& request = out.request;
  const Json* context = member(event, "requestContext");
  if (!context || !context->is_object()) {
    return Status::invalid("event.requestContext must be an object");
  }
  const Json* http = member(*context, "http");
  if (!http || !http->is_object()) {
    return Status::invalid("event.requestContext.http must be an object");
  }
  if (Status s =
          requiredString(*http, "method", "event.requestContext.http.method", request.method);
      !s) {
    return s;
  }
  (void)optionalString(*http, "sourceIp", "sourceIp", request.remote_addr);
  if (Status s = optionalString(*context, "stage", "event.requestContext.stage", out.stage); !s) {
    return s;
  }
  std::string path;
  if (Status s = requiredString(event, "rawPath", "event.rawPath", path); !s) return s;
  // rawPath keeps a named stage ("/prod/_identity/login"); $default has none.
  request.path = encodePath(stripStagePrefix(path, out.stage));
  if (Status s = optionalString(event, "rawQueryString", "event.rawQueryString", request.query);
      !s) {
    return s;
  }
  if (Status s = addSingleValueHeaders(event, request.headers); !s) return s;
  // API Gateway moves Cookie headers into `cookies`; join them back into one
  // header so the cookie parser sees exactly what the browser sent.
  if (const Json* cookies = member(event, "cookies")) {
    if (!cookies->is_array()) return Status::invalid("event.cookies must be an array");
    std::string joined;
    for (const auto& cookie : *cookies) {
      if (!cookie.is_string()) return Status::invalid("event.cookies must hold strings");
      if (!joined.empty()) joined += "; ";
      joined += cookie.get<std::string>();
    }
    request.headers.remove("cookie");
    if (!joined.empty()) request.headers.add("cookie", std::move(joined));
  }
  return readBody(event, request.body);
}

bool isValidUtf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    auto c = static_cast<unsigned char>(text[i]);
    size_t extra = 0;
    uint32_t code = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      extra = 1, code = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2, code = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3, code = c & 0x07;
    } else {
      return false;
    }
    if (i + extra >= text.size()) return false;  // truncated sequence
    for (size_t k = 1; k <= extra; ++k) {
      auto cc = static_cast<unsigned char>(text[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      code = (code << 6) | (cc & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (code < kMin[extra] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return false;
    i += extra + 1;
  }
  return true;
}

// Header names grouped case-insensitively, first spelling and order kept.
struct HeaderGroup {
  std::string name;
  std::vector<std::string> values;
};

std::vector<HeaderGroup> groupHeaders(const Headers& headers) {
  std::vector<HeaderGroup> groups;
  for (const auto& header : headers) {
    auto it = std::find_if(groups.begin(), groups.end(), [&](const HeaderGroup& g) {
      return equalsIgnoreCase(g.name, header.name);
    });
    if (it == groups.end()) {
      groups.push_back({header.name, {header.value}});
    } else {
      it->values.push_back(header.value);
    }
  }
  return groups;
}

void setBody(const Response& response, Json& out) {
  if (isValidUtf8(response.body)) {
    out["body"] = response.body;
    out["isBase64Encoded"] = false;
  } else {
    out["body"] = base64Encode(response.body);
    out["isBase64Encoded"] = true;
  }
}

}  // namespace

std::string stripStagePrefix(std::string_view path, std::string_view stage) {
  if (stage.empty() || stage == "$default") return std::string(path);
  if (path.size() < stage.size() + 1 || path[0] != '/' || path.substr(1, stage.size()) != stage) {
    return std::string(path);
  }
  std::string_view rest = path.substr(stage.size() + 1);
  if (rest.empty()) return "/";
  if (rest[0] != '/') return std::string(path);  // "/production" is not stage "prod"
  return std::string(rest);
}

Result<HttpEvent> parseHttpEvent(std::string_view json_text) {
  if (json_text.size() > kMaxEventBytes) return Status::invalid("event is larger than 6 MB");
  Json event = Json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (event.is_discarded()) return Status::invalid("event is not valid JSON");
  if (!event.is_object()) return Status::invalid("event must be a JSON object");

  HttpEvent out;
  std::string version;
  if (Status s = optionalString(event, "version", "event.version", version); !s) return s;
  if (version == "2.0") {
    out.format = EventFormat::kHttpV2;
    if (Status s = parseV2(event, out); !s) return s;
  } else if (version == "1.0" || (version.empty() && member(event, "httpMethod"))) {
    out.format = EventFormat::kApiGatewayV1;
    if (Status s = parseV1(event, out); !s) return s;
  } else {
    return Status::invalid("event is not an API Gateway or function URL request (version \"" +
                           version.substr(0, 16) + "\")");
  }
  if (!isMethod(out.request.method)) return Status::invalid("event method is not an HTTP method");
  if (out.request.path.empty() || out.request.path[0] != '/') {
    return Status::invalid("event path must start with '/'");
  }
  return out;
}

std::string renderHttpResponse(const Response& response, EventFormat format) {
  Json out = Json::object();
  out["statusCode"] = response.status;
  Json headers = Json::object();
  auto groups = groupHeaders(response.headers);
  if (format == EventFormat::kApiGatewayV1) {
    Json multi = Json::object();
    for (const auto& group : groups) {
      if (group.values.size() == 1) headers[group.name] = group.values.front();
      multi[group.name] = group.values;
    }
    out["headers"] = std::move(headers);
    out["multiValueHeaders"] = std::move(multi);
  } else {
    // Set-Cookie cannot be comma-joined (Expires has a comma): 2.0 has the
    // `cookies` array for it, one entry per cookie.
    Json cookies = Json::array();
    for (const auto& group : groups) {
      if (equalsIgnoreCase(group.name, "set-cookie")) {
        for (const auto& value : group.values) cookies.push_back(value);
        continue;
      }
      std::string joined;
      for (const auto& value : group.values) joined += (joined.empty() ? "" : ", ") + value;
      headers[group.name] = std::move(joined);
    }
    out["headers"] = std::move(headers);
    out["cookies"] = std::move(cookies);
  }
  setBody(response, out);
  // Header values come from our handlers, but a replacement character is
  // still better than an exception if one ever carries invalid UTF-8.
  return out.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace barrier
