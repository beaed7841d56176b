#include "server/forward_auth.h"

#include <initializer_list>
#include <string>

#include "core/handlers/json_response.h"
#include "core/http/query.h"
#include "server/endpoints.h"

namespace barrier {

namespace {

// The one value the proxy gave for the original request's URI or method,
// under any of `names`. A proxy sets its own header and passes the
// visitor's others on untouched (Caddy and Traefik pass every request
// header to the check; nginx its X-Original-URI plus the visitor's): a
// visitor could otherwise name a public path in the header the proxy does
// not set. So every value under every name must agree; "" when none is
// given, an error when they differ.
Result<std::string> agreedValue(const Headers& headers, std::initializer_list<const char*> names) {
  std::string agreed;
  for (const char* name : names) {
    for (const std::string& value : headers.getAll(name)) {
      if (value.empty()) continue;
      if (!agreed.empty() && value != agreed) {
        return Status::invalid(std::string("forward-auth: conflicting ") + names.begin()[0] +
                               " and " + names.begin()[1] +
                               " values (a client may have sent one; the proxy must set or "
                               "remove both)");
      }
      agreed = value;
    }
  }
  return agreed;
}

bool isRedirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

}  // namespace

Result<Request> forwardAuthSubject(const Request& check_request) {
  Result<std::string> uri =
      agreedValue(check_request.headers, {"X-Original-URI", "X-Forwarded-Uri"});
  if (!uri.isOk()) return uri.status();
  if (uri->empty() || uri->front() != '/') {
    return Status::invalid("forward-auth needs X-Original-URI or X-Forwarded-Uri");
  }
  Result<std::string> method =
      agreedValue(check_request.headers, {"X-Original-Method", "X-Forwarded-Method"});
  if (!method.isOk()) return method.status();
  Request subject;
  subject.headers = check_request.headers;
  subject.remote_addr = check_request.remote_addr;
  size_t question = uri->find('?');
  subject.path = uri->substr(0, question);
  if (question != std::string::npos) subject.query = uri->substr(question + 1);
  subject.method = method->empty() ? "GET" : *method;
  // The host the visitor asked for, so a sign-in started there returns
  // there (allowed_hosts); the checker copies only a listed host's name.
  Result<std::string> host =
      agreedValue(check_request.headers, {"X-Forwarded-Host", "X-Original-Host"});
  if (!host.isOk()) return host.status();
  if (!host->empty()) subject.headers.set("Host", *host);
  return subject;
}

Response forwardAuthResponse(const CheckDecision& decision, bool redirect) {
  if (decision.forward) {
    Response allowed;
    allowed.headers.set("Content-Type", "text/plain; charset=utf-8");
    allowed.headers.set("Cache-Control", "no-store");
    // The identity headers travel back: the proxy copies them onto the
    // request it forwards. All of them, every time, empty without a session
    // (a public path): a proxy that skips a header missing from the answer
    // would otherwise forward the visitor's own (Caddy 2.10), or the text of
    // its placeholder (Caddy before 2.9).
    Headers identity = decision.identityHeaders();
    for (const char* name : kIdentityHeaders) allowed.headers.add(name, identity.get(name));
    if (decision.claim_headers != nullptr) {
      for (const HeaderClaim& h : *decision.claim_headers) {
        allowed.headers.add(h.header, identity.get(h.header));
      }
    }
    return allowed;
  }
  Response denied = decision.response;
  denied.headers.set("Cache-Control", "no-store");
  if (redirect || !isRedirect(denied.status)) return denied;
  // auth_request accepts only 2xx, 401 and 403: the login redirect becomes
  // a 401 whose X-Barrier-Login the proxy turns into a 302. The checker's
  // other headers (the cookie it clears) go with it.
  Response login = jsonError(401, "login required");
  for (const Header& header : denied.headers) {
    if (equalsIgnoreCase(header.name, "Location") || login.headers.has(header.name)) continue;
    login.headers.add(header.name, header.value);
  }
  login.headers.set(kHeaderLogin, denied.headers.get("Location"));
  return login;
}

bool wantsRedirect(const Request& check_request) {
  std::optional<std::string> value = queryParam(parseQuery(check_request.query), "redirect");
  return value && (*value == "1" || *value == "true");
}

namespace server_detail {

net::awaitable<Response> serveForwardAuth(Exchange& ex, const Request& request) {
  Result<Request> subject = forwardAuthSubject(request);
  if (!subject.isOk()) {
    ex.outcome = Outcome::kBadRequest;
    co_return jsonError(400, subject.status().message());
  }
  CheckDecision decision = co_await runCheck(ex, *subject);
  ex.outcome = Gateway::outcomeOf(decision.outcome);
  noteUser(decision, ex);
  co_return forwardAuthResponse(decision, wantsRedirect(request));
}

}  // namespace server_detail

}  // namespace barrier
