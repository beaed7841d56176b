// A minimal browser for driving login flows in tests: a cookie jar per
// host, manual redirects, and form submission. Requests to the site under
// test go straight to an in-process handler (no server needed); every
// other URL (the IdP) goes over real HTTP through the HttpClient.
//
// Cookie handling is deliberately simple: host-scoped, path ignored,
// Max-Age=0 deletes. Enough for barrier's and oidc-provider's cookies.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "core/http/message.h"
#include "core/ports/http_client.h"

namespace barrier::testing {

struct BrowserPage {
  int status = 0;
  std::string url;  // the URL that produced this response
  Headers headers;
  std::string body;
  std::string location() const { return headers.get("Location"); }
};

class ManagerBrowser {
 public:
  using SiteHandler = std::function<Response(const Request&)>;

  // `site_base` is "http://127.0.0.2:8080"; requests to it go to `site`.
  ManagerBrowser(HttpClient& http, std::string site_base, SiteHandler site);

  // One request, no redirect followed; cookies sent and stored.
  BrowserPage request(const std::string& method, const std::string& url,
                      const std::string& form_body = "");
  BrowserPage get(const std::string& url) { return request("GET", url); }

  // Follows redirects (at most `max_hops`) until a non-3xx answer, or until
  // a Location for which `stop(location)` is true — that redirect is returned
  // unfollowed.
  BrowserPage follow(BrowserPage page, const std::function<bool(const std::string&)>& stop,
                     int max_hops = 10);

  // On a page holding the IdP's login form: posts username/password to its
  // action and returns the answer (a redirect when accepted).
  BrowserPage submitLogin(const BrowserPage& form, const std::string& user,
                          const std::string& password);
  // Posts the form whose action ends in `suffix` (e.g. "/abort") with no fields.
  BrowserPage submitForm(const BrowserPage& page, const std::string& suffix);
  // Ends the browser's session at oidc-provider (tests/idp at `issuer`) as
  // its own logout page does: POST /logout (end_session), then the
  // confirmation form with logout=yes. The provider sends its back-channel
  // logout tokens before it answers. The confirmation's answer (status -1
  // when no confirmation page came).
  BrowserPage endProviderSession(const std::string& issuer);

  // The cookie `name` for `host_url`'s host, "" when absent.
  std::string cookie(const std::string& host_url, const std::string& name) const;
  void setCookie(const std::string& host_url, const std::string& name, const std::string& value);
  void clearCookies() { jar_.clear(); }
  std::map<std::string, std::string> cookies(const std::string& host_url) const;

  // Resolves `location` (absolute or "/path") against `base_url`.
  static std::string resolve(const std::string& base_url, const std::string& location);

 private:
  static std::string hostOf(const std::string& url);
  void store(const std::string& url, const Headers& headers);
  std::string cookieHeader(const std::string& url) const;

  HttpClient& http_;
  std::string site_base_;
  SiteHandler site_;
  std::map<std::string, std::map<std::string, std::string>> jar_;
};

}  // namespace barrier::testing
