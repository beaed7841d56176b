// libFuzzer target: the readers of what the shared AWS files lead barrier
// to read — the INI files themselves, a credential_process command line and
// its output, an SSO token cache file, SSO OIDC's answer to a refresh and
// the SSO portal's answer. None may crash, credentials are only ever
// accepted complete, and a refresh is only ever taken whole.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "adapters/aws_credentials.h"
#include "adapters/aws_sso.h"
#include "adapters/credential_process.h"

namespace {

void checkCredentials(const barrier::Result<barrier::AwsCredentials>& c) {
  if (c.isOk() && !c->complete()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  barrier::parseIni(text);
  auto words = barrier::splitCommandLine(text);
  if (words.isOk() && words->empty()) std::abort();
  checkCredentials(barrier::parseProcessCredentials(text, "fuzz"));
  auto token = barrier::parseSsoToken(text, "fuzz");
  if (token.isOk() && token->access_token.empty()) std::abort();
  barrier::SsoToken refreshed;
  refreshed.access_token = "kept";
  if (barrier::applySsoRefresh(text, 1700000000, refreshed).isOk()) {
    if (refreshed.access_token.empty() || refreshed.expires_at <= 1700000000) std::abort();
  } else if (refreshed.access_token != "kept" || refreshed.expires_at != 0) {
    std::abort();
  }
  checkCredentials(barrier::parseSsoRoleCredentials(text, "fuzz"));
  return 0;
}
