// encodeCheckerSettings / decodeCheckerSettings (checker_settings.h).
//
// The decoder is compiled into the Lambda@Edge wasm module, where every
// byte of code costs cold-start time: it uses string_view, std::string and
// std::vector only, parses integers by hand and keeps one table of keys.
#include "core/config/checker_settings.h"

#include <cstdint>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/config/checker_settings_lines.h"
#include "core/encoding.h"
#include "core/http/percent.h"
#include "core/session/idle.h"

namespace barrier {

Status valueError(std::string_view key, std::string_view message) {
  std::string text(key);
  text += ": ";
  text += message;
  return Status::invalid(std::move(text));
}

// A percent-encoded string. Only what percentEncode writes is accepted, so
// no raw ' ', ',', control character or non-ASCII byte can stand in a value.
Status decodeString(std::string_view key, std::string_view token, std::string& out) {
  for (char c : token) {
    if (c != '%' && !isUnreservedChar(static_cast<unsigned char>(c))) {
      return valueError(key, "unexpected character (values are percent-encoded)");
    }
  }
  if (!percentDecode(token, out)) return valueError(key, "bad percent escape");
  return Status::ok();
}

std::string encodeSettingsList(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    if (&item != &items.front()) out += ',';
    out += percentEncode(item);
  }
  return out;
}

Status decodeSettingsList(std::string_view key, std::string_view list,
                          std::vector<std::string>& out) {
  while (true) {
    size_t comma = list.find(',');
    out.emplace_back();
    if (Status s = decodeString(key, list.substr(0, comma), out.back()); !s) return s;
    if (comma == std::string_view::npos) return Status::ok();
    list.remove_prefix(comma + 1);
  }
}

namespace {

constexpr std::string_view kHeaderName = "barrier-checker-settings";
constexpr std::string_view kVersion = "1";
constexpr std::string_view kEndKey = "end";

// Indexed by StoreConfig::Type.
constexpr std::string_view kStoreTypes[] = {"memory", "sqlite", "redis", "dynamodb"};

// --- Encoding ----------------------------------------------------------------

void addLine(std::string& out, std::string_view key, std::string_view value) {
  out += key;
  out += ' ';
  out += value;
  out += '\n';
}

// --- Decoding one value ------------------------------------------------------

// Canonical decimal (no sign, no leading zero) within [min, max]. Never
// overflows: reading stops before the value could pass `max`.
Status decodeInteger(std::string_view key, std::string_view token, int64_t min, int64_t max,
                     int64_t& out) {
  bool ok = !token.empty() && (token.size() == 1 || token.front() != '0');
  int64_t value = 0;
  for (size_t i = 0; ok && i < token.size(); ++i) {
    int digit = token[i] - '0';
    ok = digit >= 0 && digit <= 9 && value <= (max - digit) / 10;
    if (ok) value = value * 10 + digit;
  }
  if (!ok || value < min) {
    return valueError(key,
                      "not an integer from " + std::to_string(min) + " to " + std::to_string(max));
  }
  out = value;
  return Status::ok();
}

// --- Keys --------------------------------------------------------------------

// Reads a single-valued key's value into `config`.
using ReadValue = Status (*)(std::string_view key, std::string_view token, Config& config);

struct SingleKey {
  std::string_view name;
  ReadValue read;
};

Status readSiteUrl(std::string_view key, std::string_view token, Config& c) {
  Status s = decodeString(key, token, c.site_url);
  return s ? validateSiteUrl(c) : s;
}

Status readCookieName(std::string_view key, std::string_view token, Config& c) {
  Status s = decodeString(key, token, c.session.cookie_name);
  return s ? validateCookieName(c.session.cookie_name) : s;
}

Status readLogLevel(std::string_view key, std::string_view token, Config& c) {
  Status s = decodeString(key, token, c.server.log_level);
  return s ? validateLogLevel(c.server.log_level) : s;
}

Status readStoreType(std::string_view key, std::string_view token, Config& c) {
  for (size_t i = 0; i < std::size(kStoreTypes); ++i) {
    if (token == kStoreTypes[i]) {
      c.store.type = static_cast<StoreConfig::Type>(i);
      return Status::ok();
    }
  }
  return valueError(key, "not one of memory, sqlite, redis, dynamodb");
}

Status readCacheTtl(std::string_view key, std::string_view token, Config& c) {
  return decodeInteger(key, token, 0, kMaxCacheTtl, c.cache.ttl);
}

Status readNegativeTtl(std::string_view key, std::string_view token, Config& c) {
  return decodeInteger(key, token, 0, kMaxCacheNegativeTtl, c.cache.negative_ttl);
}

Status readMaxEntries(std::string_view key, std::string_view token, Config& c) {
  return decodeInteger(key, token, 0, kMaxCacheEntries, c.cache.max_entries);
}

// Checked as validate() checks them once both are read (finish()).
Status readIdleTimeout(std::string_view key, std::string_view token, Config& c) {
  return decodeInteger(key, token, 0, kMaxIdleTimeout, c.session.idle_timeout);
}

Status readTouchInterval(std::string_view key, std::string_view token, Config& c) {
  return decodeInteger(key, token, 0, kMaxIdleTimeout, c.session.touch_interval);
}

Status readRetryAfter(std::string_view key, std::string_view token, Config& c) {
  return decodeInteger(key, token, kMinRetryAfter, kMaxRetryAfter, c.retry_after);
}

Status readStoreTable(std::string_view key, std::string_view token, Config& c) {
  return decodeString(key, token, c.store.table);
}

Status readStoreRegion(std::string_view key, std::string_view token, Config& c) {
  return decodeString(key, token, c.store.region);
}

Status readStoreEndpoint(std::string_view key, std::string_view token, Config& c) {
  return decodeString(key, token, c.store.endpoint);
}

// Every single-valued key, in the order the encoder writes them; each must
// appear exactly once.
constexpr SingleKey kSingleKeys[] = {
    {"site_url", readSiteUrl},
    {"session.cookie_name", readCookieName},
    {"session.idle_timeout", readIdleTimeout},
    {"session.touch_interval", readTouchInterval},
    {"cache.ttl", readCacheTtl},
    {"cache.negative_ttl", readNegativeTtl},
    {"cache.max_entries", readMaxEntries},
    {"store.type", readStoreType},
    {"store.table", readStoreTable},
    {"store.region", readStoreRegion},
    {"store.endpoint", readStoreEndpoint},
    {"server.log_level", readLogLevel},
    {"retry_after", readRetryAfter},
};
static_assert(std::size(kSingleKeys) <= 32, "seen_ is a 32-bit mask");

const SingleKey* findSingleKey(std::string_view name) {
  for (const SingleKey& key : kSingleKeys) {
    if (key.name == name) return &key;
  }
  return nullptr;
}

constexpr std::string_view kSigningKey = "session.signing_key";
constexpr std::string_view kPublicPath = "public_path";
constexpr std::string_view kRule = "rule";

// --- Decoding lines ----------------------------------------------------------

// The values of a line: each ' ' starts one (a value may be empty).
std::vector<std::string_view> splitValues(std::string_view rest) {
  std::vector<std::string_view> values;
  while (true) {
    size_t space = rest.find(' ');
    values.push_back(rest.substr(0, space));
    if (space == std::string_view::npos) return values;
    rest.remove_prefix(space + 1);
  }
}

// Lines go in one at a time; finish() says whether the whole was complete.
class SettingsDecoder {
 public:
  explicit SettingsDecoder(Config& config) : config_(config) {}

  // One line without its '\n'; `number` counts from 1.
  Status add(size_t number, std::string_view line) {
    if (!line.empty() && line.back() == '\r') {
      return Status::invalid("carriage return: the file uses \\n line endings");
    }
    if (number == 1) return header(line);
    if (ended_) return Status::invalid("text after the end line");
    if (line.empty()) return Status::invalid("empty line");
    size_t space = line.find(' ');
    std::string_view key = line.substr(0, space);
    std::vector<std::string_view> values;
    if (space != std::string_view::npos) values = splitValues(line.substr(space + 1));
    if (key == kEndKey) {
      ended_ = values.empty();
      return ended_ ? Status::ok() : valueError(key, "takes no value");
    }
    if (key == kRule) return rule(values);
    if (std::optional<Status> s = decodeAccessLine(key, values, config_)) return *s;
    if (std::optional<Status> s = decodeApiLine(key, values, config_)) return *s;
    return value(key, values);
  }

  Status finish() {
    if (!ended_) return Status::invalid("no end line: the file is truncated");
    for (size_t i = 0; i < std::size(kSingleKeys); ++i) {
      if ((seen_ & (1u << i)) == 0) return valueError(kSingleKeys[i].name, "missing");
    }
    if (config_.session.signing_keys.empty()) {
      return valueError(kSigningKey, "missing (at least one is needed)");
    }
    // An empty condition would let every session in: fail closed.
    for (const AccessRule& rule : config_.rules) {
      for (const AccessCondition& c : rule.allow) {
        if (c.groups.empty() && c.emails.empty() && c.email_domains.empty() && c.users.empty() &&
            c.claims.empty()) {
          return valueError("rule.allow", "a condition has no line");
        }
      }
    }
    // session.cookie_domain and allowed_host are not checked again
    // (validateHosts): the packager validated them, and the checker only
    // names a listed host in its redirect to site_url's login, where the
    // manager checks the return URL against its own configuration. The
    // module's size budget (README, "Lambda@Edge checker") has no room for
    // the rules' messages twice.
    if (Status s = checkApiLines(config_); !s) return s;
    return idleTimeout();
  }

 private:
  static Status header(std::string_view line) {
    size_t space = line.find(' ');
    if (line.substr(0, space) != kHeaderName || space == std::string_view::npos) {
      return Status::invalid("not a checker settings file: the first line must be \"" +
                             std::string(kHeaderName) + " " + std::string(kVersion) + "\"");
    }
    if (line.substr(space + 1) != kVersion) {
      return Status::invalid("unsupported version \"" + std::string(line.substr(space + 1, 16)) +
                             "\" (this barrier reads version " + std::string(kVersion) +
                             "); package the checker with the same barrier release");
    }
    return Status::ok();
  }

  // validateIdleTimeout on the two fields: session.lifetime is not the
  // checker's (it keeps its default here), so it is not the bound; the
  // packager validated the whole configuration.
  Status idleTimeout() const {
    SessionConfig idle;
    idle.idle_timeout = config_.session.idle_timeout;
    idle.touch_interval = config_.session.touch_interval;
    idle.lifetime = kMaxIdleTimeout;
    return validateIdleTimeout(idle);
  }

  // A single-valued key or one item of a list: one value each.
  Status value(std::string_view key, const std::vector<std::string_view>& values) {
    const SingleKey* single = findSingleKey(key);
    if (single == nullptr && key != kSigningKey && key != kPublicPath) {
      // Names are cut short: the message should not carry a whole bad line.
      return Status::invalid("unknown key \"" + std::string(key.substr(0, 40)) +
                             "\" (a settings file from another barrier release?)");
    }
    if (values.size() != 1) return valueError(key, "needs exactly one value after a space");
    if (key == kSigningKey) return signingKey(values.front());
    if (key == kPublicPath) {
      std::string path;
      Status s = decodeString(key, values.front(), path);
      if (s) config_.public_paths.push_back(std::move(path));
      return s;
    }
    uint32_t bit = 1u << (single - kSingleKeys);
    if (seen_ & bit) return valueError(key, "given twice");
    seen_ |= bit;
    return single->read(key, values.front(), config_);
  }

  // Key bytes are never echoed.
  Status signingKey(std::string_view token) {
    std::string raw;
    if (!base64UrlDecode(token, raw)) return valueError(kSigningKey, "not base64url");
    if (raw.size() < kMinSigningKeyBytes) {
      return valueError(
          kSigningKey, "must decode to at least " + std::to_string(kMinSigningKeyBytes) + " bytes");
    }
    config_.session.signing_keys.push_back(std::move(raw));
    return Status::ok();
  }

  // `rule <pattern>` (no groups) or `rule <pattern> <group>,<group>,...`.
  Status rule(const std::vector<std::string_view>& values) {
    if (values.empty() || values.size() > 2) {
      return valueError(kRule, "needs a pattern and, unless there are none, groups");
    }
    AccessRule rule;
    if (Status s = decodeString(kRule, values[0], rule.pattern); !s) return s;
    if (values.size() == 2) {
      if (Status s = decodeSettingsList(kRule, values[1], rule.groups); !s) return s;
    }
    config_.rules.push_back(std::move(rule));
    return Status::ok();
  }

  Config& config_;
  uint32_t seen_ = 0;  // bit i: kSingleKeys[i] was read
  bool ended_ = false;
};

Status lineError(size_t number, const Status& status) {
  return Status::invalid(std::string(kCheckerSettingsFile) + " line " + std::to_string(number) +
                         ": " + status.message());
}

// Reads `text` into `config`, line by line.
Status decodeInto(std::string_view text, Config& config) {
  if (text.empty()) return Status::invalid(std::string(kCheckerSettingsFile) + " is empty");
  SettingsDecoder decoder(config);
  size_t number = 0;
  while (!text.empty()) {
    ++number;
    size_t newline = text.find('\n');
    if (newline == std::string_view::npos) {
      return lineError(number, Status::invalid("no newline at the end: the file is truncated"));
    }
    if (Status s = decoder.add(number, text.substr(0, newline)); !s) return lineError(number, s);
    text.remove_prefix(newline + 1);
  }
  if (Status s = decoder.finish(); !s) {
    return Status::invalid(std::string(kCheckerSettingsFile) + ": " + s.message());
  }
  return Status::ok();
}

}  // namespace

std::string encodeCheckerSettings(const Config& config) {
  std::string out;
  addLine(out, kHeaderName, kVersion);
  addLine(out, "site_url", percentEncode(config.site_url));
  addLine(out, "session.cookie_name", percentEncode(config.session.cookie_name));
  for (const auto& key : config.session.signing_keys) {
    addLine(out, kSigningKey, base64UrlEncode(key));
  }
  addLine(out, "session.idle_timeout", std::to_string(config.session.idle_timeout));
  addLine(out, "session.touch_interval", std::to_string(config.session.touch_interval));
  addLine(out, "cache.ttl", std::to_string(config.cache.ttl));
  addLine(out, "cache.negative_ttl", std::to_string(config.cache.negative_ttl));
  addLine(out, "cache.max_entries", std::to_string(config.cache.max_entries));
  auto type = static_cast<size_t>(config.store.type);
  addLine(out, "store.type", type < std::size(kStoreTypes) ? kStoreTypes[type] : "unknown");
  addLine(out, "store.table", percentEncode(config.store.table));
  addLine(out, "store.region", percentEncode(config.store.region));
  addLine(out, "store.endpoint", percentEncode(config.store.endpoint));
  addLine(out, "server.log_level", percentEncode(config.server.log_level));
  addLine(out, "retry_after", std::to_string(config.retry_after));
  for (const auto& path : config.public_paths) addLine(out, kPublicPath, percentEncode(path));
  for (const auto& rule : config.rules) {
    std::string value = percentEncode(rule.pattern);
    if (!rule.groups.empty()) value += ' ' + encodeSettingsList(rule.groups);
    addLine(out, kRule, value);
    encodeRuleAccessLines(out, rule);
  }
  encodeHeaderLines(out, config);
  encodeApiLines(out, config);
  out += kEndKey;
  out += '\n';
  return out;
}

Status decodeCheckerSettingsInto(std::string_view text, std::unique_ptr<ValidConfig>& out) {
  // Decoded in place, on the heap: moving a Config would cost the edge
  // module's cold start the engine's compiling of the move.
  std::unique_ptr<ValidConfig> config(new ValidConfig());
  if (Status s = decodeInto(text, *config); !s) return s;
  out = std::move(config);
  return Status::ok();
}

Result<ValidConfig> decodeCheckerSettings(std::string_view text) {
  std::unique_ptr<ValidConfig> config;
  if (Status s = decodeCheckerSettingsInto(text, config); !s) return s;
  return std::move(*config);
}

}  // namespace barrier
