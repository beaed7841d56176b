// A recursive-descent reader over a string_view with an explicit depth bound.
// Every loop advances `pos_` or fails, so malformed input always terminates.
#include "adapters/xml.h"

#include <cstdint>

namespace barrier {

std::string_view XmlElement::localName() const {
  std::string_view n = name;
  size_t colon = n.find(':');
  return colon == std::string_view::npos ? n : n.substr(colon + 1);
}

const XmlElement* XmlElement::child(std::string_view child_name) const {
  for (const auto& c : children) {
    if (c.localName() == child_name) return &c;
  }
  return nullptr;
}

XmlElement* XmlElement::child(std::string_view child_name) {
  for (auto& c : children) {
    if (c.localName() == child_name) return &c;
  }
  return nullptr;
}

std::vector<const XmlElement*> XmlElement::childrenNamed(std::string_view child_name) const {
  std::vector<const XmlElement*> out;
  for (const auto& c : children) {
    if (c.localName() == child_name) out.push_back(&c);
  }
  return out;
}

const XmlElement* XmlElement::find(std::initializer_list<std::string_view> path) const {
  const XmlElement* at = this;
  for (auto step : path) {
    at = at->child(step);
    if (at == nullptr) return nullptr;
  }
  return at;
}

std::string XmlElement::childText(std::string_view child_name) const {
  const XmlElement* c = child(child_name);
  return c == nullptr ? std::string() : c->text;
}

const std::string* XmlElement::attribute(std::string_view attr_name) const {
  for (const auto& [k, v] : attributes) {
    if (k == attr_name) return &v;
  }
  return nullptr;
}

XmlElement& XmlElement::add(std::string child_name, std::string child_text) {
  XmlElement e;
  e.name = std::move(child_name);
  e.text = std::move(child_text);
  children.push_back(std::move(e));
  return children.back();
}

namespace {

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool isNameStart(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == ':' ||
         static_cast<unsigned char>(c) >= 0x80;
}

bool isNameChar(char c) { return isNameStart(c) || (c >= '0' && c <= '9') || c == '-' || c == '.'; }

void appendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// XML 1.0 Char production: no NUL, no surrogates, nothing above U+10FFFF.
bool isXmlChar(uint32_t cp) {
  if (cp == 0x9 || cp == 0xA || cp == 0xD) return true;
  if (cp < 0x20) return false;
  if (cp >= 0xD800 && cp <= 0xDFFF) return false;
  if (cp == 0xFFFE || cp == 0xFFFF) return false;
  return cp <= 0x10FFFF;
}

bool isAllSpace(std::string_view s) {
  for (char c : s) {
    if (!isSpace(c)) return false;
  }
  return true;
}

class Parser {
 public:
  Parser(std::string_view in, const XmlLimits& limits) : in_(in), limits_(limits) {}

  Result<XmlElement> document() {
    if (in_.size() > limits_.max_bytes) return fail("document larger than the limit");
    // A UTF-8 byte-order mark is allowed before the declaration.
    if (in_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;
    if (!skipMisc()) return error_;
    if (atEnd() || in_[pos_] != '<') return fail("expected the root element");
    XmlElement root;
    if (!element(root, 1)) return error_;
    if (!skipMisc()) return error_;
    if (!atEnd()) return fail("content after the root element");
    return root;
  }

 private:
  bool atEnd() const { return pos_ >= in_.size(); }
  bool startsWith(std::string_view s) const { return in_.substr(pos_, s.size()) == s; }

  Status fail(std::string_view what) {
    error_ = Status::invalid("xml: " + std::string(what) + " at byte " + std::to_string(pos_));
    return error_;
  }
  bool failed(std::string_view what) {
    (void)fail(what);
    return false;
  }

  void skipSpace() {
    while (!atEnd() && isSpace(in_[pos_])) ++pos_;
  }

  // Skips "<!-- ... -->" at pos_.
  bool comment() {
    size_t end = in_.find("-->", pos_ + 4);
    if (end == std::string_view::npos) return failed("unterminated comment");
    pos_ = end + 3;
    return true;
  }

  // Skips "<? ... ?>" at pos_ (the XML declaration included).
  bool processingInstruction() {
    size_t end = in_.find("?>", pos_ + 2);
    if (end == std::string_view::npos) return failed("unterminated processing instruction");
    pos_ = end + 2;
    return true;
  }

  // Whitespace, comments and processing instructions around the root.
  bool skipMisc() {
    for (;;) {
      skipSpace();
      if (startsWith("<!--")) {
        if (!comment()) return false;
      } else if (startsWith("<?")) {
        if (!processingInstruction()) return false;
      } else if (startsWith("<!")) {
        // DOCTYPE and friends: refused, so no entity can ever be declared.
        return failed("DTDs are not accepted");
      } else {
        return true;
      }
    }
  }

  bool name(std::string& out) {
    if (atEnd() || !isNameStart(in_[pos_])) return failed("expected a name");
    size_t start = pos_;
    while (!atEnd() && isNameChar(in_[pos_])) ++pos_;
    out.assign(in_.substr(start, pos_ - start));
    return true;
  }

  // Decodes one reference at pos_ ('&'), appending the character to `out`.
  bool reference(std::string& out) {
    size_t end = in_.find(';', pos_);
    if (end == std::string_view::npos || end - pos_ > 12) return failed("bad entity reference");
    std::string_view ref = in_.substr(pos_ + 1, end - pos_ - 1);
    if (ref == "lt")
      out += '<';
    else if (ref == "gt")
      out += '>';
    else if (ref == "amp")
      out += '&';
    else if (ref == "quot")
      out += '"';
    else if (ref == "apos")
      out += '\'';
    else if (ref.size() >= 2 && ref[0] == '#') {
      bool hex = ref[1] == 'x';
      std::string_view digits = ref.substr(hex ? 2 : 1);
      if (digits.empty()) return failed("bad character reference");
      uint32_t cp = 0;
      for (char c : digits) {
        uint32_t d;
        if (c >= '0' && c <= '9')
          d = static_cast<uint32_t>(c - '0');
        else if (hex && c >= 'a' && c <= 'f')
          d = static_cast<uint32_t>(c - 'a' + 10);
        else if (hex && c >= 'A' && c <= 'F')
          d = static_cast<uint32_t>(c - 'A' + 10);
        else
          return failed("bad character reference");
        cp = cp * (hex ? 16 : 10) + d;
        if (cp > 0x10FFFF) return failed("character reference out of range");
      }
      if (!isXmlChar(cp)) return failed("character reference to a forbidden character");
      appendUtf8(out, cp);
    } else {
      return failed("unknown entity");
    }
    pos_ = end + 1;
    return true;
  }

  bool attributeValue(std::string& out) {
    if (atEnd() || (in_[pos_] != '"' && in_[pos_] != '\''))
      return failed("expected a quoted value");
    char quote = in_[pos_++];
    while (!atEnd() && in_[pos_] != quote) {
      char c = in_[pos_];
      if (c == '<') return failed("'<' in an attribute value");
      if (c == '&') {
        if (!reference(out)) return false;
      } else {
        out += c;
        ++pos_;
      }
    }
    if (atEnd()) return failed("unterminated attribute value");
    ++pos_;
    return true;
  }

  // Parses "<name attrs>content</name>" or "<name attrs/>" at pos_.
  bool element(XmlElement& e, size_t depth) {
    if (depth > limits_.max_depth) return failed("elements nested too deeply");
    if (++elements_ > limits_.max_elements) return failed("more elements than the limit");
    ++pos_;  // '<'
    if (!name(e.name)) return false;
    for (;;) {
      size_t before = pos_;
      skipSpace();
      if (atEnd()) return failed("unterminated start tag");
      if (startsWith("/>")) {
        pos_ += 2;
        return true;
      }
      if (in_[pos_] == '>') {
        ++pos_;
        break;
      }
      if (before == pos_) return failed("expected whitespace before an attribute");
      std::string key, value;
      if (!name(key)) return false;
      skipSpace();
      if (atEnd() || in_[pos_] != '=') return failed("expected '=' after an attribute name");
      ++pos_;
      skipSpace();
      if (!attributeValue(value)) return false;
      for (const auto& [k, v] : e.attributes) {
        if (k == key) return failed("duplicate attribute");
      }
      e.attributes.emplace_back(std::move(key), std::move(value));
    }
    return content(e, depth);
  }

  // Character data, children, comments and CDATA up to the matching end tag.
  bool content(XmlElement& e, size_t depth) {
    for (;;) {
      if (atEnd()) return failed("unterminated element <" + e.name + ">");
      char c = in_[pos_];
      if (c == '&') {
        if (!reference(e.text)) return false;
      } else if (c != '<') {
        e.text += c;
        ++pos_;
      } else if (startsWith("</")) {
        pos_ += 2;
        std::string end_name;
        if (!name(end_name)) return false;
        skipSpace();
        if (atEnd() || in_[pos_] != '>') return failed("expected '>' in an end tag");
        if (end_name != e.name) return failed("mismatched end tag </" + end_name + ">");
        ++pos_;
        if (!e.children.empty() && isAllSpace(e.text)) e.text.clear();
        return true;
      } else if (startsWith("<!--")) {
        if (!comment()) return false;
      } else if (startsWith("<![CDATA[")) {
        size_t end = in_.find("]]>", pos_ + 9);
        if (end == std::string_view::npos) return failed("unterminated CDATA section");
        e.text.append(in_.substr(pos_ + 9, end - pos_ - 9));
        pos_ = end + 3;
      } else if (startsWith("<?")) {
        if (!processingInstruction()) return false;
      } else if (startsWith("<!")) {
        return failed("markup declaration inside an element");
      } else {
        e.children.emplace_back();
        if (!element(e.children.back(), depth + 1)) return false;
      }
    }
  }

  std::string_view in_;
  const XmlLimits& limits_;
  size_t elements_ = 0;
  size_t pos_ = 0;
  Status error_ = Status::internal("xml: no error recorded");
};

void writeElement(const XmlElement& e, std::string& out) {
  out += '<';
  out += e.name;
  for (const auto& [k, v] : e.attributes) {
    out += ' ';
    out += k;
    out += "=\"";
    out += xmlEscape(v);
    out += '"';
  }
  if (e.children.empty() && e.text.empty()) {
    out += "/>";
    return;
  }
  out += '>';
  if (e.children.empty()) {
    out += xmlEscape(e.text);
  } else {
    for (const auto& c : e.children) writeElement(c, out);
  }
  out += "</";
  out += e.name;
  out += '>';
}

}  // namespace

Result<XmlElement> parseXml(std::string_view text, const XmlLimits& limits) {
  return Parser(text, limits).document();
}

std::string writeXml(const XmlElement& root) {
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  writeElement(root, out);
  return out;
}

std::string xmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace barrier
