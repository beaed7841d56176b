#include "core/config/access_config.h"

#include <algorithm>

#include "core/handlers/check.h"

namespace barrier {

namespace {

using Json = nlohmann::json;

bool isDomainChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.';
}

bool isDomain(std::string_view d) {
  return !d.empty() && d.size() <= 253 && d.front() != '.' && d.back() != '.' &&
         d.find("..") == std::string_view::npos && std::all_of(d.begin(), d.end(), isDomainChar);
}

// A list key that is present must hold values: an empty list would match
// nobody, which is never what a condition means.
void nonEmptyList(ConfigReader& r, const Json& obj, std::string_view path, const char* key,
                  std::vector<std::string>& out) {
  r.stringList(obj, path, key, out);
  if (r.ok() && obj.contains(key) && !obj[key].is_null() && out.empty()) {
    r.fail(ConfigReader::join(path, key),
           "must list at least one value (an empty list matches nobody); remove the key to "
           "leave it out");
  }
}

void checkEmails(ConfigReader& r, std::string_view path, const std::vector<std::string>& emails) {
  for (size_t i = 0; i < emails.size() && r.ok(); ++i) {
    size_t at = emails[i].rfind('@');
    if (at == 0 || at == std::string::npos ||
        !isDomain(std::string_view(emails[i]).substr(at + 1))) {
      r.fail(ConfigReader::join(ConfigReader::join(path, "emails"), i),
             "must be an e-mail address like alice@example.com, got \"" + emails[i] + "\"");
    }
  }
}

void checkDomains(ConfigReader& r, std::string_view path, const std::vector<std::string>& domains) {
  for (size_t i = 0; i < domains.size() && r.ok(); ++i) {
    if (!isDomain(domains[i])) {
      r.fail(ConfigReader::join(ConfigReader::join(path, "email_domains"), i),
             "must be a domain alone, like example.com (it matches a@example.com, not "
             "subdomains), got \"" +
                 domains[i] + "\"");
    }
  }
}

void readClaims(ConfigReader& r, const Json& item, std::string_view path,
                std::vector<ClaimCondition>& out) {
  const Json* claims = r.object(item, path, "claims");
  if (claims == nullptr) return;
  std::string field = ConfigReader::join(path, "claims");
  if (claims->empty()) r.fail(field, "must name at least one claim, like {department: [sales]}");
  for (const auto& entry : claims->items()) {
    if (!r.ok()) return;
    // `email` as a plain claim would skip the email_verified test that
    // `emails` makes.
    if (entry.key() == "email") {
      r.fail(ConfigReader::join(field, "email"),
             "is not allowed: use emails (or email_domains), which also need email_verified");
      return;
    }
    ClaimCondition claim{entry.key(), {}};
    nonEmptyList(r, *claims, field, entry.key().c_str(), claim.values);
    out.push_back(std::move(claim));
  }
}

void readCondition(ConfigReader& r, const Json& item, const std::string& path, AccessCondition& c) {
  if (!item.is_object() || item.empty()) {
    r.fail(path,
           "must be a mapping with at least one of groups, emails, email_domains, claims "
           "or users (an empty condition would let every signed-in user in), got " +
               describe(item));
    return;
  }
  r.checkKeys(item, path, {"groups", "emails", "email_domains", "claims", "users"});
  nonEmptyList(r, item, path, "groups", c.groups);
  nonEmptyList(r, item, path, "emails", c.emails);
  checkEmails(r, path, c.emails);
  nonEmptyList(r, item, path, "email_domains", c.email_domains);
  checkDomains(r, path, c.email_domains);
  readClaims(r, item, path, c.claims);
  nonEmptyList(r, item, path, "users", c.users);
}

bool isMethodName(const std::string& m) {
  return !m.empty() && m.size() <= 20 &&
         std::all_of(m.begin(), m.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

}  // namespace

void readAllowList(ConfigReader& r, const Json& parent, std::string_view path,
                   std::vector<AccessCondition>& out) {
  const Json* list = r.array(parent, path, "allow");
  if (list == nullptr) return;
  std::string field = ConfigReader::join(path, "allow");
  if (list->empty()) {
    r.fail(field,
           "must list at least one condition (an empty list lets nobody in); remove it "
           "to let every signed-in user in");
    return;
  }
  out.clear();
  for (size_t i = 0; i < list->size() && r.ok(); ++i) {
    AccessCondition condition;
    readCondition(r, (*list)[i], ConfigReader::join(field, i), condition);
    out.push_back(std::move(condition));
  }
}

void readRuleAccess(ConfigReader& r, const Json& item, std::string_view path, AccessRule& rule) {
  nonEmptyList(r, item, path, "methods", rule.methods);
  for (size_t i = 0; i < rule.methods.size() && r.ok(); ++i) {
    std::string& method = rule.methods[i];
    for (char& c : method) c = c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c;
    if (!isMethodName(method)) {
      r.fail(ConfigReader::join(ConfigReader::join(path, "methods"), i),
             "must be an HTTP method like GET or POST, got \"" + method + "\"");
    }
  }
  readAllowList(r, item, path, rule.allow);
  if (r.ok() && !rule.groups.empty() && !rule.allow.empty()) {
    r.fail(path,
           "gives both groups and allow; use one (groups: [a] is short for allow: "
           "[{groups: [a]}])");
  }
}

void readApi(ConfigReader& r, const Json& root, ApiConfig& out) {
  const Json* api = r.object(root, "", "api");
  if (api == nullptr) return;
  r.checkKeys(*api, "api", {"bearer", "audiences", "client_ids"});
  r.boolean(*api, "api", "bearer", out.bearer);
  nonEmptyList(r, *api, "api", "audiences", out.audiences);
  nonEmptyList(r, *api, "api", "client_ids", out.client_ids);
  if (!r.ok()) return;
  bool listed = !out.audiences.empty() || !out.client_ids.empty();
  if (out.bearer && !listed) {
    r.fail("api.bearer",
           "needs api.audiences (the aud your API's access tokens carry) or, for "
           "Cognito access tokens, api.client_ids");
  } else if (!out.bearer && listed) {
    r.fail("api.bearer", "must be true for api.audiences or api.client_ids to take effect");
  }
}

void readHeaderClaims(ConfigReader& r, const Json& root, std::vector<HeaderClaim>& out) {
  const Json* headers = r.object(root, "", "headers");
  if (headers == nullptr) return;
  out.clear();
  for (const auto& entry : headers->items()) {
    if (!r.ok()) return;
    std::string field = ConfigReader::join("headers", entry.key());
    HeaderClaim header{entry.key(), {}};
    r.string(*headers, "headers", entry.key().c_str(), header.claim);
    bool builtin =
        std::any_of(kIdentityHeaders.begin(), kIdentityHeaders.end(),
                    [&](const char* name) { return equalsIgnoreCase(name, entry.key()); });
    if (!r.ok()) return;
    bool plain = std::all_of(entry.key().begin(), entry.key().end(),
                             [](char c) { return c == '-' || (isDomainChar(c) && c != '.'); });
    if (!plain || !isIdentityHeaderName(entry.key())) {
      r.fail(field,
             "must be a header name starting with X-Barrier- (barrier strips those from "
             "every client request), like X-Barrier-Department");
    } else if (builtin) {
      r.fail(field, "is set by barrier itself; choose another name");
    } else if (header.claim.empty()) {
      r.fail(field, "must name a claim, like department");
    } else if (header.claim == "email") {
      r.fail(field,
             "may not carry the email claim: X-Barrier-Email already carries the "
             "verified address");
    }
    out.push_back(std::move(header));
  }
}

}  // namespace barrier
