#include "tests/support/valid_config.h"

#include <stdexcept>

namespace barrier {

Config testConfig() {
  Config config;
  config.site_url = "https://www.example.com";
  config.session.signing_keys = {std::string(32, 'k')};
  config.provider.type = ProviderConfig::Type::kCognito;
  config.provider.region = "eu-west-1";
  config.provider.user_pool_id = "eu-west-1_Test";
  config.provider.domain = "auth.example.com";
  config.provider.client_id = "client123";
  config.store.type = StoreConfig::Type::kMemory;
  return config;
}

ValidConfig mustValidate(Config config) {
  Result<ValidConfig> valid = validate(std::move(config));
  if (!valid.isOk()) throw std::invalid_argument("test configuration: " + valid.status().message());
  return std::move(valid.value());
}

}  // namespace barrier
