// Reading the access fields of the configuration (allow lists, rules'
// methods and allow, headers): each value checked as it is read, every
// message naming the field and how to fix it. Used by readConfigJson.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>
#include <vector>

#include "core/config/config.h"
#include "core/config/config_reader.h"

namespace barrier {

// `<path>.allow`: a non-empty list of non-empty conditions.
void readAllowList(ConfigReader& r, const nlohmann::json& parent, std::string_view path,
                   std::vector<AccessCondition>& out);

// A rule's `methods` and `allow` (its path and groups are read beside).
void readRuleAccess(ConfigReader& r, const nlohmann::json& item, std::string_view path,
                    AccessRule& rule);

// `api`: bearer, audiences, client_ids; audiences or client_ids needed with
// bearer, and neither without it.
void readApi(ConfigReader& r, const nlohmann::json& root, ApiConfig& out);

// `headers`: {X-Barrier-Name: claim}.
void readHeaderClaims(ConfigReader& r, const nlohmann::json& root, std::vector<HeaderClaim>& out);

}  // namespace barrier
