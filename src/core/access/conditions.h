// Who may hold a session, and who may reach a path: the conditions of an
// `allow:` list (README, "Access rules").
//
// A condition holds any of groups, emails, email_domains, claims and users;
// every key it gives must hold (AND), and a list of conditions passes when
// one of them does (OR). Conditions are decided against a session: a
// SessionRecord (at sign-in, or the record a bearer token's claims make) or
// the checker's CachedSession of it (the checker reads no provider). Pure
// functions; no I/O.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/session/cached_session.h"
#include "core/session/record.h"

namespace barrier {

// `claims: {name: [values]}`: the claim must hold one of `values`.
struct ClaimCondition {
  std::string name;
  std::vector<std::string> values;
};

struct AccessCondition {
  std::vector<std::string> groups;         // any of the record's groups
  std::vector<std::string> emails;         // the verified e-mail, ignoring case
  std::vector<std::string> email_domains;  // the verified e-mail's domain, exactly
  std::vector<ClaimCondition> claims;      // each claim: any listed value
  std::vector<std::string> users;          // the record's sub
};

// `header: claim` of the `headers:` mapping: an identity header set from a
// claim the record keeps. The name starts with X-Barrier- (config checks
// it), so every shape strips a client's own copy.
struct HeaderClaim {
  std::string header;
  std::string claim;
};

// True when every key `condition` gives holds for `record`. An e-mail
// condition needs record.email, which holds only a verified address.
bool meetsCondition(const AccessCondition& condition, const SessionRecord& record);

// True when `allow` is empty (no restriction) or one of its conditions holds.
bool meetsAny(const std::vector<AccessCondition>& allow, const SessionRecord& record);
bool meetsAny(const std::vector<AccessCondition>& allow, const CachedSession& session);

// The domain of `email` (after its last '@'), or "" when it has no local
// part or no domain.
std::string_view emailDomain(std::string_view email);

// The values `record` keeps for claim `name` (nullptr when none).
const std::vector<std::string>* claimValues(const SessionRecord& record, std::string_view name);

}  // namespace barrier
