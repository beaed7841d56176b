#include "tests/integration/support/manager_browser.h"

#include <regex>

#include "core/http/percent.h"

namespace barrier::testing {

ManagerBrowser::ManagerBrowser(HttpClient& http, std::string site_base, SiteHandler site)
    : http_(http), site_base_(std::move(site_base)), site_(std::move(site)) {}

std::string ManagerBrowser::hostOf(const std::string& url) {
  size_t start = url.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  size_t end = url.find_first_of("/?#", start);
  return url.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

std::string ManagerBrowser::resolve(const std::string& base_url, const std::string& location) {
  if (location.find("://") != std::string::npos) return location;
  size_t start = base_url.find("://") + 3;
  size_t end = base_url.find_first_of("/?#", start);
  std::string origin = base_url.substr(0, end);
  return origin + location;
}

void ManagerBrowser::store(const std::string& url, const Headers& headers) {
  auto& jar = jar_[hostOf(url)];
  for (const std::string& set : headers.getAll("Set-Cookie")) {
    size_t eq = set.find('=');
    size_t semi = set.find(';');
    if (eq == std::string::npos || (semi != std::string::npos && eq > semi)) continue;
    std::string name = set.substr(0, eq);
    std::string value =
        set.substr(eq + 1, semi == std::string::npos ? std::string::npos : semi - eq - 1);
    std::string lower = set;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    bool expired = lower.find("max-age=0") != std::string::npos ||
                   lower.find("expires=thu, 01 jan 1970") != std::string::npos;
    if (expired) {
      jar.erase(name);
    } else {
      jar[name] = value;
    }
  }
}

std::string ManagerBrowser::cookieHeader(const std::string& url) const {
  auto it = jar_.find(hostOf(url));
  if (it == jar_.end()) return "";
  std::string out;
  for (const auto& [name, value] : it->second) {
    if (!out.empty()) out += "; ";
    out += name + "=" + value;
  }
  return out;
}

BrowserPage ManagerBrowser::request(const std::string& method, const std::string& url,
                                    const std::string& form_body) {
  BrowserPage page;
  page.url = url;
  std::string cookies = cookieHeader(url);
  if (url.starts_with(site_base_ + "/") || url == site_base_) {
    Request r;
    r.method = method;
    std::string target = url.substr(site_base_.size());
    if (target.empty()) target = "/";
    size_t q = target.find('?');
    r.path = target.substr(0, q);
    r.query = q == std::string::npos ? "" : target.substr(q + 1);
    if (!cookies.empty()) r.headers.add("Cookie", cookies);
    r.headers.add("Host", hostOf(url));
    r.body = form_body;
    Response resp = site_(r);
    page.status = resp.status;
    page.headers = resp.headers;
    page.body = resp.body;
  } else {
    HttpClientRequest r;
    r.method = method;
    r.url = url;
    r.body = form_body;
    r.timeout_ms = 10000;
    if (!cookies.empty()) r.headers.add("Cookie", cookies);
    if (method == "POST") r.headers.add("Content-Type", "application/x-www-form-urlencoded");
    auto resp = http_.send(r);
    if (!resp.isOk()) {
      page.status = -1;
      page.body = resp.status().toString();
      return page;
    }
    page.status = resp->status;
    page.headers = resp->headers;
    page.body = resp->body;
  }
  store(url, page.headers);
  return page;
}

BrowserPage ManagerBrowser::follow(BrowserPage page,
                                   const std::function<bool(const std::string&)>& stop,
                                   int max_hops) {
  for (int hop = 0; hop < max_hops; ++hop) {
    if (page.status < 300 || page.status >= 400 || page.location().empty()) return page;
    std::string next = resolve(page.url, page.location());
    if (stop && stop(next)) return page;
    page = get(next);
  }
  return page;
}

namespace {
std::string formAction(const BrowserPage& page, const std::string& suffix) {
  std::regex action("action=\"([^\"]+)\"");
  for (auto it = std::sregex_iterator(page.body.begin(), page.body.end(), action);
       it != std::sregex_iterator(); ++it) {
    std::string a = (*it)[1];
    if (a.size() >= suffix.size() &&
        a.compare(a.size() - suffix.size(), suffix.size(), suffix) == 0) {
      return ManagerBrowser::resolve(page.url, a);
    }
  }
  return "";
}
}  // namespace

BrowserPage ManagerBrowser::submitLogin(const BrowserPage& form, const std::string& user,
                                        const std::string& password) {
  std::string action = formAction(form, "/login");
  if (action.empty()) return BrowserPage{-1, form.url, {}, "no login form on the page"};
  return request("POST", action,
                 "username=" + percentEncode(user) + "&password=" + percentEncode(password));
}

BrowserPage ManagerBrowser::submitForm(const BrowserPage& page, const std::string& suffix) {
  std::string action = formAction(page, suffix);
  if (action.empty()) return BrowserPage{-1, page.url, {}, "no such form on the page"};
  return request("POST", action, "");
}

std::string ManagerBrowser::cookie(const std::string& host_url, const std::string& name) const {
  auto it = jar_.find(hostOf(host_url));
  if (it == jar_.end()) return "";
  auto c = it->second.find(name);
  return c == it->second.end() ? "" : c->second;
}

void ManagerBrowser::setCookie(const std::string& host_url, const std::string& name,
                               const std::string& value) {
  jar_[hostOf(host_url)][name] = value;
}

std::map<std::string, std::string> ManagerBrowser::cookies(const std::string& host_url) const {
  auto it = jar_.find(hostOf(host_url));
  return it == jar_.end() ? std::map<std::string, std::string>() : it->second;
}

BrowserPage ManagerBrowser::endProviderSession(const std::string& issuer) {
  BrowserPage ask = request("POST", issuer + "/logout");
  std::smatch xsrf;
  if (ask.status != 200 ||
      !std::regex_search(ask.body, xsrf, std::regex(R"re(name="xsrf" value="([^"]+)")re"))) {
    ask.status = -1;  // not the confirmation page
    return ask;
  }
  return request("POST", formAction(ask, "/logout/confirm"),
                 "xsrf=" + percentEncode(xsrf[1].str()) + "&logout=yes");
}

}  // namespace barrier::testing
