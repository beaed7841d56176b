// `barrier serve` reads the form of POST /_identity/backchannel-logout (the
// server reads no other request body of the manager's paths) and hands it to
// the handler; the token checks themselves are logout_token_test's. End to
// end: a user signed in through barrier ends the session at the provider
// (oidc-provider's own end-session flow), which posts a logout token to
// barrier, and the barrier cookie stops working.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "adapters/curl_http_client.h"
#include "support/idp_serve_fixture.h"
#include "support/idp_test_keys.h"
#include "support/manager_browser.h"
#include "support/serve_http.h"
#include "tests/support/eventually.h"

namespace barrier::testing {
namespace {

class ServeBackchannelTest : public IdpServeTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(startIdp(IdpOptions{}, "barrier-serve-backchannel-"));
    if (IsSkipped()) return;
    startServe("  backchannel_logout: true\n");
  }

  HttpReply post(const std::string& body) {
    HttpConnection connection("127.0.0.1", serve_->port());
    return connection.exchange(rawRequest("POST", "/_identity/backchannel-logout",
                                          "Content-Type: application/x-www-form-urlencoded\r\n",
                                          body));
  }

  static std::string description(const HttpReply& reply) {
    auto doc = nlohmann::json::parse(reply.body, nullptr, false);
    return doc.is_object() && doc["error_description"].is_string()
               ? doc["error_description"].get<std::string>()
               : "";
  }
};

TEST_F(ServeBackchannelTest, TheFormReachesTheHandler) {
  HttpReply empty = post("");
  ASSERT_EQ(empty.status, 400) << empty.error;
  EXPECT_EQ(description(empty), "one logout_token form field is required");
  EXPECT_EQ(empty.headers.get("Cache-Control"), "no-store");

  // A token signed by a key the provider never published: read from the
  // body, then refused by the signature check (not as a missing field).
  TestRsaKey stranger("stranger");
  nlohmann::json claims = {
      {"iss", idp_->issuer()},
      {"aud", "barrier"},
      {"sub", "alice"},
      {"iat", 1},
      {"jti", "j1"},
      {"events",
       {{"http://schemas.openid.net/event/backchannel-logout", nlohmann::json::object()}}}};
  HttpReply forged = post("logout_token=" + stranger.signRs256(claims));
  ASSERT_EQ(forged.status, 400) << forged.error;
  EXPECT_NE(description(forged), "");
  EXPECT_NE(description(forged), "one logout_token form field is required");

  // A form larger than the manager's paths accept is refused before the
  // handler sees it.
  HttpReply huge = post("logout_token=" + std::string(70 * 1024, 'a'));
  EXPECT_EQ(huge.status, 413) << huge.error;
}

// barrier on a port known before it starts: the provider registers its
// back-channel logout URL (with backchannel_logout_session_required, so ID
// and logout tokens name a sid).
class ServeBackchannelE2eTest : public IdpServeTest {
 protected:
  void SetUp() override {
    port_ = freePort();
    site_ = "http://127.0.0.1:" + std::to_string(port_);
    IdpOptions options;
    options.redirect_uris = {site_ + "/_identity/auth"};
    options.logout_uris = {site_ + "/_identity/signed-out"};
    options.backchannel_logout_uri = site_ + "/_identity/backchannel-logout";
    ASSERT_NO_FATAL_FAILURE(startIdp(options, "barrier-backchannel-e2e-"));
    if (IsSkipped()) return;
    std::ofstream(siteDir() + "/page") << "page\n";
    startServe("  backchannel_logout: true\n", "", site_,
               {"--listen", "127.0.0.1:" + std::to_string(port_)});
  }

  // A browser whose every request goes over HTTP, to barrier or the provider.
  ManagerBrowser newBrowser() {
    return ManagerBrowser(*http_, "in-process:none", [](const Request&) { return Response{}; });
  }

  // Signs alice in at the provider through barrier's login; the Cookie
  // line of her barrier session ("" on failure, recorded).
  std::string signIn(ManagerBrowser& b) {
    auto isCallback = [this](const std::string& l) {
      return l.starts_with(site_ + "/_identity/auth");
    };
    BrowserPage page = b.follow(b.get(site_ + "/_identity/login?path=/page"), isCallback);
    if (page.status == 200)
      page = b.follow(b.submitLogin(page, "alice", "alice-password"), isCallback);
    BrowserPage done = b.get(ManagerBrowser::resolve(page.url, page.location()));
    EXPECT_EQ(done.status, 302) << done.body << serve_->log();
    std::string cookie = b.cookie(site_, "barrier");
    EXPECT_FALSE(cookie.empty()) << "no session cookie";
    return cookie.empty() ? "" : "Cookie: barrier=" + cookie + "\r\n";
  }

  int status(const std::string& cookie) { return httpGet(port_, "/page", cookie).status; }

  uint16_t port_ = 0;
  std::string site_;
  std::unique_ptr<HttpClient> http_ = makeCurlHttpClient();
};

// Two sign-ins of alice in two browsers (two provider sessions): ending one
// at the provider ends its barrier session (the token's sid), and only
// that one.
TEST_F(ServeBackchannelE2eTest, LogoutAtTheProviderEndsTheBarrierSession) {
  ManagerBrowser first = newBrowser(), second = newBrowser();
  std::string cookie = signIn(first);
  std::string other = signIn(second);
  ASSERT_FALSE(cookie.empty() || other.empty());
  ASSERT_EQ(status(cookie), 200);
  ASSERT_EQ(status(other), 200);
  BrowserPage out = first.endProviderSession(idp_->issuer());
  ASSERT_TRUE(out.status > 0 && out.status < 400) << out.status << " " << out.body;
  EXPECT_EQ(status(cookie), 401) << serve_->log();
  EXPECT_EQ(status(other), 200) << "another provider session of the same user";
  EXPECT_EQ(occurrences(serve_->log(), "\"backchannel_logout\""), 1u) << serve_->log();
}

}  // namespace
}  // namespace barrier::testing
