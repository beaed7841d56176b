// application/x-www-form-urlencoded query strings and form bodies.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace barrier {

using QueryParams = std::vector<std::pair<std::string, std::string>>;

// Splits on '&', decodes each name and value exactly once ('+' = space).
// Pairs with malformed escapes are dropped; never fails. Bounded to
// kMaxQueryParams pairs.
QueryParams parseQuery(std::string_view query);
constexpr size_t kMaxQueryParams = 256;

// First value of `name`, if present.
std::optional<std::string> queryParam(const QueryParams& params, std::string_view name);
// Number of times `name` occurs (a repeated `state` or `code` is refused).
size_t queryCount(const QueryParams& params, std::string_view name);

// "a=1&b=x%20y": every name and value percent-encoded.
std::string encodeQuery(const QueryParams& params);

}  // namespace barrier
