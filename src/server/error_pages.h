// Small HTML pages the gateway itself answers with (404, 502, 504, 413...).
// They never echo request data back: a fixed title and text per status, so a
// crafted URL cannot inject markup.
#pragma once

#include <string_view>

#include "core/http/message.h"

namespace barrier {

// A complete response: status, text/html body, Cache-Control: no-store.
// `detail` is a fixed sentence chosen by the caller, never user input.
Response errorPage(int status, std::string_view detail = {});

}  // namespace barrier
