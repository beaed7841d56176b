#include "server/listeners.h"

#include "server/server.h"

namespace barrier {

namespace server_detail {

namespace {

Result<net::ip::address> resolveHost(const ListenAddress& address, const std::string& listen,
                                     const net::any_io_executor& executor) {
  if (address.host.empty()) return net::ip::address(net::ip::address_v4::any());
  error_code ec;
  net::ip::address ip = net::ip::make_address(address.host, ec);
  if (!ec) return ip;
  // A host name: resolved once, at start-up.
  tcp::resolver resolver(executor);
  auto results = resolver.resolve(address.host, std::to_string(address.port), ec);
  if (ec || results.empty()) return Status::invalid("listen " + listen + ": cannot resolve host");
  return results.begin()->endpoint().address();
}

Status bindTo(tcp::acceptor& acceptor, const std::string& listen, tcp::endpoint& local,
              const net::any_io_executor& executor) {
  Result<ListenAddress> address = parseListenAddress(listen);
  if (!address.isOk()) return address.status();
  Result<net::ip::address> ip = resolveHost(*address, listen, executor);
  if (!ip.isOk()) return ip.status();
  tcp::endpoint endpoint(*ip, address->port);
  error_code ec;
  auto fail = [&](const char* what) {
    return Status::unavailable("listen " + listen + ": " + what + ": " + ec.message());
  };
  if (acceptor.open(endpoint.protocol(), ec)) return fail("open");
  if (acceptor.set_option(net::socket_base::reuse_address(true), ec)) return fail("option");
  if (acceptor.bind(endpoint, ec)) return fail("bind");
  if (acceptor.listen(net::socket_base::max_listen_connections, ec)) return fail("listen");
  local = acceptor.local_endpoint(ec);
  return Status::ok();
}

}  // namespace

Result<Listener> openListener(const std::string& address, const net::any_io_executor& executor) {
  Listener listener;
  listener.address = address;
  if (address.empty()) return listener;
  listener.acceptor = std::make_shared<tcp::acceptor>(executor);
  if (Status s = bindTo(*listener.acceptor, address, listener.local, executor); !s) return s;
  return listener;
}

std::string formatEndpoint(const tcp::endpoint& endpoint) {
  std::string host = endpoint.address().to_string();
  if (endpoint.address().is_v6()) host = "[" + host + "]";
  return host + ":" + std::to_string(endpoint.port());
}

}  // namespace server_detail

Result<ListenAddress> parseListenAddress(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return Status::invalid("listen \"" + std::string(text) + "\": " + std::string(why));
  };
  ListenAddress out;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return bad("expected [address]:port");
    }
    out.host = std::string(text.substr(1, close - 1));
    port = text.substr(close + 2);
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return bad("expected host:port");
    out.host = std::string(text.substr(0, colon));
    port = text.substr(colon + 1);
  }
  if (port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string_view::npos) {
    return bad("bad port");
  }
  unsigned long value = std::stoul(std::string(port));
  if (value > 65535) return bad("bad port");
  out.port = static_cast<uint16_t>(value);
  return out;
}

}  // namespace barrier
