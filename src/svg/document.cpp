#include "mlp/svg/document.hpp"

#include <cmath>
#include <cstdio>

#include "mlp/core/error.hpp"

namespace mlp::svg {

std::string xml_escape(std::string_view text) {
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
        if (static_cast<unsigned char>(c) >= 0x20 || c == '\t' || c == '\n' || c == '\r') out += c;
    }
  }
  return out;
}

std::string number(double value, int decimals) {
  if (!std::isfinite(value)) return "0";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals < 0 ? 0 : decimals, value);
  std::string text = buffer;
  if (text.find('.') != std::string::npos) {
    while (text.back() == '0') text.pop_back();
    if (text.back() == '.') text.pop_back();
  }
  if (text == "-0") text = "0";
  return text;
}

double text_width(std::string_view text, double size) {
  double em = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if ((c & 0xC0) == 0x80) continue;  // UTF-8 continuation byte: counted with its lead byte
    if (c == 'i' || c == 'l' || c == 'j' || c == '.' || c == ',' || c == ':' || c == ';' ||
        c == '\'' || c == '|' || c == '!' || c == ' ' || c == '(' || c == ')' || c == 'I')
      em += 0.36;
    else if (c == 'm' || c == 'w' || c == 'M' || c == 'W' || c == '%')
      em += 0.95;
    else if (c >= 'A' && c <= 'Z')
      em += 0.72;
    else
      em += 0.62;
  }
  return em * size;
}

std::vector<std::string> wrap_text(std::string_view text, double size, double width) {
  std::vector<std::string> lines;
  std::string line;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find(' ', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string word(text.substr(start, end - start));
    if (!word.empty()) {
      const std::string candidate = line.empty() ? word : line + " " + word;
      if (!line.empty() && text_width(candidate, size) > width) {
        lines.push_back(line);
        line = word;
      } else {
        line = candidate;
      }
    }
    start = end + 1;
  }
  if (!line.empty()) lines.push_back(line);
  return lines;
}

Element::Element(std::string name) : name_(std::move(name)) {}

Element& Element::attr(std::string_view name, std::string_view value) {
  attributes_ += ' ';
  attributes_ += name;
  attributes_ += "=\"";
  attributes_ += xml_escape(value);
  attributes_ += '"';
  return *this;
}

Element& Element::attr(std::string_view name, double value, int decimals) {
  return attr(name, number(value, decimals));
}

Element& Element::text(std::string_view content) {
  content_ += xml_escape(content);
  return *this;
}

Element& Element::child(const Element& element) {
  content_ += element.str();
  return *this;
}

std::string Element::open_tag() const {
  return "<" + name_ + attributes_ + ">";
}

std::string Element::str() const {
  if (content_.empty()) return "<" + name_ + attributes_ + "/>";
  return "<" + name_ + attributes_ + ">" + content_ + "</" + name_ + ">";
}

Document::Document(double width, double height, std::string title)
    : width_(width), height_(height), title_(std::move(title)) {
  if (!(width > 0) || !(height > 0))
    throw InvalidArgument("an SVG document needs a positive width and height");
}

std::string Document::new_id(std::string_view stem) {
  return id_prefix_ + std::string(stem) + std::to_string(next_id_++);
}

void Document::add(const Element& element) {
  body_.push_back(element.str());
}

void Document::define(const Element& element) {
  defs_.push_back(element.str());
}

void Document::open_group(const Element& group) {
  body_.push_back(group.open_tag());
  ++open_groups_;
}

void Document::close_group() {
  if (open_groups_ == 0) throw InvalidArgument("close_group without open_group");
  body_.emplace_back("</g>");
  --open_groups_;
}

void Document::line(double x1, double y1, double x2, double y2, const Stroke& stroke) {
  Element e("line");
  e.attr("x1", x1).attr("y1", y1).attr("x2", x2).attr("y2", y2).attr("stroke", stroke.color);
  if (stroke.width != 1) e.attr("stroke-width", stroke.width, 2);
  if (!stroke.dash.empty()) e.attr("stroke-dasharray", stroke.dash);
  add(e);
}

void Document::rect(const Box& box, std::string_view fill, const Stroke* stroke) {
  Element e("rect");
  e.attr("x", box.x, 2).attr("y", box.y, 2).attr("width", box.width, 2);
  e.attr("height", box.height, 2).attr("fill", fill);
  if (stroke) {
    e.attr("stroke", stroke->color);
    if (stroke->width != 1) e.attr("stroke-width", stroke->width, 2);
    if (!stroke->dash.empty()) e.attr("stroke-dasharray", stroke->dash);
  }
  add(e);
}

void Document::text(double x, double y, std::string_view content, const TextStyle& style) {
  Element e("text");
  e.attr("x", x).attr("y", style.centred_v ? y + 0.35 * style.size : y);
  e.attr("font-size", style.size);
  if (style.anchor == Anchor::middle) e.attr("text-anchor", "middle");
  if (style.anchor == Anchor::end) e.attr("text-anchor", "end");
  if (style.bold) e.attr("font-weight", "bold");
  if (style.color != "#000000") e.attr("fill", style.color);
  if (style.rotate != 0)
    e.attr("transform", "rotate(" + number(style.rotate) + " " + number(x) + " " + number(y) + ")");
  if (!style.halo.empty())
    e.attr("stroke", style.halo).attr("stroke-width", 3).attr("paint-order", "stroke");
  e.text(content);
  add(e);
}

std::string Document::clip_rect(const Box& box) {
  const std::string id = new_id("clip");
  Element clip("clipPath");
  clip.attr("id", id);
  clip.child(Element("rect")
                 .attr("x", box.x, 2)
                 .attr("y", box.y, 2)
                 .attr("width", box.width, 2)
                 .attr("height", box.height, 2));
  define(clip);
  return id;
}

double Document::heading(const Box& area, std::string_view title, std::string_view subtitle) {
  constexpr double title_size = 16, subtitle_size = 13;
  double y = area.y + 6;
  TextStyle style;
  style.anchor = Anchor::middle;
  if (!title.empty()) {
    style.size = title_size;
    style.bold = true;
    style.color = "#111111";
    for (const auto& line : wrap_text(title, title_size * 1.1, area.width - 8)) {
      y += title_size * 1.25;
      text(area.x + area.width / 2, y - title_size * 0.25, line, style);
    }
  }
  if (!subtitle.empty()) {
    style.size = subtitle_size;
    style.bold = false;
    style.color = "#555555";
    for (const auto& line : wrap_text(subtitle, subtitle_size, area.width - 8)) {
      y += subtitle_size * 1.35;
      text(area.x + area.width / 2, y - subtitle_size * 0.3, line, style);
    }
  }
  return y - area.y + 6;
}

std::string Document::str() const {
  std::string out;
  out += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += Element("svg")
             .attr("xmlns", "http://www.w3.org/2000/svg")
             .attr("width", width_)
             .attr("height", height_)
             .attr("viewBox", "0 0 " + number(width_) + " " + number(height_))
             .attr("role", "img")
             .attr("aria-label", title_)
             .attr("font-family", font_family)
             .open_tag();
  out += '\n';
  out += Element("title").text(title_).str();
  out += '\n';
  if (!defs_.empty()) {
    out += "<defs>\n";
    for (const auto& d : defs_) {
      out += d;
      out += '\n';
    }
    out += "</defs>\n";
  }
  out += Element("rect").attr("width", "100%").attr("height", "100%").attr("fill", "#ffffff").str();
  out += '\n';
  for (const auto& b : body_) {
    out += b;
    out += '\n';
  }
  for (int i = 0; i < open_groups_; ++i) out += "</g>\n";
  out += "</svg>\n";
  return out;
}

}  // namespace mlp::svg
