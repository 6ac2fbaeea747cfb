// A small writer of self-contained SVG documents: elements with escaped attributes and text, a
// <defs> section for gradients and clip paths, and no scripts, fonts or files from elsewhere.
// The chart types (svg_line_chart.hpp, svg_heatmap.hpp, ...) draw into one.
//
//   mlp::svg::Document doc(400, 300, "A square");
//   doc.add(mlp::svg::Element("rect").attr("x", 10).attr("y", 10).attr("width", 50)
//               .attr("height", 50).attr("fill", "#440154"));
//   doc.text(200, 30, "Title & more", {.size = 16, .anchor = mlp::svg::Anchor::middle});
//   std::string text = doc.str();
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mlp::svg {

// The fonts charts ask for: common sans-serif fonts of the reader's own system, none downloaded.
inline constexpr std::string_view font_family = "DejaVu Sans, Verdana, Arial, sans-serif";

// `text` with &, <, >, " and ' written as XML entities, and the control characters XML 1.0
// forbids (all below U+0020 except tab, line feed and carriage return) left out.
std::string xml_escape(std::string_view text);

// `value` for an attribute: rounded to `decimals` decimals, without trailing zeros, "-0" written
// as "0"; non-finite values as "0".
std::string number(double value, int decimals = 1);

// An estimate of the width in pixels of `text` in a sans-serif font of `size` pixels, on the
// wide side (like DejaVu Sans or Verdana) so that labels laid out with it do not collide.
double text_width(std::string_view text, double size);

// `text` broken at spaces into lines no wider than `width` at font `size` (a word longer than
// the width gets a line of its own).
std::vector<std::string> wrap_text(std::string_view text, double size, double width);

// A rectangle in pixels, y downwards.
struct Box {
  double x = 0, y = 0, width = 0, height = 0;
  double right() const { return x + width; }
  double bottom() const { return y + height; }
};

// One element: a name, attributes and optional text content (escaped when written).
class Element {
 public:
  explicit Element(std::string name);
  Element& attr(std::string_view name, std::string_view value);
  Element& attr(std::string_view name, const char* value) {
    return attr(name, std::string_view(value));
  }
  Element& attr(std::string_view name, const std::string& value) {
    return attr(name, std::string_view(value));
  }
  Element& attr(std::string_view name, double value, int decimals = 1);
  Element& text(std::string_view content);
  // Adds an already-written child element.
  Element& child(const Element& element);
  std::string str() const;
  // "<name attributes>" alone, for an element whose children are written separately.
  std::string open_tag() const;

 private:
  std::string name_, attributes_, content_;
};

enum class Anchor { start, middle, end };

struct TextStyle {
  double size = 13;
  Anchor anchor = Anchor::start;
  bool bold = false;
  std::string color = "#222222";
  double rotate = 0;       // degrees, clockwise, around the anchor point
  bool centred_v = false;  // y is the vertical middle of the text instead of its baseline
  std::string halo;        // a colour drawn behind the letters (e.g. "#ffffff"), or none
};

struct Stroke {
  std::string color = "#000000";
  double width = 1;
  std::string dash;  // stroke-dasharray, e.g. "6 4"; empty for a solid line
};

class Document {
 public:
  // A width x height document with a white background; `title` becomes its <title> and the
  // accessible name of the picture.
  Document(double width, double height, std::string title);

  double width() const { return width_; }
  double height() const { return height_; }

  // An id for a gradient or clip path, unique in this document ("<prefix><stem><n>").
  std::string new_id(std::string_view stem);
  // Prefix of the ids made by new_id (default "mlp-"), for documents placed in one page.
  void set_id_prefix(std::string prefix) { id_prefix_ = std::move(prefix); }

  void add(const Element& element);
  void define(const Element& element);  // into <defs>
  // Opens a <g> with `element`'s attributes (its text is ignored); close it with close_group.
  void open_group(const Element& group);
  void close_group();

  void line(double x1, double y1, double x2, double y2, const Stroke& stroke);
  void rect(const Box& box, std::string_view fill, const Stroke* stroke = nullptr);
  void text(double x, double y, std::string_view content, const TextStyle& style);
  // A rectangular clip path; returns its id, for clip-path="url(#id)".
  std::string clip_rect(const Box& box);
  // A chart's heading at the top of `area`: the title in bold, centred, and below it an optional
  // subtitle in smaller grey letters, wrapped to the width. Returns the height used.
  double heading(const Box& area, std::string_view title, std::string_view subtitle = {});

  std::string str() const;

 private:
  double width_, height_;
  std::string title_, id_prefix_ = "mlp-";
  std::vector<std::string> defs_, body_;
  int next_id_ = 1, open_groups_ = 0;
};

}  // namespace mlp::svg
