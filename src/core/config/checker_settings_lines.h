// Internal to the checker settings codec (checker_settings*.cpp): value
// helpers shared by its files, and the lines of the access fields.
//
// Access lines (after the `rule` line they belong to, in order):
//
//   rule.methods GET,POST                 the last rule's methods
//   rule.allow                            starts a condition of the last rule
//   condition.groups admins,ops           the last condition's lists (also
//   condition.emails a%40example.com        .email_domains and .users)
//   condition.claim department sales,hr   one claim of the last condition
//   header X-Barrier-Department department
//   cors_preflight pass
//   session.cookie_domain example.com
//   allowed_host docs.example.com         one line per allowed_hosts entry
//
// Api lines (only with api.bearer; checker_settings_api.cpp):
//
//   api.bearer                            bearer tokens are decided
//   api.audience https%3A%2F%2Fapi        one line each (also api.client_id)
//   api.issuer https%3A%2F%2Fidp          what tokens' iss must be
//   api.jwks_uri                          the keys ("": the issuer's discovery)
//   api.groups_claim cognito%3Agroups
//
// Every value is percent-encoded, lists joined by ','.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config/config.h"
#include "core/status.h"

namespace barrier {

// "<key>: <message>" as kInvalidArgument.
Status valueError(std::string_view key, std::string_view message);
// A percent-encoded value (only what percentEncode writes is accepted).
Status decodeString(std::string_view key, std::string_view token, std::string& out);
// Items percent-encoded and joined by ','; the inverse appends to `out`.
std::string encodeSettingsList(const std::vector<std::string>& items);
Status decodeSettingsList(std::string_view key, std::string_view list,
                          std::vector<std::string>& out);

// The access lines of `rule` (written after its `rule` line).
void encodeRuleAccessLines(std::string& out, const AccessRule& rule);
// The header, cors_preflight, session.cookie_domain and allowed_host lines
// of `config`.
void encodeHeaderLines(std::string& out, const Config& config);
// One access line into `config`; nullopt when `key` is not an access key.
std::optional<Status> decodeAccessLine(std::string_view key,
                                       const std::vector<std::string_view>& values, Config& config);

// The api lines of `config` (none without api.bearer): the issuer and
// jwks_uri resolved as far as they can be without I/O.
void encodeApiLines(std::string& out, const Config& config);
// One api line into `config` (provider.issuer, jwks_uri and groups_claim
// hold the api.* values); nullopt when `key` is not an api key.
std::optional<Status> decodeApiLine(std::string_view key,
                                    const std::vector<std::string_view>& values, Config& config);
// Once every line is read: api.bearer needs an issuer and an audience or
// client id.
Status checkApiLines(const Config& config);

}  // namespace barrier
