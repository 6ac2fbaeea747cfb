// A small, strict XML parser for tests: checks that a document is well-formed (one root element,
// matching tags, quoted and unique attributes, known entities only) and returns its element tree
// so that tests can look for the elements they expect. No DTDs, no namespaces processing.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace xml_check {

struct Node {
  std::string name;
  std::map<std::string, std::string> attributes;
  std::vector<Node> children;
  std::string text;  // the element's own character data, entities decoded

  std::string attr(const std::string& key) const {
    const auto it = attributes.find(key);
    return it == attributes.end() ? std::string() : it->second;
  }
  bool has(const std::string& key) const { return attributes.count(key) > 0; }
};

class Parser {
 public:
  explicit Parser(std::string_view text) : s_(text) {}

  Node document() {
    skip_misc(true);
    if (!starts("<")) fail("expected the root element");
    Node root = element();
    skip_misc(false);
    if (pos_ != s_.size()) fail("content after the root element");
    return root;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    std::size_t line = 1;
    for (std::size_t i = 0; i < pos_ && i < s_.size(); ++i) line += s_[i] == '\n';
    throw std::runtime_error("XML line " + std::to_string(line) + ": " + what);
  }
  bool starts(std::string_view prefix) const { return s_.substr(pos_).starts_with(prefix); }
  void expect(std::string_view token) {
    if (!starts(token)) fail("expected '" + std::string(token) + "'");
    pos_ += token.size();
  }
  static bool space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
  void skip_space() {
    while (pos_ < s_.size() && space(s_[pos_])) ++pos_;
  }
  void skip_until(std::string_view end) {
    const auto at = s_.find(end, pos_);
    if (at == std::string_view::npos) fail("unterminated '" + std::string(end) + "'");
    pos_ = at + end.size();
  }
  // Whitespace, comments, processing instructions and (in the prolog) one DOCTYPE.
  void skip_misc(bool prolog) {
    for (;;) {
      skip_space();
      if (starts("<!--")) {
        skip_until("-->");
      } else if (starts("<?")) {
        skip_until("?>");
      } else if (prolog && starts("<!DOCTYPE")) {
        skip_until(">");
      } else {
        return;
      }
    }
  }
  static bool name_start(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
           static_cast<unsigned char>(c) >= 0x80;
  }
  static bool name_char(char c) {
    return name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
  }
  std::string name() {
    if (pos_ >= s_.size() || !name_start(s_[pos_])) fail("expected a name");
    const std::size_t start = pos_;
    while (pos_ < s_.size() && name_char(s_[pos_])) ++pos_;
    return std::string(s_.substr(start, pos_ - start));
  }
  static void append_utf8(std::string& out, std::uint32_t cp) {
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
  // At '&': decodes one entity into out.
  void entity(std::string& out) {
    const auto end = s_.find(';', pos_);
    if (end == std::string_view::npos || end - pos_ > 12) fail("'&' that starts no entity");
    const std::string_view body = s_.substr(pos_ + 1, end - pos_ - 1);
    if (body == "amp")
      out += '&';
    else if (body == "lt")
      out += '<';
    else if (body == "gt")
      out += '>';
    else if (body == "quot")
      out += '"';
    else if (body == "apos")
      out += '\'';
    else if (body.size() > 1 && body[0] == '#') {
      const bool hex = body[1] == 'x';
      const std::string digits(body.substr(hex ? 2 : 1));
      if (digits.empty() || digits.find_first_not_of(hex ? "0123456789abcdefABCDEF"
                                                         : "0123456789") != std::string::npos)
        fail("bad character reference &" + std::string(body) + ";");
      append_utf8(out, static_cast<std::uint32_t>(std::stoul(digits, nullptr, hex ? 16 : 10)));
    } else {
      fail("unknown entity &" + std::string(body) + ";");
    }
    pos_ = end + 1;
  }
  Node element() {
    expect("<");
    Node node;
    node.name = name();
    for (;;) {
      const std::size_t before = pos_;
      skip_space();
      if (starts("/>")) {
        pos_ += 2;
        return node;
      }
      if (starts(">")) {
        ++pos_;
        break;
      }
      if (pos_ == before) fail("expected whitespace before an attribute of <" + node.name + ">");
      const std::string key = name();
      skip_space();
      expect("=");
      skip_space();
      if (pos_ >= s_.size() || (s_[pos_] != '"' && s_[pos_] != '\'')) fail("unquoted attribute");
      const char quote = s_[pos_++];
      std::string value;
      while (pos_ < s_.size() && s_[pos_] != quote) {
        if (s_[pos_] == '<') fail("'<' in the value of attribute " + key);
        if (s_[pos_] == '&') {
          entity(value);
        } else {
          value += s_[pos_++];
        }
      }
      if (pos_ >= s_.size()) fail("unterminated attribute " + key);
      ++pos_;
      if (!node.attributes.emplace(key, value).second)
        fail("attribute " + key + " twice in <" + node.name + ">");
    }
    // Content.
    for (;;) {
      if (pos_ >= s_.size()) fail("<" + node.name + "> is not closed");
      if (starts("</")) {
        pos_ += 2;
        const std::string closing = name();
        if (closing != node.name) fail("</" + closing + "> closes <" + node.name + ">");
        skip_space();
        expect(">");
        return node;
      }
      if (starts("<!--")) {
        skip_until("-->");
      } else if (starts("<![CDATA[")) {
        pos_ += 9;
        const auto end = s_.find("]]>", pos_);
        if (end == std::string_view::npos) fail("unterminated CDATA");
        node.text += s_.substr(pos_, end - pos_);
        pos_ = end + 3;
      } else if (starts("<?")) {
        skip_until("?>");
      } else if (starts("<")) {
        node.children.push_back(element());
      } else if (s_[pos_] == '&') {
        entity(node.text);
      } else {
        if (starts("]]>")) fail("']]>' in text");
        node.text += s_[pos_++];
      }
    }
  }

  std::string_view s_;
  std::size_t pos_ = 0;
};

// Parses `text`; throws std::runtime_error naming the line of the first error.
inline Node parse(std::string_view text) {
  return Parser(text).document();
}

// Every element in the tree (root included) for which `match` holds, in document order.
inline std::vector<const Node*> find_if(const Node& root,
                                        const std::function<bool(const Node&)>& match) {
  std::vector<const Node*> found;
  std::function<void(const Node&)> walk = [&](const Node& n) {
    if (match(n)) found.push_back(&n);
    for (const auto& c : n.children) walk(c);
  };
  walk(root);
  return found;
}

inline std::vector<const Node*> find_all(const Node& root, const std::string& name) {
  return find_if(root, [&](const Node& n) { return n.name == name; });
}

// Elements named `name` whose class attribute is `cls`.
inline std::vector<const Node*> find_class(const Node& root, const std::string& name,
                                           const std::string& cls) {
  return find_if(root, [&](const Node& n) { return n.name == name && n.attr("class") == cls; });
}

// The text of an element and all its descendants.
inline std::string all_text(const Node& node) {
  std::string text = node.text;
  for (const auto& c : node.children) {
    text += ' ';
    text += all_text(c);
  }
  return text;
}

}  // namespace xml_check
