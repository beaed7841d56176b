#include "server/connect_check.h"

#include <filesystem>

#include "adapters/store_factory.h"
#include "core/oidc/jwks.h"
#include "core/oidc/provider.h"

namespace barrier {
namespace {

ConnectCheck failed(std::string name, std::string why) {
  return {std::move(name), false, std::move(why)};
}

// "URL: why", unless `why` names the URL already (the HTTP client's do).
std::string at(const std::string& url, const std::string& why) {
  return why.find(url) != std::string::npos ? why : url + ": " + why;
}

// A sqlite store that does not exist yet is fine as long as its folder
// does: barrier serve creates the file on its first start. Creating it
// here would give it check-config's owner, whom barrier serve refuses.
bool sqliteNotCreatedYet(const StoreConfig& config, ConnectCheck& out) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (config.type != StoreConfig::Type::kSqlite || fs::exists(config.path, ec)) return false;
  fs::path folder = fs::path(config.path).parent_path();
  if (folder.empty()) folder = ".";
  out = fs::is_directory(folder, ec)
            ? ConnectCheck{"store", true,
                           config.path + " does not exist yet: barrier serve creates it"}
            : failed("store", "folder " + folder.string() + " of store.path does not exist");
  return true;
}

// Whether barrier serve resolves the endpoints without discovery, and why.
const char* discoveryUnused(const ProviderConfig& config) {
  if (config.type == ProviderConfig::Type::kCognito) {
    return "not used: Cognito endpoints derive from region and user_pool_id";
  }
  bool all_set = !config.authorization_endpoint.empty() && !config.token_endpoint.empty() &&
                 !config.jwks_uri.empty();
  return all_set ? "not used: the endpoints are configured" : nullptr;
}

ConnectCheck checkJwks(const std::string& jwks_uri, const ProviderConfig& config,
                       HttpClient& http) {
  HttpClientRequest request;
  request.url = jwks_uri;
  request.timeout_ms = config.timeout_ms;
  request.headers.add("Accept", "application/json");
  auto response = http.send(request);
  if (!response) return failed("jwks", at(jwks_uri, response.status().message()));
  if (response->status != 200) {
    return failed("jwks", jwks_uri + " answered HTTP " + std::to_string(response->status));
  }
  auto keys = parseJwks(response->body);
  if (!keys) return failed("jwks", jwks_uri + ": " + keys.status().message());
  if (keys->keys.empty()) return failed("jwks", jwks_uri + " holds no RS256 signing key");
  return {"jwks", true, jwks_uri + " (" + std::to_string(keys->keys.size()) + " key(s))"};
}

}  // namespace

ConnectCheck checkStore(const StoreConfig& config) {
  ConnectCheck out;
  if (sqliteNotCreatedYet(config, out)) return out;
  auto store = makeStore(config);
  if (!store) return failed("store", store.status().message());
  if (Status ping = store.value()->ping(); !ping) return failed("store", ping.message());
  return {"store", true, "answers"};
}

std::vector<ConnectCheck> checkProvider(const ProviderConfig& config, HttpClient& http,
                                        Clock& clock) {
  std::vector<ConnectCheck> out;
  const char* unused = discoveryUnused(config);
  std::string discovery_url = config.issuer;
  while (!discovery_url.empty() && discovery_url.back() == '/') discovery_url.pop_back();
  discovery_url += "/.well-known/openid-configuration";
  ProviderDirectory directory(config, http, clock);
  auto endpoints = directory.endpoints();
  if (unused != nullptr) {
    out.push_back({"discovery", true, unused});
  } else if (!endpoints) {
    out.push_back(failed("discovery", at(discovery_url, endpoints.status().message())));
  } else {
    out.push_back({"discovery", true, discovery_url});
  }
  if (!endpoints) {
    out.push_back(failed("jwks", "not tried: the provider's endpoints are unknown"));
  } else {
    out.push_back(checkJwks(endpoints->jwks_uri, config, http));
  }
  // Advice, not a failure: the endpoint works when called, but a provider
  // that does not announce it may never call it.
  if (config.backchannel_logout && endpoints && !endpoints->backchannel_logout_supported) {
    out.push_back({"backchannel_logout", true,
                   "warning: provider.backchannel_logout is on, but the provider's discovery "
                   "document does not announce backchannel_logout_supported"});
  }
  return out;
}

}  // namespace barrier
