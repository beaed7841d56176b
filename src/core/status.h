// Status and Result<T>: the error model of the request path.
//
// The core never throws (it is built with -fno-exceptions for wasm32-wasi).
// Every fallible call returns a Status or a Result<T>. Callers must tell
// *absent* apart from *failed*: a store lookup of an unknown key returns an ok
// Result holding std::nullopt, while an unreachable store returns a non-ok
// Status (kUnavailable). The checker maps the first to "no session" and the
// second to 503 — never to a pass.
//
// Callers decide on code() and, where one code covers several outcomes, on
// reason(): the peer's own error code ("ConditionalCheckFailedException",
// "ParameterNotFound", "WRONGTYPE"), or a named constant that the one
// function at a protocol boundary gives to an outcome the peer states only
// in prose. message() is for people; no decision reads it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace barrier {

enum class Code {
  kOk,
  kNotFound,          // the thing asked for does not exist
  kAlreadyExists,     // conditional write lost: the key is taken
  kInvalidArgument,   // the input is malformed; message says which part
  kUnauthenticated,   // credentials or a token were refused
  kPermissionDenied,  // authenticated but not allowed
  kUnavailable,       // a dependency (store, provider) could not be reached or erred
  kTimeout,           // a dependency did not answer in time
  kInternal,          // a bug or an impossible state
};

const char* codeName(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message, std::string reason = {})
      : code_(code), message_(std::move(message)), reason_(std::move(reason)) {}

  static Status ok() { return {}; }
  static Status notFound(std::string m) { return {Code::kNotFound, std::move(m)}; }
  static Status alreadyExists(std::string m) { return {Code::kAlreadyExists, std::move(m)}; }
  static Status invalid(std::string m) { return {Code::kInvalidArgument, std::move(m)}; }
  static Status unauthenticated(std::string m) { return {Code::kUnauthenticated, std::move(m)}; }
  static Status denied(std::string m) { return {Code::kPermissionDenied, std::move(m)}; }
  static Status unavailable(std::string m) { return {Code::kUnavailable, std::move(m)}; }
  static Status timeout(std::string m) { return {Code::kTimeout, std::move(m)}; }
  static Status internal(std::string m) { return {Code::kInternal, std::move(m)}; }

  bool isOk() const { return code_ == Code::kOk; }
  explicit operator bool() const { return isOk(); }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // The machine-readable reason, empty when the failure has none.
  const std::string& reason() const { return reason_; }
  bool hasReason(std::string_view reason) const { return !isOk() && reason_ == reason; }
  // The same code and reason, the message prefixed: "<context>: <message>".
  Status withContext(std::string_view context) const;
  // "unavailable: connection refused" — for logs and CLI errors.
  std::string toString() const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
  std::string reason_;
};

// A value or the Status that explains why there is none.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}         // NOLINT(google-explicit-constructor)
  Result(Status status) : status_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    if (status_.isOk()) status_ = Status::internal("Result constructed from an ok Status");
  }

  bool isOk() const { return value_.has_value(); }
  explicit operator bool() const { return isOk(); }
  const Status& status() const { return status_; }

  // Precondition: isOk().
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace barrier
