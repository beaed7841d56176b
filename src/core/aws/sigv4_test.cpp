#include "core/aws/sigv4.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "adapters/system.h"

namespace barrier {
namespace {

namespace fs = std::filesystem;

const fs::path kVectorDir = fs::path(BARRIER_SOURCE_DIR) / ".." / "shared" / "vectors" / "sigv4";

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Parses the suite's raw request.txt: "METHOD target HTTP/1.1", headers
// (continuation lines start with whitespace), a blank line, the body. The
// target may contain raw spaces and UTF-8, so it runs up to " HTTP/".
bool parseRawRequest(const std::string& text, SigV4Request& out) {
  size_t line_end = text.find('\n');
  std::string first = text.substr(0, line_end);
  size_t sp = first.find(' ');
  size_t proto = first.rfind(" HTTP/");
  if (sp == std::string::npos || proto == std::string::npos || proto <= sp) return false;
  out.method = first.substr(0, sp);
  std::string target = first.substr(sp + 1, proto - sp - 1);
  size_t q = target.find('?');
  out.path = target.substr(0, q);
  out.query = q == std::string::npos ? "" : target.substr(q + 1);
  size_t pos = line_end == std::string::npos ? text.size() : line_end + 1;
  std::vector<Header> headers;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    if (line.empty()) {
      out.body = pos < text.size() ? text.substr(pos) : "";
      break;
    }
    if ((line[0] == ' ' || line[0] == '\t') && !headers.empty()) {
      headers.back().value += " " + line;
      continue;
    }
    size_t colon = line.find(':');
    if (colon == std::string::npos) return false;
    headers.push_back({line.substr(0, colon), line.substr(colon + 1)});
  }
  for (auto& h : headers) out.headers.add(h.name, h.value);
  return true;
}

struct VectorCase {
  SigV4Request request;
  AwsCredentials credentials;
  SigV4Options options;
  bool sign_body = false;
};

VectorCase loadCase(const fs::path& dir) {
  VectorCase c;
  EXPECT_TRUE(parseRawRequest(readFile(dir / "request.txt"), c.request)) << dir;
  auto ctx = nlohmann::json::parse(readFile(dir / "context.json"));
  c.credentials.access_key_id = ctx["credentials"]["access_key_id"].get<std::string>();
  c.credentials.secret_access_key = ctx["credentials"]["secret_access_key"].get<std::string>();
  if (ctx["credentials"].contains("token")) {
    c.credentials.session_token = ctx["credentials"]["token"].get<std::string>();
  }
  c.options.region = ctx["region"].get<std::string>();
  c.options.service = ctx["service"].get<std::string>();
  EXPECT_TRUE(parseIso8601(ctx["timestamp"].get<std::string>(), c.options.timestamp));
  c.options.normalize_path = ctx.value("normalize", true);
  c.options.double_encode_path = true;
  c.options.omit_session_token = ctx.value("omit_session_token", false);
  c.options.expires_in = ctx.value("expiration_in_seconds", 3600);
  c.sign_body = ctx.value("sign_body", false);
  return c;
}

std::vector<fs::path> vectorCases() {
  std::vector<fs::path> out;
  if (!fs::is_directory(kVectorDir)) return out;
  for (const auto& entry : fs::directory_iterator(kVectorDir)) {
    if (entry.is_directory() && fs::exists(entry.path() / "request.txt")) {
      out.push_back(entry.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The Authorization line of the expected signed request ("" when absent).
std::string expectedAuthorization(const fs::path& dir) {
  std::string text = readFile(dir / "header-signed-request.txt");
  size_t pos = text.find("\nAuthorization:");
  if (pos == std::string::npos) return "";
  size_t start = pos + 15;
  return text.substr(start, text.find('\n', start) - start);
}

// Every case of the aws-c-auth suite signs to the expected canonical
// request, string to sign, signature and Authorization header.
TEST(SigV4Vectors, HeaderSigning) {
  auto cases = vectorCases();
  if (cases.empty())
    GTEST_SKIP() << "skipped: needs " << kVectorDir.string() << " (the shared test vectors)";
  auto crypto = makeOpenSslCrypto();
  int passed = 0;
  for (const auto& dir : cases) {
    SCOPED_TRACE(dir.filename().string());
    VectorCase c = loadCase(dir);
    c.options.content_sha256_header = c.sign_body;
    auto result = signHeaders(c.request, c.credentials, c.options, *crypto);
    ASSERT_TRUE(result.isOk()) << result.status().toString();
    bool ok = true;
    ok &= result->canonical_request == readFile(dir / "header-canonical-request.txt");
    ok &= result->string_to_sign == readFile(dir / "header-string-to-sign.txt");
    ok &= result->signature == readFile(dir / "header-signature.txt");
    ok &= c.request.headers.get("Authorization") == expectedAuthorization(dir);
    EXPECT_EQ(result->canonical_request, readFile(dir / "header-canonical-request.txt"));
    EXPECT_EQ(result->string_to_sign, readFile(dir / "header-string-to-sign.txt"));
    EXPECT_EQ(result->signature, readFile(dir / "header-signature.txt"));
    EXPECT_EQ(c.request.headers.get("Authorization"), expectedAuthorization(dir));
    if (!c.credentials.session_token.empty()) {
      EXPECT_EQ(c.request.headers.get("X-Amz-Security-Token"), c.credentials.session_token);
    }
    passed += ok ? 1 : 0;
  }
  std::printf("sigv4 header vectors: %d/%zu passed\n", passed, cases.size());
}

// Every case signs as a presigned URL to the expected canonical request,
// string to sign and signature, and the signature lands in the query.
TEST(SigV4Vectors, QuerySigning) {
  auto cases = vectorCases();
  if (cases.empty())
    GTEST_SKIP() << "skipped: needs " << kVectorDir.string() << " (the shared test vectors)";
  auto crypto = makeOpenSslCrypto();
  int passed = 0;
  for (const auto& dir : cases) {
    SCOPED_TRACE(dir.filename().string());
    VectorCase c = loadCase(dir);
    auto result = presignQuery(c.request, c.credentials, c.options, *crypto);
    ASSERT_TRUE(result.isOk()) << result.status().toString();
    bool ok = true;
    ok &= result->canonical_request == readFile(dir / "query-canonical-request.txt");
    ok &= result->string_to_sign == readFile(dir / "query-string-to-sign.txt");
    ok &= result->signature == readFile(dir / "query-signature.txt");
    EXPECT_EQ(result->canonical_request, readFile(dir / "query-canonical-request.txt"));
    EXPECT_EQ(result->string_to_sign, readFile(dir / "query-string-to-sign.txt"));
    EXPECT_EQ(result->signature, readFile(dir / "query-signature.txt"));
    EXPECT_NE(c.request.query.find("X-Amz-Signature=" + result->signature), std::string::npos);
    // The wire query carries the same parameters as the expected one.
    std::string expected_line = readFile(dir / "query-signed-request.txt");
    expected_line = expected_line.substr(0, expected_line.find('\n'));
    size_t q = expected_line.find('?');
    size_t proto = expected_line.rfind(" HTTP/");
    ASSERT_NE(q, std::string::npos);
    EXPECT_EQ(canonicalQuery(c.request.query),
              canonicalQuery(expected_line.substr(q + 1, proto - q - 1)));
    passed += ok ? 1 : 0;
  }
  std::printf("sigv4 query vectors: %d/%zu passed\n", passed, cases.size());
}

// Dates format and parse as UTC, across leap days and with offsets.
TEST(SigV4, DatesRoundTrip) {
  EXPECT_EQ(amzDate(1440938160), "20150830T123600Z");
  EXPECT_EQ(amzDate(0), "19700101T000000Z");
  EXPECT_EQ(amzDate(951782400), "20000229T000000Z");
  EXPECT_EQ(formatIso8601(1440938160), "2015-08-30T12:36:00Z");
  EXPECT_EQ(formatIso8601(951782400), "2000-02-29T00:00:00Z");
  int64_t t = 0;
  ASSERT_TRUE(parseIso8601("2015-08-30T12:36:00Z", t));
  EXPECT_EQ(t, 1440938160);
  ASSERT_TRUE(parseIso8601("2015-08-30T12:36:00.123Z", t));
  EXPECT_EQ(t, 1440938160);
  ASSERT_TRUE(parseIso8601("2015-08-30T14:36:00+02:00", t));
  EXPECT_EQ(t, 1440938160);
  EXPECT_FALSE(parseIso8601("2015-08-30 12:36", t));
  EXPECT_FALSE(parseIso8601("2015-13-30T12:36:00Z", t));
  EXPECT_FALSE(parseIso8601("", t));
}

// S3 keeps its path as sent (no dot removal, no second encoding) and signs
// the payload header; other services normalise and double-encode.
TEST(SigV4, PathRulesPerService) {
  EXPECT_EQ(canonicalPath("/a/./b/../c%2Fd", true, true), "/a/c%252Fd");
  EXPECT_EQ(canonicalPath("/a/./b/../c%2Fd", false, false), "/a/./b/../c%2Fd");
  SigV4Options s3 = sigV4OptionsFor("s3", "eu-west-1", 0);
  EXPECT_FALSE(s3.normalize_path);
  EXPECT_FALSE(s3.double_encode_path);
  EXPECT_TRUE(s3.content_sha256_header);
  SigV4Options ddb = sigV4OptionsFor("dynamodb", "eu-west-1", 0);
  EXPECT_TRUE(ddb.normalize_path);
  EXPECT_TRUE(ddb.double_encode_path);
  EXPECT_FALSE(ddb.content_sha256_header);
}

// An unsigned payload puts UNSIGNED-PAYLOAD in the canonical request and
// the x-amz-content-sha256 header, as S3 uploads need.
TEST(SigV4, UnsignedPayload) {
  auto crypto = makeOpenSslCrypto();
  SigV4Request r;
  r.method = "PUT";
  r.path = "/bucket/key%20with%20space";
  r.headers.add("Host", "s3.eu-west-1.amazonaws.com");
  r.body = "hello";
  SigV4Options o = sigV4OptionsFor("s3", "eu-west-1", 1440938160);
  o.payload = PayloadSigning::kUnsigned;
  AwsCredentials c{"AKID", "SECRET", "", 0, "test"};
  auto result = signHeaders(r, c, o, *crypto);
  ASSERT_TRUE(result.isOk());
  EXPECT_EQ(r.headers.get("x-amz-content-sha256"), "UNSIGNED-PAYLOAD");
  EXPECT_TRUE(result->canonical_request.ends_with("\nUNSIGNED-PAYLOAD"));
  EXPECT_NE(result->canonical_request.find("\n/bucket/key%20with%20space\n"), std::string::npos);
}

// Signing twice (a retry) replaces the earlier signature headers instead of
// piling them up.
TEST(SigV4, ResigningReplacesHeaders) {
  auto crypto = makeOpenSslCrypto();
  HttpClientRequest req;
  req.method = "POST";
  req.url = "http://127.0.0.1:8000/";
  req.body = "{}";
  AwsCredentials c{"AKID", "SECRET", "TOKEN", 0, "test"};
  SigV4Options o = sigV4OptionsFor("dynamodb", "us-east-1", 1440938160);
  ASSERT_TRUE(signHttpRequest(req, c, o, *crypto).isOk());
  o.timestamp += 10;
  ASSERT_TRUE(signHttpRequest(req, c, o, *crypto).isOk());
  EXPECT_EQ(req.headers.getAll("Authorization").size(), 1u);
  EXPECT_EQ(req.headers.getAll("X-Amz-Date").size(), 1u);
  EXPECT_EQ(req.headers.get("X-Amz-Date"), "20150830T123610Z");
  EXPECT_EQ(req.headers.get("Host"), "127.0.0.1:8000");
  EXPECT_EQ(req.body, "{}");
}

// Missing credentials or Host are refused rather than signed wrongly.
TEST(SigV4, RefusesIncompleteInput) {
  auto crypto = makeOpenSslCrypto();
  SigV4Request r;
  SigV4Options o = sigV4OptionsFor("dynamodb", "us-east-1", 0);
  AwsCredentials c{"AKID", "SECRET", "", 0, "test"};
  EXPECT_EQ(signHeaders(r, c, o, *crypto).status().code(), Code::kInvalidArgument);
  r.headers.add("Host", "x");
  EXPECT_EQ(signHeaders(r, AwsCredentials{}, o, *crypto).status().code(), Code::kUnauthenticated);
  HttpClientRequest bad;
  bad.url = "ftp://x/";
  EXPECT_FALSE(signHttpRequest(bad, c, o, *crypto).isOk());
}

// URLs split into authority (default port dropped), path and query.
TEST(SigV4, SplitsUrls) {
  UrlParts u;
  ASSERT_TRUE(splitUrl("https://Dynamodb.eu-west-1.amazonaws.com:443", u));
  EXPECT_EQ(u.authority, "dynamodb.eu-west-1.amazonaws.com");
  EXPECT_EQ(u.path, "/");
  ASSERT_TRUE(splitUrl("http://127.0.0.1:4567/a/b?x=1#frag", u));
  EXPECT_EQ(u.authority, "127.0.0.1:4567");
  EXPECT_EQ(u.path, "/a/b");
  EXPECT_EQ(u.query, "x=1");
  EXPECT_FALSE(splitUrl("http://user@host/", u));
  EXPECT_FALSE(splitUrl("http:///x", u));
}

}  // namespace
}  // namespace barrier
