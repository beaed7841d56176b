#include "core/aws/sigv4.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <utility>
#include <vector>

#include "core/encoding.h"
#include "core/http/message.h"
#include "core/http/percent.h"

namespace barrier {

namespace {

constexpr char kAlgorithm[] = "AWS4-HMAC-SHA256";
constexpr char kUnsignedPayload[] = "UNSIGNED-PAYLOAD";

// Decodes %XX once; a malformed escape is kept literally (it then gets
// encoded as "%25..."), which is what the AWS SDKs do with such input.
std::string lenientPercentDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      int hi = hexDigitValue(text[i + 1]);
      int lo = hexDigitValue(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += text[i];
  }
  return out;
}

std::string toLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = asciiLower(c);
  return out;
}

// Trims and collapses runs of spaces/tabs/line breaks into one space, as
// the canonical header rules require (folded header lines included).
std::string canonicalHeaderValue(std::string_view value) {
  std::string out;
  bool pending_space = false;
  for (char c : value) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out += c;
  }
  return out;
}

// Headers that proxies and clients may change or add in transit; signing
// them would make a valid request fail verification.
bool isUnsignableHeader(std::string_view lower_name) {
  return lower_name == "authorization" || lower_name == "user-agent" ||
         lower_name == "x-amzn-trace-id" || lower_name == "expect" || lower_name == "connection" ||
         lower_name == "transfer-encoding" || lower_name == "x-amz-signature";
}

struct CanonicalHeaders {
  std::string block;         // "name:value\n" per header, sorted
  std::string signed_names;  // "a;b;c"
};

CanonicalHeaders canonicalHeaders(const Headers& headers) {
  std::map<std::string, std::string> merged;  // sorted by lowercase name
  for (const auto& h : headers) {
    std::string name = toLower(h.name);
    if (isUnsignableHeader(name)) continue;
    std::string value = canonicalHeaderValue(h.value);
    auto it = merged.find(name);
    if (it == merged.end()) {
      merged.emplace(std::move(name), std::move(value));
    } else {
      // Repeated headers are one header with values joined by ',' in order.
      it->second += ',';
      it->second += value;
    }
  }
  CanonicalHeaders out;
  for (const auto& [name, value] : merged) {
    out.block += name + ":" + value + "\n";
    if (!out.signed_names.empty()) out.signed_names += ';';
    out.signed_names += name;
  }
  return out;
}

std::string hexDigest(const Digest& d) { return hexEncode(digestBytes(d)); }

std::string dateStamp(int64_t timestamp) { return amzDate(timestamp).substr(0, 8); }

std::string credentialScope(const SigV4Options& o) {
  return dateStamp(o.timestamp) + "/" + o.region + "/" + o.service + "/aws4_request";
}

std::string payloadHash(const SigV4Request& r, const SigV4Options& o, Crypto& crypto) {
  if (o.payload == PayloadSigning::kUnsigned) return kUnsignedPayload;
  return sha256Hex(crypto, r.body);
}

std::string buildCanonicalRequest(const SigV4Request& r, const SigV4Options& o,
                                  const std::string& query, const CanonicalHeaders& headers,
                                  const std::string& payload_hash) {
  std::string out;
  out += r.method + "\n";
  out += canonicalPath(r.path, o.normalize_path, o.double_encode_path) + "\n";
  out += canonicalQuery(query) + "\n";
  out += headers.block + "\n";
  out += headers.signed_names + "\n";
  out += payload_hash;
  return out;
}

std::string computeSignature(const AwsCredentials& c, const SigV4Options& o,
                             const std::string& string_to_sign, Crypto& crypto) {
  std::string key =
      digestBytes(crypto.hmacSha256("AWS4" + c.secret_access_key, dateStamp(o.timestamp)));
  key = digestBytes(crypto.hmacSha256(key, o.region));
  key = digestBytes(crypto.hmacSha256(key, o.service));
  key = digestBytes(crypto.hmacSha256(key, "aws4_request"));
  return hexDigest(crypto.hmacSha256(key, string_to_sign));
}

Status checkInputs(const SigV4Request& r, const AwsCredentials& c, const SigV4Options& o) {
  if (!c.complete()) return Status::unauthenticated("sigv4: no AWS credentials to sign with");
  if (o.region.empty() || o.service.empty()) {
    return Status::invalid("sigv4: region and service are required");
  }
  if (!r.headers.has("Host")) return Status::invalid("sigv4: the request has no Host header");
  return Status::ok();
}

SigV4Result finish(std::string canonical_request, const AwsCredentials& c, const SigV4Options& o,
                   Crypto& crypto) {
  SigV4Result result;
  result.canonical_request = std::move(canonical_request);
  result.string_to_sign = std::string(kAlgorithm) + "\n" + amzDate(o.timestamp) + "\n" +
                          credentialScope(o) + "\n" + sha256Hex(crypto, result.canonical_request);
  result.signature = computeSignature(c, o, result.string_to_sign, crypto);
  return result;
}

void appendParam(std::string& query, std::string_view name, std::string_view value) {
  if (!query.empty()) query += '&';
  query += awsUriEncode(name, false);
  query += '=';
  query += awsUriEncode(value, false);
}

// days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant's algorithm).
int64_t daysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void civilFromDays(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<int64_t>(yoe) + era * 400 + (m <= 2);
}

bool readDigits(std::string_view text, size_t pos, size_t count, int64_t& out) {
  if (pos + count > text.size()) return false;
  out = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    out = out * 10 + (text[i] - '0');
  }
  return true;
}

}  // namespace

SigV4Options sigV4OptionsFor(std::string_view service, std::string_view region, int64_t timestamp) {
  SigV4Options o;
  o.service = std::string(service);
  o.region = std::string(region);
  o.timestamp = timestamp;
  if (service == "s3") {
    // S3 signs the path exactly as sent and requires the payload header.
    o.normalize_path = false;
    o.double_encode_path = false;
    o.content_sha256_header = true;
  }
  return o;
}

std::string awsUriEncode(std::string_view text, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (isUnreservedChar(c) || (keep_slash && c == '/')) {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string canonicalPath(std::string_view path, bool normalize, bool double_encode) {
  std::string result;
  if (path.empty()) path = "/";
  if (normalize) {
    // RFC 3986 dot-segment removal plus merging of empty segments.
    std::vector<std::string_view> segments;
    size_t start = 0;
    while (start <= path.size()) {
      size_t end = path.find('/', start);
      if (end == std::string_view::npos) end = path.size();
      std::string_view seg = path.substr(start, end - start);
      if (seg == "..") {
        if (!segments.empty()) segments.pop_back();
      } else if (!seg.empty() && seg != ".") {
        segments.push_back(seg);
      }
      start = end + 1;
    }
    bool trailing = path.back() == '/' || path.ends_with("/.") || path.ends_with("/..");
    result = "/";
    for (size_t i = 0; i < segments.size(); ++i) {
      if (i > 0) result += '/';
      result += segments[i];
    }
    if (trailing && !segments.empty()) result += '/';
  } else {
    result = std::string(path);
  }
  return double_encode ? awsUriEncode(result, true) : result;
}

std::string canonicalQuery(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  size_t start = 0;
  while (start <= query.size() && !query.empty()) {
    size_t end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    std::string_view pair = query.substr(start, end - start);
    if (!pair.empty()) {
      size_t eq = pair.find('=');
      std::string_view name = pair.substr(0, eq);
      std::string_view value = eq == std::string_view::npos ? "" : pair.substr(eq + 1);
      // Decode once, then encode with AWS rules: a pre-encoded and a raw
      // query give the same canonical form.
      params.emplace_back(awsUriEncode(lenientPercentDecode(name), false),
                          awsUriEncode(lenientPercentDecode(value), false));
    }
    start = end + 1;
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out += '&';
    out += name + "=" + value;
  }
  return out;
}

namespace {

// `format` gets year, month, day, hour, minute, second (UTC).
std::string formatUtc(int64_t epoch_seconds, const char* format) {
  int64_t days = epoch_seconds / 86400;
  int64_t secs = epoch_seconds % 86400;
  if (secs < 0) {
    secs += 86400;
    --days;
  }
  int64_t y;
  unsigned m, d;
  civilFromDays(days, y, m, d);
  char buf[32];
  std::snprintf(buf, sizeof(buf), format, static_cast<long long>(y), m, d,
                static_cast<long long>(secs / 3600), static_cast<long long>(secs / 60 % 60),
                static_cast<long long>(secs % 60));
  return buf;
}

}  // namespace

std::string amzDate(int64_t epoch_seconds) {
  return formatUtc(epoch_seconds, "%04lld%02u%02uT%02lld%02lld%02lldZ");
}

std::string formatIso8601(int64_t epoch_seconds) {
  return formatUtc(epoch_seconds, "%04lld-%02u-%02uT%02lld:%02lld:%02lldZ");
}

bool parseIso8601(std::string_view t, int64_t& epoch_seconds) {
  int64_t y, mo, d, h, mi, s;
  if (t.size() < 19 || t[4] != '-' || t[7] != '-' || (t[10] != 'T' && t[10] != 't') ||
      t[13] != ':' || t[16] != ':') {
    return false;
  }
  if (!readDigits(t, 0, 4, y) || !readDigits(t, 5, 2, mo) || !readDigits(t, 8, 2, d) ||
      !readDigits(t, 11, 2, h) || !readDigits(t, 14, 2, mi) || !readDigits(t, 17, 2, s)) {
    return false;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return false;
  size_t pos = 19;
  if (pos < t.size() && t[pos] == '.') {
    ++pos;
    while (pos < t.size() && t[pos] >= '0' && t[pos] <= '9') ++pos;
  }
  int64_t offset = 0;
  std::string_view zone = t.substr(pos);
  if (zone == "Z" || zone == "z") {
    offset = 0;
  } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':') {
    int64_t oh, om;
    if (!readDigits(zone, 1, 2, oh) || !readDigits(zone, 4, 2, om)) return false;
    offset = (oh * 3600 + om * 60) * (zone[0] == '+' ? 1 : -1);
  } else {
    return false;
  }
  epoch_seconds = daysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 +
                  h * 3600 + mi * 60 + s - offset;
  return true;
}

std::string sha256Hex(Crypto& crypto, std::string_view data) {
  return hexDigest(crypto.sha256(data));
}

Result<SigV4Result> signHeaders(SigV4Request& request, const AwsCredentials& credentials,
                                const SigV4Options& options, Crypto& crypto) {
  if (Status s = checkInputs(request, credentials, options); !s) return s;
  // Earlier signing headers go first, so a retry re-signs cleanly.
  request.headers.remove("Authorization");
  request.headers.remove("X-Amz-Date");
  request.headers.remove("X-Amz-Security-Token");
  std::string payload_hash = payloadHash(request, options, crypto);
  if (options.content_sha256_header) {
    request.headers.set("x-amz-content-sha256", payload_hash);
  }
  request.headers.set("X-Amz-Date", amzDate(options.timestamp));
  bool has_token = !credentials.session_token.empty();
  if (has_token && !options.omit_session_token) {
    request.headers.set("X-Amz-Security-Token", credentials.session_token);
  }
  CanonicalHeaders headers = canonicalHeaders(request.headers);
  SigV4Result result =
      finish(buildCanonicalRequest(request, options, request.query, headers, payload_hash),
             credentials, options, crypto);
  if (has_token && options.omit_session_token) {
    request.headers.set("X-Amz-Security-Token", credentials.session_token);
  }
  request.headers.set("Authorization",
                      std::string(kAlgorithm) + " Credential=" + credentials.access_key_id + "/" +
                          credentialScope(options) + ", SignedHeaders=" + headers.signed_names +
                          ", Signature=" + result.signature);
  return result;
}

Result<SigV4Result> presignQuery(SigV4Request& request, const AwsCredentials& credentials,
                                 const SigV4Options& options, Crypto& crypto) {
  if (Status s = checkInputs(request, credentials, options); !s) return s;
  if (options.expires_in < 1 || options.expires_in > 604800) {
    return Status::invalid("sigv4: expires_in must be 1..604800 seconds");
  }
  CanonicalHeaders headers = canonicalHeaders(request.headers);
  bool has_token = !credentials.session_token.empty();
  std::string query = request.query;
  appendParam(query, "X-Amz-Algorithm", kAlgorithm);
  appendParam(query, "X-Amz-Credential",
              credentials.access_key_id + "/" + credentialScope(options));
  appendParam(query, "X-Amz-Date", amzDate(options.timestamp));
  appendParam(query, "X-Amz-Expires", std::to_string(options.expires_in));
  appendParam(query, "X-Amz-SignedHeaders", headers.signed_names);
  if (has_token && !options.omit_session_token) {
    appendParam(query, "X-Amz-Security-Token", credentials.session_token);
  }
  SigV4Result result = finish(buildCanonicalRequest(request, options, query, headers,
                                                    payloadHash(request, options, crypto)),
                              credentials, options, crypto);
  if (has_token && options.omit_session_token) {
    appendParam(query, "X-Amz-Security-Token", credentials.session_token);
  }
  appendParam(query, "X-Amz-Signature", result.signature);
  request.query = std::move(query);
  return result;
}

bool splitUrl(std::string_view url, UrlParts& out) {
  std::string_view rest;
  std::string default_port;
  if (url.starts_with("https://")) {
    out.scheme = "https";
    rest = url.substr(8);
    default_port = ":443";
  } else if (url.starts_with("http://")) {
    out.scheme = "http";
    rest = url.substr(7);
    default_port = ":80";
  } else {
    return false;
  }
  size_t end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, end);
  if (authority.empty() || authority.find('@') != std::string_view::npos) return false;
  if (authority.ends_with(default_port)) authority.remove_suffix(default_port.size());
  out.authority = toLower(authority);
  rest = end == std::string_view::npos ? std::string_view() : rest.substr(end);
  size_t hash = rest.find('#');
  if (hash != std::string_view::npos) rest = rest.substr(0, hash);
  size_t q = rest.find('?');
  out.path = std::string(rest.substr(0, q));
  if (out.path.empty()) out.path = "/";
  out.query = q == std::string_view::npos ? "" : std::string(rest.substr(q + 1));
  return true;
}

Result<SigV4Result> signHttpRequest(HttpClientRequest& request, const AwsCredentials& credentials,
                                    const SigV4Options& options, Crypto& crypto) {
  UrlParts url;
  if (!splitUrl(request.url, url)) return Status::invalid("sigv4: not an http(s) URL");
  SigV4Request r;
  r.method = request.method;
  r.path = url.path;
  r.query = url.query;
  r.headers = std::move(request.headers);
  r.headers.set("Host", url.authority);
  r.body = std::move(request.body);
  Result<SigV4Result> result = signHeaders(r, credentials, options, crypto);
  request.headers = std::move(r.headers);
  request.body = std::move(r.body);
  return result;
}

}  // namespace barrier
