// The shared AWS files: ~/.aws/credentials and ~/.aws/config, INI as the
// AWS CLI writes them, and a profile's section of each.
#include <fstream>
#include <iterator>

#include "adapters/aws_credential_sources.h"

namespace barrier {

namespace credentials_detail {

namespace {

std::string homePath(const EnvLookup& env, const char* rest) {
  return envOr(env, "HOME", ".") + rest;
}

std::string credentialsFilePath(const EnvLookup& env) {
  return envOr(env, "AWS_SHARED_CREDENTIALS_FILE", homePath(env, "/.aws/credentials"));
}

}  // namespace

bool readWholeFile(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return true;
}

std::string configFilePath(const EnvLookup& env) {
  return envOr(env, "AWS_CONFIG_FILE", homePath(env, "/.aws/config"));
}

std::optional<std::map<std::string, std::string>> profileSection(const std::string& path,
                                                                 std::string_view profile,
                                                                 bool config_file) {
  std::string text;
  if (!readWholeFile(path, text)) return std::nullopt;
  IniSections sections = parseIni(text);
  std::string name(profile);
  if (config_file && profile != "default") name = "profile " + name;
  auto it = sections.find(name);
  if (it == sections.end() && config_file && profile == "default") {
    it = sections.find("profile default");
  }
  if (it == sections.end()) return std::nullopt;
  return it->second;
}

std::optional<std::map<std::string, std::string>> configSection(const EnvLookup& env,
                                                                const std::string& name) {
  std::string text;
  if (!readWholeFile(configFilePath(env), text)) return std::nullopt;
  IniSections sections = parseIni(text);
  auto it = sections.find(name);
  if (it == sections.end()) return std::nullopt;
  return it->second;
}

std::optional<std::map<std::string, std::string>> mergedProfile(const EnvLookup& env,
                                                                std::string_view profile) {
  auto merged = profileSection(configFilePath(env), profile, true);
  if (auto credentials = profileSection(credentialsFilePath(env), profile, false)) {
    if (!merged) merged.emplace();
    for (auto& [key, value] : *credentials) (*merged)[key] = value;
  }
  return merged;
}

}  // namespace credentials_detail

using credentials_detail::trimmed;

IniSections parseIni(std::string_view text) {
  IniSections out;
  std::string section;
  bool have_section = false;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view raw = text.substr(pos, end - pos);
    pos = end + 1;
    // Indented lines belong to a nested block (e.g. s3 = ...); not needed here.
    bool indented = !raw.empty() && (raw[0] == ' ' || raw[0] == '\t');
    std::string line = trimmed(raw);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[' && line.back() == ']') {
      section = trimmed(std::string_view(line).substr(1, line.size() - 2));
      have_section = true;
      out[section];
      continue;
    }
    if (!have_section || indented) continue;
    size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    out[section][trimmed(std::string_view(line).substr(0, eq))] =
        trimmed(std::string_view(line).substr(eq + 1));
  }
  return out;
}

}  // namespace barrier
