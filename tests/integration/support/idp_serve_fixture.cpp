#include "idp_serve_fixture.h"

#include <filesystem>
#include <fstream>

namespace barrier::testing {

namespace fs = std::filesystem;

void IdpServeTest::startIdp(const IdpOptions& options, const std::string& dir_prefix) {
  idp_ = std::make_unique<IdpProcess>(options);
  if (!idp_->ok()) GTEST_SKIP() << "needs node and oidc-provider: " << idp_->error();
  dir_ = makeTempDir(dir_prefix);
  ASSERT_FALSE(dir_.empty());
  fs::create_directories(siteDir());
}

void IdpServeTest::startServe(const std::string& provider_extra, const std::string& rest,
                              const std::string& site_url,
                              const std::vector<std::string>& extra_args) {
  std::ofstream(dir_ + "/barrier.yaml")
      << serveConfigHead(idp_->issuer(), site_url, provider_extra) << "store:\n  type: memory\n"
      << rest << "server:\n  origins:\n    - prefix: /\n      static: site\n";
  serve_ = std::make_unique<ServeProgram>(dir_ + "/barrier.yaml", dir_, extra_args);
  ASSERT_TRUE(serve_->ok()) << serve_->error();
}

void IdpServeTest::TearDown() {
  serve_.reset();
  idp_.reset();
  std::error_code ec;
  if (!dir_.empty()) fs::remove_all(dir_, ec);
}

}  // namespace barrier::testing
