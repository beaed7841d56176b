// The access lines of the checker settings (checker_settings_lines.h): the
// rules' methods and conditions, the claim headers and the site's other
// hosts, so the edge checker decides as `barrier serve` does.
#include <string>

#include "core/config/checker_settings_lines.h"
#include "core/http/percent.h"

namespace barrier {

namespace {

constexpr std::string_view kRuleMethods = "rule.methods";
constexpr std::string_view kRuleAllow = "rule.allow";
constexpr std::string_view kConditionClaim = "condition.claim";
constexpr std::string_view kHeader = "header";
constexpr std::string_view kCorsPreflight = "cors_preflight";
constexpr std::string_view kCookieDomain = "session.cookie_domain";
constexpr std::string_view kAllowedHost = "allowed_host";

// The list keys of a condition, with the member each fills.
struct ConditionList {
  std::string_view key;
  std::vector<std::string> AccessCondition::*member;
};
constexpr ConditionList kConditionLists[] = {
    {"condition.groups", &AccessCondition::groups},
    {"condition.emails", &AccessCondition::emails},
    {"condition.email_domains", &AccessCondition::email_domains},
    {"condition.users", &AccessCondition::users},
};

void addLine(std::string& out, std::string_view key, std::string_view value) {
  out += key;
  if (!value.empty()) {
    out += ' ';
    out += value;
  }
  out += '\n';
}

void encodeCondition(std::string& out, const AccessCondition& condition) {
  addLine(out, kRuleAllow, "");
  for (const ConditionList& list : kConditionLists) {
    const std::vector<std::string>& items = condition.*list.member;
    if (!items.empty()) addLine(out, list.key, encodeSettingsList(items));
  }
  for (const ClaimCondition& claim : condition.claims) {
    addLine(out, kConditionClaim,
            percentEncode(claim.name) + ' ' + encodeSettingsList(claim.values));
  }
}

// The condition the last `rule.allow` started.
AccessCondition* lastCondition(Config& config) {
  if (config.rules.empty() || config.rules.back().allow.empty()) return nullptr;
  return &config.rules.back().allow.back();
}

Status needValues(std::string_view key, const std::vector<std::string_view>& values, size_t count) {
  if (values.size() == count) return Status::ok();
  return valueError(key, "needs " + std::to_string(count) + " value(s) after a space");
}

Status decodeConditionLine(std::string_view key, const std::vector<std::string_view>& values,
                           AccessCondition& condition) {
  if (key == kConditionClaim) {
    if (Status s = needValues(key, values, 2); !s) return s;
    ClaimCondition claim;
    if (Status s = decodeString(key, values[0], claim.name); !s) return s;
    if (Status s = decodeSettingsList(key, values[1], claim.values); !s) return s;
    condition.claims.push_back(std::move(claim));
    return Status::ok();
  }
  for (const ConditionList& list : kConditionLists) {
    if (key != list.key) continue;
    if (Status s = needValues(key, values, 1); !s) return s;
    return decodeSettingsList(key, values[0], condition.*list.member);
  }
  return valueError(key, "unknown condition key");
}

}  // namespace

void encodeRuleAccessLines(std::string& out, const AccessRule& rule) {
  if (!rule.methods.empty()) addLine(out, kRuleMethods, encodeSettingsList(rule.methods));
  for (const AccessCondition& condition : rule.allow) encodeCondition(out, condition);
}

void encodeHeaderLines(std::string& out, const Config& config) {
  for (const HeaderClaim& h : config.headers) {
    addLine(out, kHeader, percentEncode(h.header) + ' ' + percentEncode(h.claim));
  }
  if (config.cors_preflight_pass) addLine(out, kCorsPreflight, "pass");
  if (!config.session.cookie_domain.empty()) {
    addLine(out, kCookieDomain, percentEncode(config.session.cookie_domain));
  }
  for (const std::string& host : config.allowed_hosts) {
    addLine(out, kAllowedHost, percentEncode(host));
  }
}

std::optional<Status> decodeAccessLine(std::string_view key,
                                       const std::vector<std::string_view>& values,
                                       Config& config) {
  if (key == kHeader) {
    if (Status s = needValues(key, values, 2); !s) return s;
    HeaderClaim h;
    if (Status s = decodeString(key, values[0], h.header); !s) return s;
    if (Status s = decodeString(key, values[1], h.claim); !s) return s;
    config.headers.push_back(std::move(h));
    return Status::ok();
  }
  if (key == kCookieDomain || key == kAllowedHost) {
    if (Status s = needValues(key, values, 1); !s) return s;
    if (key == kAllowedHost)
      return decodeString(key, values[0], config.allowed_hosts.emplace_back());
    if (!config.session.cookie_domain.empty()) return valueError(key, "given twice");
    return decodeString(key, values[0], config.session.cookie_domain);
  }
  if (key == kCorsPreflight) {
    if (values.size() != 1 || values[0] != "pass") return valueError(key, "takes the value pass");
    config.cors_preflight_pass = true;
    return Status::ok();
  }
  if (key == kRuleMethods || key == kRuleAllow) {
    if (config.rules.empty()) return valueError(key, "comes before any rule line");
    AccessRule& rule = config.rules.back();
    if (key == kRuleAllow) {
      if (!values.empty()) return valueError(key, "takes no value");
      rule.allow.emplace_back();
      return Status::ok();
    }
    if (Status s = needValues(key, values, 1); !s) return s;
    return decodeSettingsList(key, values[0], rule.methods);
  }
  if (key.starts_with("condition.")) {
    AccessCondition* condition = lastCondition(config);
    if (condition == nullptr) return valueError(key, "comes before any rule.allow line");
    return decodeConditionLine(key, values, *condition);
  }
  return std::nullopt;
}

}  // namespace barrier
