#include "core/access/conditions.h"

#include <algorithm>

#include "core/http/message.h"

namespace barrier {

namespace {

bool contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

bool anyShared(const std::vector<std::string>& wanted, const std::vector<std::string>& held) {
  return std::any_of(wanted.begin(), wanted.end(),
                     [&](const std::string& w) { return contains(held, w); });
}

bool anyIgnoringCase(const std::vector<std::string>& wanted, std::string_view value) {
  return std::any_of(wanted.begin(), wanted.end(),
                     [&](const std::string& w) { return equalsIgnoreCase(w, value); });
}

bool meetsClaim(const ClaimCondition& claim, const SessionRecord& record) {
  const std::vector<std::string>* held = claimValues(record, claim.name);
  return held != nullptr && anyShared(claim.values, *held);
}

}  // namespace

std::string_view emailDomain(std::string_view email) {
  size_t at = email.rfind('@');
  if (at == std::string_view::npos || at == 0) return {};
  return email.substr(at + 1);
}

const std::vector<std::string>* claimValues(const SessionRecord& record, std::string_view name) {
  for (const auto& claim : record.claims) {
    if (claim.name == name) return &claim.values;
  }
  return nullptr;
}

bool meetsCondition(const AccessCondition& c, const SessionRecord& record) {
  if (!c.groups.empty() && !anyShared(c.groups, record.groups)) return false;
  if (!c.users.empty() && (record.sub.empty() || !contains(c.users, record.sub))) return false;
  // record.email is empty unless the provider said email_verified: an
  // address anyone could type never meets an e-mail condition.
  if (!c.emails.empty() && (record.email.empty() || !anyIgnoringCase(c.emails, record.email))) {
    return false;
  }
  if (!c.email_domains.empty()) {
    // The whole domain after the last '@', compared exactly (ignoring case):
    // example.com is neither evil-example.com nor example.com.evil.
    std::string_view domain = emailDomain(record.email);
    if (domain.empty() || !anyIgnoringCase(c.email_domains, domain)) return false;
  }
  return std::all_of(c.claims.begin(), c.claims.end(),
                     [&](const ClaimCondition& claim) { return meetsClaim(claim, record); });
}

bool meetsAny(const std::vector<AccessCondition>& allow, const SessionRecord& record) {
  if (allow.empty()) return true;
  return std::any_of(allow.begin(), allow.end(),
                     [&](const AccessCondition& c) { return meetsCondition(c, record); });
}

}  // namespace barrier
