#include "core/handlers/identity.h"

#include <gtest/gtest.h>

#include <functional>
#include <limits>
#include <map>
#include <optional>

#include "adapters/memory_store.h"
#include "adapters/system.h"
#include "core/encoding.h"
#include "core/http/query.h"
#include "core/oidc/authorize.h"
#include "core/oidc/jwks.h"
#include "tests/integration/support/idp_test_keys.h"
#include "tests/support/fake_http_client.h"
#include "tests/support/fixed_clock.h"
#include "tests/support/recording_log.h"
#include "tests/support/seeded_random.h"
#include "tests/support/valid_config.h"

namespace barrier {
namespace {

using nlohmann::json;
using testing::TestRsaKey;

constexpr int64_t kNow = 1700000000;
const char* kIssuer = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Test";
const char* kTokenUrl = "https://auth.example.com/oauth2/token";
const char* kUserinfoUrl = "https://auth.example.com/oauth2/userInfo";

// The shared test keys: generating RSA keys is slow, so once per process.
const TestRsaKey& goodKey() {
  static TestRsaKey key("good");
  return key;
}
const TestRsaKey& otherKey() {
  static TestRsaKey key("other");
  return key;
}

// A stand-in for Cognito's token, JWKS and userinfo endpoints, answering
// through the shared FakeHttpClient (`http`, which records the requests).
// Tests swap the token (or the whole answer) to play a misbehaving provider.
class FakeProvider {
 public:
  Result<HttpClientResponse> answer(const HttpClientRequest& request) {
    std::string url = request.url;
    if (url == std::string(kIssuer) + "/.well-known/jwks.json") {
      ++jwks_fetches;
      if (!jwks_failure.isOk()) return jwks_failure;
      return HttpClientResponse{200, {}, jwks};
    }
    if (url == kTokenUrl) {
      if (!token_failure.isOk()) return token_failure;
      if (token_status != 200) return HttpClientResponse{token_status, {}, token_body};
      QueryParams form = parseQuery(request.body);
      last_form = form;
      json claims = claimsFor(queryParam(form, "code").value_or(""));
      std::string id_token = make_token ? make_token(claims) : goodKey().signRs256(claims);
      return HttpClientResponse{
          200,
          {},
          json{{"id_token", id_token}, {"access_token", "at"}, {"token_type", "Bearer"}}.dump()};
    }
    if (url == kUserinfoUrl) {
      return HttpClientResponse{userinfo_status, {}, userinfo_body};
    }
    return Status::unavailable("no route to " + url);
  }

  // The claims a well-behaved Cognito would put in alice's ID token.
  json claimsFor(const std::string& code) const {
    return {{"iss", kIssuer},
            {"aud", "client123"},
            {"sub", "sub-alice"},
            {"token_use", "id"},
            {"iat", kNow},
            {"exp", kNow + 3600},
            {"nonce", nonce},
            {"email", "alice@example.com"},
            {"email_verified", true},
            {"cognito:username", "alice"},
            {"cognito:groups", json::array({"admins"})},
            {"auth_time", kNow},
            {"code_seen", code}};
  }

  std::string jwks = testing::jwksOf({&goodKey()});
  Status jwks_failure;  // non-ok: the JWKS endpoint gives no answer
  std::string nonce;    // set by the test from the authorize URL
  std::function<std::string(json&)> make_token;
  Status token_failure;
  int token_status = 200;
  std::string token_body;
  int userinfo_status = 200;
  std::string userinfo_body =
      R"({"sub":"sub-alice","email":"alice@userinfo.example","email_verified":true})";
  int jwks_fetches = 0;
  QueryParams last_form;
  FakeHttpClient http{[this](const HttpClientRequest& request) { return answer(request); }};
};

struct Started {
  std::string location;
  QueryParams authorize;   // the authorize URL's parameters
  std::string cookie;      // "name=value" of the flow cookie
  std::string set_cookie;  // the whole Set-Cookie header
};

std::string cookiePair(const std::string& set_cookie) {
  return set_cookie.substr(0, set_cookie.find(';'));
}

class IdentityTest : public ::testing::Test {
 protected:
  // Built on first use from `config` as the test left it, validated.
  IdentityHandlers& handlers() {
    if (!handlers_) {
      valid_config_.emplace(mustValidate(config));
      handlers_ = std::make_unique<IdentityHandlers>(
          *valid_config_, IdentityPorts{clock, random, *crypto, *store, provider.http, log});
    }
    return *handlers_;
  }

  Response get(const std::string& path, const std::string& query = "",
               const std::string& cookie = "") {
    Request r;
    r.path = path;
    r.query = query;
    if (!cookie.empty()) r.headers.add("Cookie", cookie);
    return handlers().handle(r);
  }

  Started startLogin(const std::string& query = "path=%2Fdocs") {
    Response r = get("/_identity/login", query);
    Started s;
    EXPECT_EQ(r.status, 302);
    s.location = r.headers.get("Location");
    s.authorize = parseQuery(s.location.substr(s.location.find('?') + 1));
    s.set_cookie = r.headers.get("Set-Cookie");
    s.cookie = cookiePair(s.set_cookie);
    provider.nonce = queryParam(s.authorize, "nonce").value_or("");
    return s;
  }

  Response callback(const Started& s, const std::string& code = "good-code") {
    return get("/_identity/auth",
               "code=" + code + "&state=" + queryParam(s.authorize, "state").value_or(""),
               s.cookie);
  }

  size_t count(RecordKind kind) {
    auto all = store->list(1000);
    size_t n = 0;
    for (const auto& r : all->records) n += r.kind == kind;
    return n;
  }

  void expectRefused(const Response& r, int status) {
    EXPECT_EQ(r.status, status);
    EXPECT_NE(r.body.find("/_identity/login"), std::string::npos) << "no sign-in link";
    EXPECT_EQ(r.headers.get("Cache-Control"), "no-store");
    EXPECT_FALSE(r.headers.has("Location")) << "an error page never redirects (no loops)";
    EXPECT_EQ(count(RecordKind::kSession), 0u);
  }

  // https://www.example.com, Cognito eu-west-1_Test at auth.example.com,
  // client client123.
  Config config = testConfig();
  std::optional<ValidConfig> valid_config_;
  FixedClock clock{kNow};
  SeededRandom random{42};
  std::unique_ptr<Crypto> crypto = makeOpenSslCrypto();
  std::unique_ptr<SessionStore> store = makeMemoryStore();
  FakeProvider provider;
  RecordingLog log;
  std::unique_ptr<IdentityHandlers> handlers_;
};

// Login redirects to the authorize endpoint with every parameter: state, PKCE
// challenge and nonce included (docs/ARCHITECTURE.md, "Login", step 5).
TEST_F(IdentityTest, LoginRedirectsToAuthorizeWithPkceStateAndNonce) {
  Started s = startLogin();
  EXPECT_TRUE(s.location.starts_with("https://auth.example.com/oauth2/authorize?"));
  EXPECT_EQ(queryParam(s.authorize, "response_type"), "code");
  EXPECT_EQ(queryParam(s.authorize, "client_id"), "client123");
  EXPECT_EQ(queryParam(s.authorize, "redirect_uri"), "https://www.example.com/_identity/auth");
  EXPECT_EQ(queryParam(s.authorize, "scope"), "openid email profile");
  EXPECT_EQ(queryParam(s.authorize, "code_challenge_method"), "S256");
  EXPECT_EQ(queryParam(s.authorize, "code_challenge")->size(), 43u);
  EXPECT_GE(queryParam(s.authorize, "nonce")->size(), 43u);
  // Every parameter is percent-encoded: the raw URL has no bare space or ':' in values.
  EXPECT_NE(s.location.find("redirect_uri=https%3A%2F%2Fwww.example.com%2F_identity%2Fauth"),
            std::string::npos);
  EXPECT_NE(s.location.find("scope=openid%20email%20profile"), std::string::npos);
  // state is base64url (flow id + secret), and names the flow cookie.
  auto state = decodeState(*queryParam(s.authorize, "state"));
  ASSERT_TRUE(state);
  EXPECT_TRUE(s.cookie.starts_with("barrier-login-" + state->flow + "="));
  EXPECT_NE(s.set_cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(s.set_cookie.find("Secure"), std::string::npos);
  EXPECT_NE(s.set_cookie.find("SameSite=Lax"), std::string::npos);
  EXPECT_NE(s.set_cookie.find("Path=/_identity/"), std::string::npos);
  EXPECT_NE(s.set_cookie.find("Max-Age=300"), std::string::npos);
}

// A __Host- session cookie name: browsers keep a __Host- cookie only with
// Path=/, and the flow cookie shares the prefix, so it gets Path=/ and the
// whole sign-in works (with /_identity/ every callback failed).
TEST_F(IdentityTest, HostPrefixedCookieNameSignsIn) {
  config.session.cookie_name = "__Host-barrier";
  Started s = startLogin();
  EXPECT_TRUE(s.cookie.starts_with("__Host-barrier-login-")) << s.cookie;
  EXPECT_NE(s.set_cookie.find("; Path=/;"), std::string::npos) << s.set_cookie;
  EXPECT_NE(s.set_cookie.find("Secure"), std::string::npos) << s.set_cookie;
  Response done = callback(s);
  ASSERT_EQ(done.status, 302);
  bool cleared = false;
  for (const std::string& c : done.headers.getAll("Set-Cookie")) {
    if (c.starts_with("__Host-barrier-login-")) {
      cleared = true;
      EXPECT_NE(c.find("; Path=/;"), std::string::npos) << c;
    }
  }
  EXPECT_TRUE(cleared);
}

// The login record holds the flow's secret, verifier, nonce and path, and expires in 5 minutes.
TEST_F(IdentityTest, LoginStoresALoginRecord) {
  Started s = startLogin("path=%2Fa%20b%3Fq%3D%2526");
  auto all = store->list(10);
  ASSERT_EQ(all->size(), 1u);
  const SessionRecord& r = all->records.front();
  EXPECT_EQ(r.kind, RecordKind::kLogin);
  EXPECT_EQ(r.valid_until, kNow + 300);
  EXPECT_EQ(r.path, "/a b?q=%26");
  EXPECT_EQ(r.nonce, provider.nonce);
  EXPECT_EQ(pkceChallenge(*crypto, r.code_verifier), queryParam(s.authorize, "code_challenge"));
  EXPECT_TRUE(r.sub.empty());
}

// Unsafe return paths become "/".
TEST_F(IdentityTest, UnsafeReturnPathsBecomeRoot) {
  for (const char* q :
       {"path=%2F%2Fevil.example", "path=https%3A%2F%2Fevil.example", "path=%2F%5Cevil.example",
        "path=%2Fa%0D%0ASet-Cookie%3Ax", "path=docs", "path=%252F%252Fevil.example"}) {
    store = makeMemoryStore();
    handlers_.reset();
    startLogin(q);
    auto all = store->list(10);
    ASSERT_EQ(all->size(), 1u);
    EXPECT_EQ(all->records.front().path, "/") << q;
  }
}

// The happy path: a session of kind session with the identity, a fresh
// cookie, the flow cookie cleared, and a redirect to the return path.
TEST_F(IdentityTest, CallbackCreatesSessionAndRedirects) {
  Started s = startLogin("path=%2Fdocs%3Fa%3D1%2526b%26c%3D%25E2%2582%25AC");
  Response r = callback(s);
  ASSERT_EQ(r.status, 302) << r.body;
  EXPECT_EQ(r.headers.get("Location"), "https://www.example.com/docs?a=1%26b&c=%E2%82%AC");
  auto cookies = r.headers.getAll("Set-Cookie");
  ASSERT_EQ(cookies.size(), 2u);
  EXPECT_TRUE(cookies[0].starts_with("barrier="));
  EXPECT_NE(cookies[0].find("Path=/;"), std::string::npos);
  EXPECT_NE(cookies[0].find("Max-Age=28800"), std::string::npos);
  EXPECT_NE(cookies[0].find("HttpOnly"), std::string::npos);
  EXPECT_NE(cookies[0].find("Secure"), std::string::npos);
  EXPECT_TRUE(cookies[1].starts_with(s.cookie.substr(0, s.cookie.find('=') + 1)));
  EXPECT_NE(cookies[1].find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(count(RecordKind::kLogin), 0u);
  auto all = store->list(10);
  ASSERT_EQ(all->size(), 1u);
  const SessionRecord& session = all->records.front();
  EXPECT_EQ(session.kind, RecordKind::kSession);
  EXPECT_EQ(session.sub, "sub-alice");
  EXPECT_EQ(session.username, "alice");
  EXPECT_EQ(session.email, "alice@example.com");
  EXPECT_EQ(session.groups, std::vector<std::string>{"admins"});
  EXPECT_EQ(session.valid_until, kNow + 8 * 3600);
  EXPECT_TRUE(session.secret.empty() && session.code_verifier.empty());
  // The session id is new: not the login flow's id.
  EXPECT_NE(cookiePair(cookies[0]).substr(8), s.cookie.substr(s.cookie.find('=') + 1));
  // The token request carried the PKCE verifier and the registered redirect URI.
  EXPECT_EQ(queryParam(provider.last_form, "grant_type"), "authorization_code");
  EXPECT_EQ(queryParam(provider.last_form, "code"), "good-code");
  EXPECT_EQ(queryParam(provider.last_form, "redirect_uri"),
            "https://www.example.com/_identity/auth");
  EXPECT_EQ(pkceChallenge(*crypto, *queryParam(provider.last_form, "code_verifier")),
            queryParam(s.authorize, "code_challenge"));
}

// With a client secret, the token request authenticates by HTTP Basic.
TEST_F(IdentityTest, ClientSecretSentByHttpBasic) {
  config.provider.client_secret = "s3cret";
  Started s = startLogin();
  ASSERT_EQ(callback(s).status, 302);
  const HttpClientRequest* token = nullptr;
  for (const auto& req : provider.http.requests) {
    if (req.url == kTokenUrl) token = &req;
  }
  ASSERT_NE(token, nullptr);
  EXPECT_EQ(token->headers.get("Authorization"), "Basic " + base64Encode("client123:s3cret"));
  EXPECT_EQ(token->body.find("s3cret"), std::string::npos);
}

// Two flows in parallel (two tabs) each complete with their own cookie.
TEST_F(IdentityTest, ParallelFlowsBothComplete) {
  Started a = startLogin("path=%2Fa");
  std::string nonce_a = provider.nonce;
  Started b = startLogin("path=%2Fb");
  EXPECT_NE(a.cookie.substr(0, a.cookie.find('=')), b.cookie.substr(0, b.cookie.find('=')));
  Response rb = get("/_identity/auth", "code=c&state=" + *queryParam(b.authorize, "state"),
                    a.cookie + "; " + b.cookie);
  EXPECT_EQ(rb.status, 302);
  EXPECT_EQ(rb.headers.get("Location"), "https://www.example.com/b");
  provider.nonce = nonce_a;
  Response ra = get("/_identity/auth", "code=c&state=" + *queryParam(a.authorize, "state"),
                    a.cookie + "; " + b.cookie);
  EXPECT_EQ(ra.status, 302);
  EXPECT_EQ(ra.headers.get("Location"), "https://www.example.com/a");
  EXPECT_EQ(count(RecordKind::kSession), 2u);
}

// A callback replayed after success is refused, and makes no second session.
TEST_F(IdentityTest, ReplayedCallbackRefused) {
  Started s = startLogin();
  ASSERT_EQ(callback(s).status, 302);
  Response again = callback(s);
  EXPECT_EQ(again.status, 400);
  EXPECT_NE(again.body.find("/_identity/login"), std::string::npos);
  EXPECT_EQ(count(RecordKind::kSession), 1u);
}

// A state whose secret is not the flow's is refused (and the flow is spent).
TEST_F(IdentityTest, StateSecretMismatchRefused) {
  Started s = startLogin();
  auto state = decodeState(*queryParam(s.authorize, "state"));
  state->secret = base64UrlEncode(std::string(32, 'x'));
  Response r = get("/_identity/auth", "code=c&state=" + encodeState(*state), s.cookie);
  expectRefused(r, 400);
  EXPECT_EQ(count(RecordKind::kLogin), 0u);
  expectRefused(callback(s), 400);
}

// Without the flow cookie (another browser, CSRF) the callback is refused.
TEST_F(IdentityTest, MissingFlowCookieRefused) {
  Started s = startLogin();
  expectRefused(get("/_identity/auth", "code=c&state=" + *queryParam(s.authorize, "state")), 400);
  // A forged cookie value (bad MAC) is the same as none.
  std::string forged = s.cookie.substr(0, s.cookie.size() - 3) + "AAA";
  expectRefused(get("/_identity/auth", "code=c&state=" + *queryParam(s.authorize, "state"), forged),
                400);
  EXPECT_EQ(count(RecordKind::kLogin), 1u);  // nothing was consumed
}

// A login record that is gone (purged) or past its 5 minutes is refused.
TEST_F(IdentityTest, MissingOrExpiredLoginRecordRefused) {
  Started s = startLogin();
  clock.advance(301);
  expectRefused(callback(s), 400);
  Started t = startLogin();
  ASSERT_TRUE(store->remove(store->list(1)->records.front().key));
  expectRefused(callback(t), 400);
}

// A session record can never stand in for a login record.
TEST_F(IdentityTest, SessionRecordIsNotALoginRecord) {
  Started s = startLogin();
  auto record = store->list(1)->records.front();
  ASSERT_TRUE(store->remove(record.key));
  record.kind = RecordKind::kSession;
  ASSERT_TRUE(store->putNew(record));
  expectRefused(callback(s), 400);
}

// The provider's ?error=access_denied gives a 4xx page with a sign-in link, and ends the flow.
TEST_F(IdentityTest, ProviderErrorGivesSignInPage) {
  Started s = startLogin();
  Response r =
      get("/_identity/auth",
          "error=access_denied&error_description=nope&state=" + *queryParam(s.authorize, "state"),
          s.cookie);
  expectRefused(r, 400);
  EXPECT_NE(r.body.find("Access was denied at the identity provider."), std::string::npos);
  EXPECT_EQ(r.body.find("nope"), std::string::npos) << "error_description is never shown";
  EXPECT_EQ(log.last("callback.provider_error", "error"), "access_denied");
  EXPECT_EQ(count(RecordKind::kLogin), 0u);
  EXPECT_NE(r.headers.get("Set-Cookie").find("Max-Age=0"), std::string::npos);
  // An error value never becomes markup.
  Response x = get("/_identity/auth", "error=%3Cscript%3E");
  expectRefused(x, 400);
  EXPECT_EQ(x.body.find("<script>"), std::string::npos);
  EXPECT_EQ(x.body.find("script"), std::string::npos);
}

// Each known OAuth 2.0 / OIDC error code gets its own fixed text, and the
// code itself is not shown either.
TEST_F(IdentityTest, ProviderErrorCodesGetFixedText) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"login_required", "The identity provider needs you to sign in."},
      {"consent_required", "needs your consent"},
      {"interaction_required", "needs you to complete a step"},
      {"temporarily_unavailable", "temporarily unavailable. Please try again in a few minutes."},
      {"server_error", "had an internal error. Please try again."},
      {"invalid_request", "refused this site&#39;s sign-in request"},
      {"unauthorized_client", "refused this site&#39;s sign-in request"},
      {"unsupported_response_type", "refused this site&#39;s sign-in request"},
      {"invalid_scope", "refused this site&#39;s sign-in request"},
  };
  for (const auto& [code, text] : cases) {
    Response r = get("/_identity/auth", "error=" + code);
    expectRefused(r, 400);
    EXPECT_NE(r.body.find(text), std::string::npos) << code << ": " << r.body;
    EXPECT_EQ(r.body.find(code), std::string::npos) << code;
    EXPECT_EQ(log.last("callback.provider_error", "error"), code);
  }
}

// An unknown error value (chosen by whoever crafted the link) is never
// echoed: the page shows a generic text, on this site's origin, instead of
// the attacker's words. The log gets the value bounded and reduced to
// printable ASCII.
TEST_F(IdentityTest, ProviderErrorNeverEchoesTheParameter) {
  Started s = startLogin();
  std::string injected = "Your%20account%20is%20locked.%20Call%20%2B1-555-0100%20%E2%82%AC";
  Response r = get("/_identity/auth",
                   "error=" + injected + "&error_description=Call%20us%20now&state=" +
                       *queryParam(s.authorize, "state"),
                   s.cookie);
  expectRefused(r, 400);
  EXPECT_NE(r.body.find("The identity provider reported an error."), std::string::npos) << r.body;
  for (const char* leaked : {"account", "locked", "555", "Call", "\xE2\x82\xAC"}) {
    EXPECT_EQ(r.body.find(leaked), std::string::npos) << leaked << " leaked into: " << r.body;
  }
  EXPECT_EQ(count(RecordKind::kLogin), 0u);  // the flow is still over
  EXPECT_EQ(log.last("callback.provider_error", "error"),
            "Your account is locked. Call +1-555-0100 ???");

  // A long value is cut in the log (ASCII only, so never mid-character).
  Response l = get("/_identity/auth", "error=" + std::string(5000, 'x') + "%0A%22");
  expectRefused(l, 400);
  EXPECT_EQ(l.body.find("xxx"), std::string::npos);
  EXPECT_EQ(log.last("callback.provider_error", "error"), std::string(64, 'x') + "...");
  expectRefused(get("/_identity/auth", "error=a%0Ab%22c%5Cd"), 400);
  EXPECT_EQ(log.last("callback.provider_error", "error"), "a?b?c?d");
}

// Missing, repeated or malformed code/state are 400s, never 5xx.
TEST_F(IdentityTest, MalformedCallbackParametersRefused) {
  Started s = startLogin();
  std::string state = *queryParam(s.authorize, "state");
  std::vector<std::string> queries = {"",
                                      "code=c",
                                      "state=" + state,
                                      "code=&state=" + state,
                                      "code=c&state=%%%",
                                      "code=c&state=abc",
                                      "code=c&code=d&state=" + state,
                                      "code=c&state=" + state + "&state=" + state};
  for (const std::string& q : queries) {
    expectRefused(get("/_identity/auth", q, s.cookie), 400);
  }
  EXPECT_EQ(count(RecordKind::kLogin), 1u);
}

// Token endpoint unreachable or slow: a clear 503 page, no session.
TEST_F(IdentityTest, TokenEndpointDownOrSlowIs503) {
  for (Status failure : {Status::unavailable("refused"), Status::timeout("slow")}) {
    provider.token_failure = failure;
    Started s = startLogin();
    Response r = callback(s);
    EXPECT_EQ(r.status, 503);
    EXPECT_TRUE(r.headers.has("Retry-After"));
    EXPECT_NE(r.body.find("identity provider"), std::string::npos);
    EXPECT_EQ(count(RecordKind::kSession), 0u);
  }
}

// Token endpoint errors: 5xx/garbage is a 502; invalid_grant is the visitor's (4xx).
TEST_F(IdentityTest, TokenEndpointBadAnswers) {
  provider.token_status = 500;
  provider.token_body = "<html>oops</html>";
  EXPECT_EQ(callback(startLogin()).status, 502);
  provider.token_status = 400;
  provider.token_body = R"({"error":"invalid_grant"})";
  expectRefused(callback(startLogin()), 401);
  provider.token_status = 200;
  provider.make_token = [](json&) { return std::string("not-a-jwt"); };
  EXPECT_EQ(callback(startLogin()).status, 502);
  EXPECT_EQ(count(RecordKind::kSession), 0u);
}

// A token whose claim `name` is int64's largest (or smallest) value.
std::string limitClaim(json& c, const char* name, bool largest) {
  c[name] = largest ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
  return goodKey().signRs256(c);
}

// Each crafted ID token is refused with a 401 page and no session.
TEST_F(IdentityTest, BadIdTokensRefused) {
  std::map<std::string, std::function<std::string(json&)>> cases = {
      {"wrong key",
       [](json& c) {
         return otherKey().sign({{"alg", "RS256"}, {"kid", "good"}}, c);
       }},
      {"unknown kid", [](json& c) { return otherKey().signRs256(c); }},
      {"alg none", [](json& c) { return testing::unsignedToken(c); }},
      {"alg HS256",
       [](json& c) {
         return goodKey().sign({{"alg", "HS256"}, {"kid", "good"}}, c);
       }},
      {"wrong aud",
       [](json& c) {
         c["aud"] = "other-client";
         return goodKey().signRs256(c);
       }},
      {"aud list without azp",
       [](json& c) {
         c["aud"] = json::array({"client123", "x"});
         return goodKey().signRs256(c);
       }},
      {"wrong iss",
       [](json& c) {
         c["iss"] = "https://evil.example";
         return goodKey().signRs256(c);
       }},
      {"expired",
       [](json& c) {
         c["exp"] = kNow - 61;
         return goodKey().signRs256(c);
       }},
      {"issued in the future",
       [](json& c) {
         c["iat"] = kNow + 120;
         return goodKey().signRs256(c);
       }},
      // Claims at the limits of int64 (claim ± skew overflowed).
      {"exp at the minimum", [](json& c) { return limitClaim(c, "exp", false); }},
      {"iat at the maximum", [](json& c) { return limitClaim(c, "iat", true); }},
      {"nbf at the maximum", [](json& c) { return limitClaim(c, "nbf", true); }},
      {"wrong nonce",
       [](json& c) {
         c["nonce"] = "other";
         return goodKey().signRs256(c);
       }},
      {"no nonce",
       [](json& c) {
         c.erase("nonce");
         return goodKey().signRs256(c);
       }},
      {"access token",
       [](json& c) {
         c["token_use"] = "access";
         return goodKey().signRs256(c);
       }},
      {"tampered payload",
       [](json& c) {
         std::string t = goodKey().signRs256(c);
         c["sub"] = "sub-mallory";
         std::string forged = goodKey().signRs256(c);
         return forged.substr(0, forged.rfind('.')) + t.substr(t.rfind('.'));
       }},
  };
  for (auto& [name, make] : cases) {
    provider.make_token = make;
    Response r = callback(startLogin());
    EXPECT_EQ(r.status, 401) << name;
    EXPECT_EQ(count(RecordKind::kSession), 0u) << name;
  }
}

// The classic forgeries, each built for real, refused with a 401 page for
// its own reason (the logged refusal): HS256 tokens whose MAC is keyed with
// the provider's RSA public key as PEM text or DER bytes (the key anyone
// can rebuild from the JWKS); a kid naming no key, carrying the attacker's
// own key in a jwk header or a jku/x5u URL to fetch one from (never
// fetched); and an aud listing this client among others, with or without
// an azp naming it, which OIDC Core 3.1.3.7 item 3 rejects ("additional
// audiences not trusted by the Client": barrier trusts none).
TEST_F(IdentityTest, ForgedTokensRefusedForTheirReason) {
  const TestRsaKey& provider_key = goodKey();
  std::map<std::string, std::string> hmac_keys = {
      {"SPKI PEM", testing::pemOf("PUBLIC KEY", provider_key.publicKeySpkiDer())},
      {"SPKI DER", provider_key.publicKeySpkiDer()},
      {"PKCS#1 PEM", testing::pemOf("RSA PUBLIC KEY", provider_key.publicKeyPkcs1Der())},
      {"PKCS#1 DER", provider_key.publicKeyPkcs1Der()},
  };
  struct Forgery {
    std::string name;
    std::function<std::string(json&)> make;
    std::string reason;
  };
  std::vector<Forgery> forgeries;
  for (const auto& [encoding, key] : hmac_keys) {
    ASSERT_GT(key.size(), 200u) << encoding;  // a 2048-bit key, not an empty string
    forgeries.push_back({"HS256 keyed with " + encoding,
                         [key](json& c) {
                           return testing::hmacSignedToken(
                               {{"alg", "HS256"}, {"kid", "good"}, {"typ", "JWT"}}, c, key);
                         },
                         "jwt: alg HS256 refused"});
    // The same MAC under the provider's own alg: an RSA check of it fails.
    forgeries.push_back(
        {"HMAC labelled RS256, keyed with " + encoding,
         [key](json& c) {
           return testing::hmacSignedToken({{"alg", "RS256"}, {"kid", "good"}}, c, key);
         },
         "jwt: bad signature"});
  }
  const std::string evil = "https://evil.example";
  std::vector<std::pair<std::string, json>> key_hints = {
      {"jwk", otherKey().jwk()},
      {"jku", evil + "/jwks.json"},
      {"x5u", evil + "/cert.pem"},
  };
  for (const auto& [hint, value] : key_hints) {
    forgeries.push_back(
        {"unknown kid with " + hint,
         [hint, value](json& c) {
           return otherKey().sign({{"alg", "RS256"}, {"kid", "attacker"}, {hint, value}}, c);
         },
         "jwt: no key with this kid"});
  }
  forgeries.push_back({"no kid, own key in jwk",
                       [](json& c) {
                         return otherKey().sign({{"alg", "RS256"}, {"jwk", otherKey().jwk()}}, c);
                       },
                       "jwt: bad signature"});
  for (bool azp : {false, true}) {
    forgeries.push_back({azp ? "aud with others, azp this client" : "aud with others, no azp",
                         [azp](json& c) {
                           c["aud"] = json::array({"other-client", "client123", "api"});
                           if (azp) c["azp"] = "client123";
                           return goodKey().signRs256(c);
                         },
                         "id token: aud names audiences besides this client"});
  }

  for (const Forgery& forgery : forgeries) {
    SCOPED_TRACE(forgery.name);
    log.lines.clear();
    provider.make_token = forgery.make;
    expectRefused(callback(startLogin()), 401);
    std::optional<std::string> reason = log.last("callback.token_refused", "error");
    ASSERT_TRUE(reason.has_value());
    EXPECT_EQ(*reason, "unauthenticated: " + forgery.reason);
  }
  for (const HttpClientRequest& request : provider.http.requests) {
    EXPECT_FALSE(request.url.starts_with(evil)) << "fetched " << request.url;
  }
  // The same claims signed by the provider pass: each refusal is the forgery's.
  provider.make_token = nullptr;
  EXPECT_EQ(callback(startLogin()).status, 302);
}

// Expiry within the 60 s skew is still accepted; an aud list of this
// client alone with azp = us is fine.
TEST_F(IdentityTest, ClockSkewAndAzpAccepted) {
  provider.make_token = [](json& c) {
    c["exp"] = kNow - 30;
    c["aud"] = json::array({"client123"});
    c["azp"] = "client123";
    return goodKey().signRs256(c);
  };
  EXPECT_EQ(callback(startLogin()).status, 302);
}

// An unknown kid refetches the JWKS at most once a minute (key rotation
// works, made-up kids cannot hammer the provider).
TEST_F(IdentityTest, JwksRefetchedOnUnknownKidRateLimited) {
  ASSERT_EQ(callback(startLogin()).status, 302);
  EXPECT_EQ(provider.jwks_fetches, 1);
  provider.make_token = [](json& c) { return otherKey().signRs256(c); };
  EXPECT_EQ(callback(startLogin()).status, 401);  // too soon: no refetch
  EXPECT_EQ(provider.jwks_fetches, 1);
  clock.advance(61);
  provider.jwks = testing::jwksOf({&goodKey(), &otherKey()});  // the provider rotated
  EXPECT_EQ(callback(startLogin()).status, 302);
  EXPECT_EQ(provider.jwks_fetches, 2);
}

// A JWKS endpoint that fails before any key set has loaded is asked at most
// once per JwksCache::kUnloadedRetrySeconds: the callbacks in between get a
// 503 without a request (each fetch would block every callback, up to the
// timeout), and sign-in works again at the first attempt after it recovers.
TEST_F(IdentityTest, JwksOutageBeforeFirstLoadNotRetriedEveryCallback) {
  provider.jwks_failure = Status::unavailable("connection refused");
  EXPECT_EQ(callback(startLogin()).status, 503);
  EXPECT_EQ(provider.jwks_fetches, 1);
  clock.advance(JwksCache::kUnloadedRetrySeconds - 1);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(callback(startLogin()).status, 503);
  EXPECT_EQ(provider.jwks_fetches, 1);
  provider.jwks_failure = Status::ok();
  clock.advance(1);
  EXPECT_EQ(callback(startLogin()).status, 302);
  EXPECT_EQ(provider.jwks_fetches, 2);
}

// A key set older than an hour is fetched again, so a key the provider
// withdrew (after a compromise) stops being trusted; a failed refresh keeps
// the set in hand and is tried again a minute later.
TEST_F(IdentityTest, JwksRefreshedWhenOld) {
  ASSERT_EQ(callback(startLogin()).status, 302);
  EXPECT_EQ(provider.jwks_fetches, 1);
  clock.advance(1800);
  ASSERT_EQ(callback(startLogin()).status, 302);
  EXPECT_EQ(provider.jwks_fetches, 1);
  clock.advance(1801);
  provider.jwks = testing::jwksOf({&otherKey()});  // goodKey withdrawn
  EXPECT_EQ(callback(startLogin()).status, 401);
  EXPECT_EQ(provider.jwks_fetches, 2);
}

// Site-wide required groups: members pass, others get a 403 page and no session.
TEST_F(IdentityTest, RequiredGroups) {
  config.provider.required_groups = {"admins"};
  EXPECT_EQ(callback(startLogin()).status, 302);
  provider.make_token = [](json& c) {
    c.erase("cognito:groups");
    return goodKey().signRs256(c);
  };
  Response r = callback(startLogin());
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(count(RecordKind::kSession), 1u);
}

// The groups claim is configurable.
TEST_F(IdentityTest, GroupsClaimConfigurable) {
  config.provider.groups_claim = "roles";
  provider.make_token = [](json& c) {
    c["roles"] = json::array({"ops"});
    return goodKey().signRs256(c);
  };
  ASSERT_EQ(callback(startLogin()).status, 302);
  EXPECT_EQ(store->list(1)->records.front().groups, std::vector<std::string>{"ops"});
}

// The provider's sid is kept from the ID token (for back-channel logout);
// a sid only userinfo names is not (it is not the session's).
TEST_F(IdentityTest, CallbackKeepsTheIdTokensSid) {
  config.provider.userinfo = true;
  provider.userinfo_body = R"({"sub":"sub-alice","sid":"from-userinfo"})";
  ASSERT_EQ(callback(startLogin()).status, 302);
  EXPECT_EQ(store->list(1)->records.front().sid, "") << "no sid in the ID token";
  ASSERT_TRUE(store->removeUser("sub-alice").isOk());
  provider.make_token = [](json& c) {
    c["sid"] = "provider-session-7";
    return goodKey().signRs256(c);
  };
  ASSERT_EQ(callback(startLogin()).status, 302);
  EXPECT_EQ(store->list(1)->records.front().sid, "provider-session-7");
}

// Top-level allow: who may hold a session at all. Anyone else gets the 403
// page and no session; near misses of each condition kind included.
TEST_F(IdentityTest, TopLevelAllowDecidesAtSignIn) {
  AccessCondition by_domain;
  by_domain.email_domains = {"example.com"};
  config.allow = {by_domain};
  ASSERT_EQ(callback(startLogin()).status, 302);
  EXPECT_EQ(count(RecordKind::kSession), 1u);
  struct Case {
    const char* name;
    std::function<void(json&)> change;
  };
  std::vector<Case> refused = {
      {"suffix", [](json& c) { c["email"] = "alice@example.com.evil"; }},
      {"prefix", [](json& c) { c["email"] = "alice@evil-example.com"; }},
      {"unverified", [](json& c) { c["email_verified"] = false; }},
      {"no email_verified", [](json& c) { c.erase("email_verified"); }},
      {"verified as text false", [](json& c) { c["email_verified"] = "false"; }},
  };
  for (const auto& k : refused) {
    provider.make_token = [&](json& c) {
      k.change(c);
      return goodKey().signRs256(c);
    };
    Response r = callback(startLogin());
    EXPECT_EQ(r.status, 403) << k.name;
    EXPECT_NE(r.body.find("not allowed to use this site"), std::string::npos) << k.name;
  }
  EXPECT_EQ(count(RecordKind::kSession), 1u);
  provider.make_token = [](json& c) {
    c["email"] = "ALICE@EXAMPLE.COM";
    return goodKey().signRs256(c);
  };
  EXPECT_EQ(callback(startLogin()).status, 302) << "domains ignore case";
}

// The record keeps exactly the claims a condition or header names (string
// or string-list claims); an object claim is not kept and never matches.
TEST_F(IdentityTest, SessionKeepsOnlyNamedClaims) {
  AccessCondition c;
  c.claims = {{"department", {"sales"}}};
  AccessCondition d;
  d.claims = {{"address", {"FR"}}};
  config.allow = {c, d};
  config.headers = {{"X-Barrier-Team", "team"}};
  provider.make_token = [](json& claims) {
    claims["department"] = json::array({"sales", "hr"});
    claims["team"] = "red";
    claims["address"] = {{"country", "FR"}};
    claims["secret_thing"] = "not kept";
    return goodKey().signRs256(claims);
  };
  ASSERT_EQ(callback(startLogin()).status, 302);
  auto record = store->list(1)->records.front();
  EXPECT_EQ(record.claims,
            (std::vector<RecordClaim>{{"department", {"sales", "hr"}}, {"team", {"red"}}}));
  provider.make_token = [](json& claims) {
    claims["department"] = {{"name", "sales"}};
    claims["address"] = {{"country", "FR"}};
    return goodKey().signRs256(claims);
  };
  EXPECT_EQ(callback(startLogin()).status, 403);
}

// More than 4 KiB of kept claims: the 403 page and a log line that says so.
TEST_F(IdentityTest, OversizedClaimsRefusedWithALogLine) {
  config.headers = {{"X-Barrier-Blob", "blob"}};
  provider.make_token = [](json& claims) {
    claims["blob"] = std::string(5000, 'x');
    return goodKey().signRs256(claims);
  };
  Response r = callback(startLogin());
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(count(RecordKind::kSession), 0u);
  EXPECT_EQ(log.last("callback.claims_too_large", "limit"), "4096");
}

// Userinfo: its status is checked (an error answer is no identity), and an ok
// answer fills missing claims (docs/ARCHITECTURE.md, "Callback", step 5).
TEST_F(IdentityTest, UserinfoStatusChecked) {
  config.provider.userinfo = true;
  provider.userinfo_status = 500;
  EXPECT_EQ(callback(startLogin()).status, 502);
  EXPECT_EQ(count(RecordKind::kSession), 0u);
  provider.userinfo_status = 200;
  provider.userinfo_body = R"({"sub":"someone-else"})";
  EXPECT_EQ(callback(startLogin()).status, 502);
  provider.userinfo_body =
      R"({"sub":"sub-alice","email":"alice@userinfo.example","email_verified":true})";
  provider.make_token = [](json& c) {
    c.erase("email");
    return goodKey().signRs256(c);
  };
  ASSERT_EQ(callback(startLogin()).status, 302);
  EXPECT_EQ(store->list(1)->records.front().email, "alice@userinfo.example");
}

// An address the provider has not verified is not the user's identity: with
// self sign-up or writable attributes anyone can type anyone's. The session
// gets no email (and X-Barrier-Email is empty), from the token or userinfo.
TEST_F(IdentityTest, UnverifiedEmailIsNotKept) {
  auto emails = [&] {
    std::vector<std::string> out;
    auto records = store->list(100);
    EXPECT_TRUE(records.isOk());
    if (records.isOk()) {
      for (const auto& r : records->records) out.push_back(r.email);
    }
    return out;
  };
  auto kept = [&](const std::string& email) {
    auto all = emails();
    return std::find(all.begin(), all.end(), email) != all.end();
  };
  for (json verified : {json(false), json("false"), json(nullptr), json(1)}) {
    provider.make_token = [&](json& c) {
      c["email"] = "ceo@example.com";
      if (verified.is_null()) {
        c.erase("email_verified");
      } else {
        c["email_verified"] = verified;
      }
      return goodKey().signRs256(c);
    };
    ASSERT_EQ(callback(startLogin()).status, 302) << verified;
    EXPECT_FALSE(kept("ceo@example.com")) << verified;
  }
  config.provider.userinfo = true;
  handlers_.reset();
  size_t userinfo_calls = provider.http.requests.size();
  provider.userinfo_body =
      R"({"sub":"sub-alice","email":"ceo@example.com","email_verified":false})";
  provider.make_token = [](json& c) {
    c.erase("email");
    return goodKey().signRs256(c);
  };
  ASSERT_EQ(callback(startLogin()).status, 302);
  EXPECT_FALSE(kept("ceo@example.com"));
  bool asked = false;
  for (size_t i = userinfo_calls; i < provider.http.requests.size(); ++i) {
    asked = asked || provider.http.requests[i].url == kUserinfoUrl;
  }
  EXPECT_TRUE(asked) << "userinfo was not called";
  // Cognito's string form counts.
  provider.make_token = [](json& c) {
    c["email_verified"] = "true";
    return goodKey().signRs256(c);
  };
  config.provider.userinfo = false;
  handlers_.reset();
  ASSERT_EQ(callback(startLogin()).status, 302);
  EXPECT_TRUE(kept("alice@example.com"));
}

// The store failing while taking the login record is a 503, not a pass or a 500.
TEST_F(IdentityTest, StoreFailureIs503) {
  class FailingTake : public ForwardingSessionStore {
   public:
    using ForwardingSessionStore::ForwardingSessionStore;
    Result<std::optional<SessionRecord>> take(std::string_view) override {
      return Status::unavailable("down");
    }
  };
  auto real = makeMemoryStore();
  FailingTake failing(*real);
  ValidConfig valid = mustValidate(config);
  IdentityHandlers h(valid, IdentityPorts{clock, random, *crypto, failing, provider.http, log});
  Request login;
  login.path = "/_identity/login";
  Response started = h.handle(login);
  ASSERT_EQ(started.status, 302);
  std::string loc = started.headers.get("Location");
  auto params = parseQuery(loc.substr(loc.find('?') + 1));
  Request cb;
  cb.path = "/_identity/auth";
  cb.query = "code=c&state=" + *queryParam(params, "state");
  cb.headers.add("Cookie", cookiePair(started.headers.get("Set-Cookie")));
  EXPECT_EQ(h.handle(cb).status, 503);
}

// Logout deletes the session, clears the cookies and goes to Cognito's logout.
TEST_F(IdentityTest, LogoutDeletesSessionAndRedirectsToProvider) {
  Response in = callback(startLogin());
  std::string session_cookie = cookiePair(in.headers.getAll("Set-Cookie")[0]);
  ASSERT_EQ(count(RecordKind::kSession), 1u);
  Response out = get("/_identity/logout", "", session_cookie + "; barrier-login-abc=x");
  EXPECT_EQ(out.status, 302);
  EXPECT_EQ(out.headers.get("Location"),
            "https://auth.example.com/logout?client_id=client123&logout_uri=https%3A%2F%2F"
            "www.example.com%2F_identity%2Fsigned-out");
  EXPECT_EQ(count(RecordKind::kSession), 0u);
  auto cookies = out.headers.getAll("Set-Cookie");
  ASSERT_EQ(cookies.size(), 2u);
  EXPECT_TRUE(cookies[0].starts_with("barrier=;"));
  EXPECT_TRUE(cookies[1].starts_with("barrier-login-abc=;"));
  EXPECT_EQ(out.headers.get("Cache-Control"), "no-store");
  // POST works too, and without a session it still signs out at the provider.
  Request post;
  post.method = "POST";
  post.path = "/_identity/logout";
  EXPECT_EQ(handlers().handle(post).status, 302);
  // The page the provider returns to offers to sign in again.
  Response page = get("/_identity/signed-out");
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("/_identity/login"), std::string::npos);
}

// Me: the identity as JSON with a session, 401 without — and a login flow's
// id is never accepted as a session
// (docs/ARCHITECTURE.md, "Only live sessions pass").
TEST_F(IdentityTest, MeReturnsIdentityOr401) {
  EXPECT_EQ(get("/_identity/me").status, 401);
  Started s = startLogin();
  std::string login_value = s.cookie.substr(s.cookie.find('=') + 1);
  EXPECT_EQ(get("/_identity/me", "", "barrier=" + login_value).status, 401);
  Response in = callback(s);
  Response me = get("/_identity/me", "", cookiePair(in.headers.getAll("Set-Cookie")[0]));
  ASSERT_EQ(me.status, 200);
  EXPECT_EQ(me.headers.get("Content-Type"), "application/json");
  auto body = json::parse(me.body);
  EXPECT_EQ(body["sub"], "sub-alice");
  EXPECT_EQ(body["email"], "alice@example.com");
  EXPECT_EQ(body["groups"], json::array({"admins"}));
  clock.advance(8 * 3600);
  EXPECT_EQ(get("/_identity/me", "", cookiePair(in.headers.getAll("Set-Cookie")[0])).status, 401);
}

// Unknown /_identity/ paths are 404; everything carries Cache-Control: no-store.
TEST_F(IdentityTest, RoutingAndNoStore) {
  Response r = get("/_identity/nope");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.headers.get("Cache-Control"), "no-store");
  EXPECT_EQ(startLogin().location.empty(), false);
  EXPECT_TRUE(IdentityHandlers::owns("/_identity/auth"));
  EXPECT_FALSE(IdentityHandlers::owns("/_identity/check"));
  EXPECT_FALSE(IdentityHandlers::owns("/_identity/health"));
}

// A plain-http localhost site gets cookies without Secure (browsers would drop them).
TEST_F(IdentityTest, LocalhostSiteCookiesNotSecure) {
  config.site_url = "http://localhost:8080";
  Started s = startLogin();
  EXPECT_EQ(s.set_cookie.find("Secure"), std::string::npos);
  EXPECT_EQ(queryParam(s.authorize, "redirect_uri"), "http://localhost:8080/_identity/auth");
  Response r = callback(s);
  ASSERT_EQ(r.status, 302);
  EXPECT_EQ(r.headers.get("Location"), "http://localhost:8080/docs");
  EXPECT_EQ(r.headers.getAll("Set-Cookie")[0].find("Secure"), std::string::npos);
}

// One sign-in for several hosts: a sign-in started on docs.example.com
// moves to site_url's host (its flow cookie and the registered callback
// live there), then returns to docs with a session cookie for the parent
// domain.
TEST_F(IdentityTest, SignInFromAnotherHostReturnsThere) {
  config.site_url = "https://app.example.com";
  config.session.cookie_domain = "example.com";
  config.allowed_hosts = {"docs.example.com"};
  Request start;
  start.path = "/_identity/login";
  start.query = "path=%2Fguide%3Fa%3D1";
  start.headers.add("Host", "Docs.Example.com");
  Response moved = handlers().handle(start);
  ASSERT_EQ(moved.status, 302);
  EXPECT_EQ(moved.headers.get("Location"),
            "https://app.example.com/_identity/"
            "login?path=https%3A%2F%2Fdocs.example.com%2Fguide%3Fa%3D1");
  EXPECT_FALSE(moved.headers.has("Set-Cookie")) << "no flow starts on the other host";
  EXPECT_EQ(store->list(10)->size(), 0u);

  std::string location = moved.headers.get("Location");
  Started s = startLogin(location.substr(location.find('?') + 1));
  EXPECT_EQ(s.set_cookie.find("Domain="), std::string::npos)
      << "the flow cookie stays on the site host";
  EXPECT_EQ(queryParam(s.authorize, "redirect_uri"), "https://app.example.com/_identity/auth");
  ASSERT_EQ(store->list(10)->records.front().path, "https://docs.example.com/guide?a=1");

  Response done = callback(s);
  ASSERT_EQ(done.status, 302) << done.body;
  EXPECT_EQ(done.headers.get("Location"), "https://docs.example.com/guide?a=1");
  auto cookies = done.headers.getAll("Set-Cookie");
  ASSERT_EQ(cookies.size(), 2u);
  EXPECT_TRUE(cookies[0].starts_with("barrier=")) << cookies[0];
  EXPECT_NE(cookies[0].find("; Domain=example.com;"), std::string::npos) << cookies[0];
  EXPECT_EQ(cookies[1].find("Domain="), std::string::npos) << cookies[1];

  // Sign-out clears the session cookie for the same domain.
  Response out = get("/_identity/logout", "", cookiePair(cookies[0]));
  ASSERT_EQ(out.status, 302);
  std::string cleared = out.headers.getAll("Set-Cookie").at(0);
  EXPECT_TRUE(cleared.starts_with("barrier=;")) << cleared;
  EXPECT_NE(cleared.find("; Domain=example.com;"), std::string::npos) << cleared;
}

// A Host the configuration does not list changes nothing: the sign-in runs
// where it is and returns to site_url's host (an absolute URL to an
// unlisted host in `path` becomes "/").
TEST_F(IdentityTest, UnlistedHostAndReturnUrlStayOnSite) {
  config.site_url = "https://app.example.com";
  config.session.cookie_domain = "example.com";
  config.allowed_hosts = {"docs.example.com"};
  for (const char* host : {"evil.example", "docs.example.com.evil", "docs.example.com:444"}) {
    Request r;
    r.path = "/_identity/login";
    r.query = "path=https%3A%2F%2Fdocs.example.com.evil%2Fx";
    r.headers.add("Host", host);
    Response answer = handlers().handle(r);
    ASSERT_EQ(answer.status, 302) << host;
    EXPECT_TRUE(answer.headers.get("Location").starts_with("https://auth.example.com/")) << host;
  }
  auto all = store->list(10);
  ASSERT_TRUE(all.isOk());
  EXPECT_EQ(all->size(), 3u);
  for (const auto& record : all->records) EXPECT_EQ(record.path, "/");
}

// Without session.cookie_domain, the session cookie names no Domain.
TEST_F(IdentityTest, SessionCookieHasNoDomainByDefault) {
  Response r = callback(startLogin());
  ASSERT_EQ(r.status, 302);
  for (const auto& c : r.headers.getAll("Set-Cookie")) {
    EXPECT_EQ(c.find("Domain="), std::string::npos) << c;
  }
}

}  // namespace
}  // namespace barrier
