// libFuzzer target: Lambda HTTP events (API Gateway 1.0/2.0, function URLs)
// are untrusted JSON. Parsing must never crash, and whatever parses must
// render back into a response document without throwing.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "lambda/events.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto event = barrier::parseHttpEvent(text);
  if (!event.isOk()) return 0;
  barrier::Response response;
  response.status = 200;
  // Echo untrusted parts back: the renderer must cope with any bytes.
  response.headers = event->request.headers;
  response.body = event->request.body;
  (void)barrier::renderHttpResponse(response, event->format);
  return 0;
}
