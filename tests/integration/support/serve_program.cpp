#include "serve_program.h"

#include <algorithm>
#include <regex>

namespace barrier::testing {

std::string serveConfigHead(const std::string& issuer, const std::string& site_url,
                            const std::string& provider_extra) {
  return "site_url: " + site_url +
         "\n"
         "provider:\n"
         "  type: oidc\n"
         "  issuer: " +
         issuer +
         "\n"
         "  client_id: barrier\n" +
         provider_extra +
         "session:\n"
         "  signing_keys: [\"" +
         kServeTestSigningKey + "\"]\n";
}

ServeProgram::ServeProgram(const std::string& config_path, const std::string& dir,
                           const std::vector<std::string>& extra_args, int timeout_ms)
    : stdout_(dir + "/stdout.log"), stderr_(dir + "/stderr.log") {
  std::vector<std::string> argv = {BARRIER_BINARY, "serve", "-c", config_path};
  if (std::find(extra_args.begin(), extra_args.end(), "--listen") == extra_args.end()) {
    argv.insert(argv.end(), {"--listen", "127.0.0.1:0"});
  }
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  process_ = std::make_unique<ChildProcess>(argv, stdout_, stderr_);
  bool printed = waitForFile(
      stdout_,
      [](const std::string& text) {
        return text.find("listening on http://") != std::string::npos;
      },
      timeout_ms);
  std::smatch match;
  std::string out = readFile(stdout_);
  if (!printed ||
      !std::regex_search(out, match, std::regex(R"(listening on http://127\.0\.0\.1:(\d+))"))) {
    error_ = "barrier serve did not print its address; stdout: " + out + "; stderr: " + log();
    return;
  }
  port_ = static_cast<uint16_t>(std::stoi(match[1]));
}

}  // namespace barrier::testing
