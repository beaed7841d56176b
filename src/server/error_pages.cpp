#include "server/error_pages.h"

#include <string>

namespace barrier {

namespace {

std::string_view defaultDetail(int status) {
  switch (status) {
    case 400:
      return "The request could not be understood.";
    case 404:
      return "There is nothing at this address.";
    case 405:
      return "This method is not allowed here.";
    case 413:
      return "The request body is too large.";
    case 421:
      return "This site is not served at this address.";
    case 429:
      return "Too many sign-in attempts from your address. Please wait a moment and try again.";
    case 431:
      return "The request headers are too large.";
    case 500:
      return "Something went wrong on our side.";
    case 502:
      return "The site behind the barrier could not be reached.";
    case 503:
      return "The service is temporarily unavailable. Please try again shortly.";
    case 504:
      return "The site behind the barrier did not answer in time.";
    default:
      return "The request could not be completed.";
  }
}

}  // namespace

Response errorPage(int status, std::string_view detail) {
  std::string title = std::to_string(status) + " " + reasonPhrase(status);
  std::string_view text = detail.empty() ? defaultDetail(status) : detail;
  Response response;
  response.status = status;
  response.headers.set("Content-Type", "text/html; charset=utf-8");
  response.headers.set("Cache-Control", "no-store");
  response.body =
      "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<title>" +
      title + "</title></head>\n<body><h1>" + title + "</h1>\n<p>" + std::string(text) +
      "</p></body></html>\n";
  return response;
}

}  // namespace barrier
