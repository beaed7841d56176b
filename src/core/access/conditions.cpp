#include "core/access/conditions.h"

#include <algorithm>

#include "core/http/message.h"

namespace barrier {

namespace {

// The fields a condition reads, from either form of a session.
std::string_view subOf(const SessionRecord& r) { return r.sub; }
std::string_view subOf(const CachedSession& r) { return r.sub(); }
std::string_view emailOf(const SessionRecord& r) { return r.email; }
std::string_view emailOf(const CachedSession& r) { return r.email(); }
const std::vector<std::string>& groupsOf(const SessionRecord& r) { return r.groups; }
PackedStrings groupsOf(const CachedSession& r) { return r.groups(); }
std::optional<PackedStrings> claimOf(const CachedSession& r, std::string_view name) {
  return r.claim(name);
}
const std::vector<std::string>* claimOf(const SessionRecord& r, std::string_view name) {
  return claimValues(r, name);
}

bool contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

template <class Held>
bool anyShared(const std::vector<std::string>& wanted, const Held& held) {
  for (std::string_view h : held) {
    if (contains(wanted, h)) return true;
  }
  return false;
}

bool anyIgnoringCase(const std::vector<std::string>& wanted, std::string_view value) {
  return std::any_of(wanted.begin(), wanted.end(),
                     [&](const std::string& w) { return equalsIgnoreCase(w, value); });
}

template <class Record>
bool meetsClaim(const ClaimCondition& claim, const Record& record) {
  auto held = claimOf(record, claim.name);
  return held && anyShared(claim.values, *held);
}

template <class Record>
bool meets(const AccessCondition& c, const Record& record) {
  if (!c.groups.empty() && !anyShared(c.groups, groupsOf(record))) return false;
  std::string_view sub = subOf(record);
  if (!c.users.empty() && (sub.empty() || !contains(c.users, sub))) return false;
  // The e-mail is empty unless the provider said email_verified: an
  // address anyone could type never meets an e-mail condition.
  std::string_view email = emailOf(record);
  if (!c.emails.empty() && (email.empty() || !anyIgnoringCase(c.emails, email))) return false;
  if (!c.email_domains.empty()) {
    // The whole domain after the last '@', compared exactly (ignoring case):
    // example.com is neither evil-example.com nor example.com.evil.
    std::string_view domain = emailDomain(email);
    if (domain.empty() || !anyIgnoringCase(c.email_domains, domain)) return false;
  }
  return std::all_of(c.claims.begin(), c.claims.end(),
                     [&](const ClaimCondition& claim) { return meetsClaim(claim, record); });
}

template <class Record>
bool meetsAnyOf(const std::vector<AccessCondition>& allow, const Record& record) {
  if (allow.empty()) return true;
  return std::any_of(allow.begin(), allow.end(),
                     [&](const AccessCondition& c) { return meets(c, record); });
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
  return meets(c, record);
}

bool meetsAny(const std::vector<AccessCondition>& allow, const SessionRecord& record) {
  return meetsAnyOf(allow, record);
}

bool meetsAny(const std::vector<AccessCondition>& allow, const CachedSession& session) {
  return meetsAnyOf(allow, session);
}

}  // namespace barrier
