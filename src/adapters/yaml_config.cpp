#include "adapters/yaml_config.h"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <utility>

#include "adapters/redis_connection.h"
#include "core/config/redis_url.h"

namespace barrier {

namespace {

using Json = nlohmann::json;

bool isPlainInteger(const std::string& text) {
  size_t i = (!text.empty() && (text[0] == '-' || text[0] == '+')) ? 1 : 0;
  if (i >= text.size() || text.size() - i > 18) return false;
  for (size_t k = i; k < text.size(); ++k) {
    if (text[k] < '0' || text[k] > '9') return false;
  }
  // "0123" stays a string: as a number it would lose its leading zero.
  return text[i] != '0' || text.size() == i + 1;
}

bool isPlainFloat(const std::string& text) {
  size_t dot = text.find('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 >= text.size()) return false;
  return isPlainInteger(text.substr(0, dot)) &&
         text.find_first_not_of("0123456789", dot + 1) == std::string::npos;
}

// YAML 1.2 core schema for plain scalars, minus the surprising parts
// (yes/no/on/off stay strings, as do octal-looking numbers).
Json scalarToJson(const YAML::Node& node) {
  const std::string& text = node.Scalar();
  if (node.Tag() == "!") return text;  // quoted: always a string
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") {
    return nullptr;
  }
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  if (isPlainInteger(text)) return std::stoll(text);
  if (isPlainFloat(text)) return std::stod(text);
  return text;
}

int lineOf(const YAML::Node& node) { return node.Mark().line + 1; }

// Bounds on the converted document: aliases can make a small file expand
// exponentially ("billion laughs") or refer to themselves.
constexpr int kMaxDepth = 64;
constexpr size_t kMaxNodes = 100000;

struct Budget {
  size_t nodes = 0;
};

// Throws std::runtime_error with "line N: ..." on duplicated or non-scalar
// keys and on documents past the bounds above.
Json toJson(const YAML::Node& node, Budget& budget, int depth = 0) {
  if (depth > kMaxDepth || ++budget.nodes > kMaxNodes) {
    throw std::runtime_error("line " + std::to_string(lineOf(node)) +
                             ": document is too deep or too large (aliases?)");
  }
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return nullptr;
    case YAML::NodeType::Scalar:
      return scalarToJson(node);
    case YAML::NodeType::Sequence: {
      Json out = Json::array();
      for (const auto& item : node) out.push_back(toJson(item, budget, depth + 1));
      return out;
    }
    case YAML::NodeType::Map: {
      Json out = Json::object();
      for (const auto& item : node) {
        if (!item.first.IsScalar()) {
          throw std::runtime_error("line " + std::to_string(lineOf(item.first)) +
                                   ": keys must be plain names");
        }
        const std::string& key = item.first.Scalar();
        if (out.contains(key)) {
          throw std::runtime_error("line " + std::to_string(lineOf(item.first)) + ": " + key +
                                   " appears twice in the same mapping");
        }
        out[key] = toJson(item.second, budget, depth + 1);
      }
      return out;
    }
  }
  return nullptr;
}

// The deepest node of `root` along a field path like "server.origins[1].prefix"
// (as far as it exists), for its line number; -1 when not even the first step exists.
int lineOfField(const YAML::Node& root, std::string_view field) {
  // reset(), not '=': assigning one yaml-cpp Node to another writes through
  // into the document.
  YAML::Node node;
  node.reset(root);
  int line = -1;
  size_t i = 0;
  while (i < field.size()) {
    size_t end = field.find_first_of(".[", i);
    std::string key(
        field.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i));
    if (!key.empty()) {
      if (!node.IsMap()) return line;
      YAML::Node child = std::as_const(node)[key];
      if (!child) return line;
      node.reset(child);
      line = lineOf(node);
    }
    if (end == std::string_view::npos) break;
    if (field[end] == '[') {
      size_t close = field.find(']', end);
      if (close == std::string_view::npos) return line;
      size_t index =
          std::strtoul(std::string(field.substr(end + 1, close - end - 1)).c_str(), nullptr, 10);
      if (!node.IsSequence() || index >= node.size()) return line;
      node.reset(std::as_const(node)[index]);
      line = lineOf(node);
      i = close + 1;
      if (i < field.size() && field[i] == '.') ++i;
    } else {
      i = end + 1;
    }
  }
  return line;
}

// "source:line: message", the line found from the field the message starts with.
Status locate(const Status& status, const YAML::Node& root, std::string_view source) {
  const std::string& message = status.message();
  // "store.tls.key: FILE: ..." names its field as "store.tls.key must ...".
  std::string_view field = std::string_view(message).substr(0, message.find(' '));
  if (!field.empty() && field.back() == ':') field.remove_suffix(1);
  int line = lineOfField(root, field);
  std::string where(source);
  if (line > 0) where += ":" + std::to_string(line);
  return Status(status.code(), where + ": " + message);
}

// yaml-cpp recurses once per flow-collection level and can exhaust the
// stack on "[[[[...": deep nesting is refused before it gets there. Quoted
// text and comments are skipped, roughly; no real configuration nests deeply.
bool nestsTooDeep(std::string_view text) {
  int depth = 0;
  char quote = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quote != 0) {
      if (c == quote || c == '\n') quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '#') {
      while (i < text.size() && text[i] != '\n') ++i;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxDepth) return true;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return false;
}

constexpr size_t kMaxConfigBytes = 1024 * 1024;

Result<Json> loadJson(std::string_view yaml, std::string_view source, YAML::Node& root) {
  std::string where(source);
  if (yaml.size() > kMaxConfigBytes) return Status::invalid(where + ": larger than 1 MiB");
  if (nestsTooDeep(yaml)) return Status::invalid(where + ": nested more than 64 levels deep");
  try {
    root = YAML::Load(std::string(yaml));
    if (root.IsNull()) {
      return Status::invalid(where + ": is empty; see the configuration section of README.md");
    }
    Budget budget;
    return toJson(root, budget);
  } catch (const YAML::Exception& e) {
    std::string line = e.mark.is_null() ? "" : ":" + std::to_string(e.mark.line + 1);
    return Status::invalid(where + line + ": not valid YAML: " + e.msg);
  } catch (const std::exception& e) {
    return Status::invalid(where + ": " + e.what());
  }
}

}  // namespace

Result<std::string> yamlConfigToJson(std::string_view yaml, std::string_view source) {
  YAML::Node root;
  Result<Json> json = loadJson(yaml, source, root);
  if (!json.isOk()) return json.status();
  return json->dump(2, ' ', false, Json::error_handler_t::replace);
}

namespace {

void resolveRelativePaths(Config& config, const std::string& config_path) {
  std::filesystem::path base = std::filesystem::path(config_path).parent_path();
  auto resolve = [&](std::string& file) {
    if (file.empty()) return;
    std::filesystem::path p(file);
    if (p.is_relative()) file = (base / p).lexically_normal().string();
  };
  for (OriginConfig& origin : config.server.origins) {
    resolve(origin.static_root);
    resolve(origin.ca_file);
  }
  resolve(config.server.tls.cert);
  resolve(config.server.tls.key);
  if (config.store.type == StoreConfig::Type::kSqlite) resolve(config.store.path);
  resolve(config.store.tls.ca_file);
  resolve(config.store.tls.cert);
  resolve(config.store.tls.key);
}

// What validate() cannot tell without opening files: store.tls's, read as
// the Redis store reads them when it is made (a CA file without a
// certificate, a key others can read or that does not match), without
// connecting. server.tls's pair is loaded by serve and check-config, which
// need the context itself.
Status checkFiles(const ValidConfig& config) {
  if (config.store.type != StoreConfig::Type::kRedis) return Status::ok();
  Result<RedisTarget> target = parseRedisUrl(config.store.url);
  if (!target.isOk() || !target->tls) return Status::ok();
  return makeRedisTls(config.store.tls).status();
}

// Read (with `overrides` merged over the document), let `adjust` change
// the fields, validate, then `check` what needs the files; errors located
// in the YAML.
Result<ValidConfig> load(std::string_view yaml, std::string_view source, const Json& overrides,
                         const std::function<void(Config&)>& adjust,
                         const std::function<Status(const ValidConfig&)>& check) {
  YAML::Node root;
  Result<Json> json = loadJson(yaml, source, root);
  if (!json.isOk()) return json.status();
  if (json->is_object() && !overrides.empty()) json->merge_patch(overrides);
  Result<Config> config =
      readConfigJson(json->dump(-1, ' ', false, Json::error_handler_t::replace), "");
  if (config.isOk() && adjust) adjust(*config);
  Result<ValidConfig> valid =
      config.isOk() ? validate(std::move(config.value())) : Result<ValidConfig>(config.status());
  if (valid.isOk() && check) {
    if (Status checked = check(*valid); !checked) valid = checked;
  }
  if (valid.isOk()) return valid;
  try {
    return locate(valid.status(), root, source);
  } catch (const std::exception&) {
    return Status(valid.status().code(), std::string(source) + ": " + valid.status().message());
  }
}

}  // namespace

Result<ValidConfig> loadConfigText(std::string_view yaml, std::string_view source) {
  return load(yaml, source, Json::object(), nullptr, nullptr);
}

Result<ValidConfig> loadConfigFile(const std::string& path, const nlohmann::json& overrides) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::invalid(path + ": cannot read: " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  return load(
      text.str(), path, overrides, [&path](Config& config) { resolveRelativePaths(config, path); },
      checkFiles);
}

}  // namespace barrier
