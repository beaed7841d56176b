// A minimal XML reader and writer for the AWS query and REST-XML APIs
// (STS for the credential chain; CloudFormation, S3, CloudFront for
// `barrier deploy`).
//
// The answers come from the network, so the reader is strict and bounded:
// no DTDs (a DOCTYPE is refused, which rules out entity-expansion attacks),
// only the five predefined entities and numeric character references, a
// nesting limit and an input-size limit. It keeps what AWS documents carry:
// elements, attributes and text. Comments and processing instructions are
// skipped; whitespace-only text between child elements is dropped, so a
// document read and written again keeps its element order (CloudFront's
// schema is order-sensitive) but not its indentation.
//
// Plain values, no shared state: safe to use from any thread.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace barrier {

struct XmlElement {
  std::string name;  // as written, prefix included ("soap:Body")
  std::vector<std::pair<std::string, std::string>> attributes;
  std::string text;  // character data directly inside (entities decoded)
  std::vector<XmlElement> children;

  // The name without a namespace prefix ("Body" for "soap:Body").
  std::string_view localName() const;
  // First child whose local name is `name`, or nullptr.
  const XmlElement* child(std::string_view name) const;
  XmlElement* child(std::string_view name);
  // Every child whose local name is `name`, in document order.
  std::vector<const XmlElement*> childrenNamed(std::string_view name) const;
  // Follows local names downwards: find({"Stacks", "member"}). nullptr when any step is missing.
  const XmlElement* find(std::initializer_list<std::string_view> path) const;
  // Text of the first child named `name`; "" when there is none.
  std::string childText(std::string_view name) const;
  // Value of the attribute `name`, or nullptr.
  const std::string* attribute(std::string_view name) const;

  // Appends a child and returns it (a reference valid until the next append).
  XmlElement& add(std::string child_name, std::string child_text = "");
};

struct XmlLimits {
  size_t max_bytes = 16 * 1024 * 1024;
  size_t max_depth = 64;
  // Each element costs ~100 bytes of memory however small its text ("<a/>"
  // is 4): the element count bounds the memory a document can take. AWS
  // answers (a distribution config, a page of stack events) hold thousands.
  size_t max_elements = 100'000;
};

// Parses one document. Errors are kInvalidArgument with the byte offset:
// "xml: mismatched end tag </b> at byte 17".
Result<XmlElement> parseXml(std::string_view text, const XmlLimits& limits = {});

// Serialises `root` with an XML declaration, escaping text and attributes.
// Elements with children get no text (AWS documents never mix them).
std::string writeXml(const XmlElement& root);

// Escapes &, <, >, " and ' for text and attribute values.
std::string xmlEscape(std::string_view text);

}  // namespace barrier
