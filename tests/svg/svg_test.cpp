// The SVG chart library: its maths (ticks, scales, colours, downsampling, contours, blocks) and
// every chart kind parsed as XML, with the elements a reader needs (axes, one path per series,
// labels, title, legend, colour bar).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <set>

#include "mlp/core/error.hpp"
#include "mlp/svg/axis.hpp"
#include "mlp/svg/document.hpp"
#include "mlp/svg/downsample.hpp"
#include "mlp/svg/heatmap.hpp"
#include "mlp/svg/line_chart.hpp"
#include "mlp/svg/marker.hpp"
#include "mlp/svg/palette.hpp"
#include "mlp/svg/regions.hpp"
#include "mlp/svg/scatter.hpp"
#include "support/xml_check.hpp"

namespace {

using namespace mlp::svg;
using xml_check::find_all;
using xml_check::find_class;

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

// Texts of all <text> elements.
std::vector<std::string> texts(const xml_check::Node& root) {
  std::vector<std::string> out;
  for (const auto* t : find_all(root, "text")) out.push_back(t->text);
  return out;
}

bool has_text(const xml_check::Node& root, const std::string& text) {
  for (const auto& t : texts(root))
    if (t == text) return true;
  return false;
}

// Checks what every chart must have: an <svg> root with a size, a <title>, no script, no
// reference to anything outside the document.
void expect_self_contained(const std::string& svg, const xml_check::Node& root) {
  EXPECT_EQ(root.name, "svg");
  EXPECT_EQ(root.attr("xmlns"), "http://www.w3.org/2000/svg");
  EXPECT_FALSE(root.attr("width").empty());
  EXPECT_FALSE(root.attr("height").empty());
  EXPECT_FALSE(find_all(root, "title").empty());
  EXPECT_TRUE(find_all(root, "script").empty());
  EXPECT_TRUE(find_all(root, "image").empty());
  EXPECT_EQ(svg.find("href"), std::string::npos);
  EXPECT_EQ(svg.find("@import"), std::string::npos);
  EXPECT_EQ(svg.find("http://", svg.find("http://www.w3.org/2000/svg") + 1), std::string::npos);
  for (const auto* t : find_all(root, "text")) {
    const double size = std::stod(t->attr("font-size"));
    EXPECT_GE(size, 10) << t->text;  // readable
  }
}

TEST(SvgDocument, EscapesTextAndAttributes) {
  EXPECT_EQ(xml_escape("a<b & \"c\" 'd'>"), "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;");
  EXPECT_EQ(xml_escape(std::string("x\x01y\tz", 5)), "xy\tz");  // control characters dropped
  Document doc(100, 50, "Title <with> & \"quotes\"");
  doc.text(10, 20, "R&D <1>", {});
  doc.add(Element("rect").attr("fill", "a\"b"));
  const std::string svg = doc.str();
  const auto root = xml_check::parse(svg);
  EXPECT_EQ(find_all(root, "title")[0]->text, "Title <with> & \"quotes\"");
  EXPECT_TRUE(has_text(root, "R&D <1>"));
  EXPECT_EQ(find_all(root, "rect").back()->attr("fill"), "a\"b");
}

TEST(SvgDocument, NumbersAreShortAndGroupsClose) {
  EXPECT_EQ(number(1.0), "1");
  EXPECT_EQ(number(-0.04), "0");
  EXPECT_EQ(number(2.25, 1), "2.2");
  EXPECT_EQ(number(12.3456, 2), "12.35");
  EXPECT_EQ(number(nan), "0");
  Document doc(10, 10, "t");
  doc.open_group(Element("g").attr("class", "a"));
  doc.open_group(Element("g"));
  doc.close_group();
  const auto root = xml_check::parse(doc.str());  // the open group is closed by str()
  EXPECT_EQ(find_class(root, "g", "a").size(), 1u);
  EXPECT_THROW(Document(0, 10, "t"), mlp::InvalidArgument);
}

TEST(SvgDocument, WrapsTextToAWidth) {
  const auto lines = wrap_text("the quick brown fox jumps over the lazy dog", 13, 100);
  EXPECT_GT(lines.size(), 2u);
  for (const auto& l : lines) EXPECT_LE(text_width(l, 13), 100) << l;
  EXPECT_EQ(wrap_text("", 13, 100).size(), 0u);
  EXPECT_EQ(wrap_text("unbreakable", 13, 10).size(), 1u);
}

TEST(SvgAxis, NiceStepsAreOneTwoOrFiveTimesAPowerOfTen) {
  EXPECT_DOUBLE_EQ(nice_step(1.0, 5), 0.2);
  EXPECT_DOUBLE_EQ(nice_step(10.0, 5), 2.0);
  EXPECT_DOUBLE_EQ(nice_step(5000.0, 5), 1000.0);
  EXPECT_DOUBLE_EQ(nice_step(0.13, 6), 0.02);
  EXPECT_DOUBLE_EQ(nice_step(7.0, 1), 5.0);
  EXPECT_THROW(nice_step(0.0, 5), mlp::InvalidArgument);
  EXPECT_THROW(nice_step(1.0, 0), mlp::InvalidArgument);
}

TEST(SvgAxis, LinearTicksCoverTheDataWithNiceValues) {
  const Ticks t = linear_ticks(0.03, 0.97, 5);
  EXPECT_DOUBLE_EQ(t.lo, 0.0);
  EXPECT_DOUBLE_EQ(t.hi, 1.0);
  ASSERT_EQ(t.values.size(), 6u);
  EXPECT_DOUBLE_EQ(t.values[1], 0.2);
  EXPECT_EQ(t.values[0], 0.0);  // no -0
  const Ticks neg = linear_ticks(-3.7, 12.2, 6);
  EXPECT_LE(neg.lo, -3.7);
  EXPECT_GE(neg.hi, 12.2);
  for (std::size_t i = 1; i < neg.values.size(); ++i)
    EXPECT_NEAR(neg.values[i] - neg.values[i - 1], neg.step, 1e-12);
  const Ticks flat = linear_ticks(5, 5);  // a constant series still gets an axis
  EXPECT_LT(flat.lo, 5);
  EXPECT_GT(flat.hi, 5);
  const Ticks swapped = linear_ticks(1, 0);
  EXPECT_DOUBLE_EQ(swapped.lo, 0);
  EXPECT_THROW(linear_ticks(0, nan), mlp::InvalidArgument);
}

TEST(SvgAxis, LogTicksArePowersOfTenOrOneTwoFive) {
  const Ticks wide = log_ticks(3e-5, 0.7, 6);
  EXPECT_TRUE(wide.log);
  EXPECT_DOUBLE_EQ(wide.lo, 1e-5);
  EXPECT_DOUBLE_EQ(wide.hi, 1.0);
  for (double v : wide.values) EXPECT_NEAR(std::log10(v), std::round(std::log10(v)), 1e-9) << v;
  const Ticks many = log_ticks(1e-12, 1e6, 5);  // 18 decades: every k-th power
  EXPECT_LE(many.values.size(), 8u);
  EXPECT_LE(many.lo, 1e-12);
  EXPECT_GE(many.hi, 1e6);
  const Ticks mid = log_ticks(0.03, 2.0, 6);  // 1-2-5 over two decades
  EXPECT_DOUBLE_EQ(mid.lo, 0.02);
  EXPECT_DOUBLE_EQ(mid.hi, 2.0);
  EXPECT_EQ(mid.values, (std::vector<double>{0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0}));
  const Ticks narrow = log_ticks(0.06, 0.21, 6);  // less than a decade
  EXPECT_GE(narrow.values.size(), 3u);
  for (double v : narrow.values) {
    EXPECT_GT(v, 0);
    EXPECT_GE(v, narrow.lo);
    EXPECT_LE(v, narrow.hi);
  }
  EXPECT_THROW(log_ticks(0, 1), mlp::InvalidArgument);
  EXPECT_THROW(log_ticks(-1, 1), mlp::InvalidArgument);
}

TEST(SvgAxis, TickLabelsUseTheDecimalsOfTheStep) {
  EXPECT_EQ(tick_label(0.2, 0.2), "0.2");
  EXPECT_EQ(tick_label(1.0, 0.2), "1.0");
  EXPECT_EQ(tick_label(0.0, 0.2), "0.0");
  EXPECT_EQ(tick_label(-1e-17, 0.5), "0.0");
  EXPECT_EQ(tick_label(0.25, 0.25), "0.25");
  EXPECT_EQ(tick_label(4000, 1000), "4000");
  EXPECT_EQ(tick_label(1e-5, 0), "1e-5");
  EXPECT_EQ(tick_label(2.5e6, 0), "2.5e6");
  EXPECT_EQ(tick_label(0.02, 0), "0.02");
  EXPECT_EQ(tick_label(100, 0), "100");
}

TEST(SvgAxis, FixedTicksKeepTheDomainExactly) {
  const Ticks t = fixed_ticks(-0.1, 1.1, 6);
  EXPECT_DOUBLE_EQ(t.lo, -0.1);
  EXPECT_DOUBLE_EQ(t.hi, 1.1);
  for (double v : t.values) {
    EXPECT_GE(v, -0.1);
    EXPECT_LE(v, 1.1);
  }
  EXPECT_GE(t.values.size(), 3u);
}

TEST(SvgAxis, ScalesMapLinearlyAndLogarithmically) {
  const Scale lin(0, 10, 100, 200);
  EXPECT_DOUBLE_EQ(lin(0), 100);
  EXPECT_DOUBLE_EQ(lin(5), 150);
  EXPECT_DOUBLE_EQ(lin(10), 200);
  const Scale flipped(0, 1, 300, 100);  // y grows upwards
  EXPECT_DOUBLE_EQ(flipped(0.25), 250);
  const Scale log(1, 1000, 0, 300, true);
  EXPECT_NEAR(log(10), 100, 1e-9);
  EXPECT_NEAR(log(100), 200, 1e-9);
  EXPECT_THROW(Scale(0, 10, 0, 1, true), mlp::InvalidArgument);
}

TEST(SvgPalette, ViridisRunsFromDarkPurpleToYellowWithRisingLightness) {
  EXPECT_EQ(viridis(0).hex(), "#440154");
  EXPECT_EQ(viridis(1).hex(), "#fde725");
  EXPECT_EQ(viridis(-3).hex(), "#440154");  // clamped
  EXPECT_EQ(viridis(7).hex(), "#fde725");
  EXPECT_EQ(viridis(0.5).hex(), "#21918c");
  // Grayscale survival: luminance rises monotonically along the map.
  double previous = -1;
  for (int i = 0; i <= 100; ++i) {
    const double l = viridis(i / 100.0).luminance();
    EXPECT_GT(l, previous) << i;
    previous = l;
  }
  EXPECT_EQ(viridis(nan).hex(), "#d9d9d9");
}

TEST(SvgPalette, CategoriesDifferInColourAndDash) {
  std::set<std::string> colours, dashes;
  for (std::size_t i = 0; i < 6; ++i) {
    colours.insert(category_color(i).hex());
    dashes.insert(category_dash(i));
  }
  EXPECT_EQ(colours.size(), 6u);
  EXPECT_EQ(dashes.size(), 6u);
  EXPECT_EQ(category_color(0).hex(), "#0072b2");  // Okabe-Ito blue
  EXPECT_EQ(text_color_on(viridis(0)), "#ffffff");
  EXPECT_EQ(text_color_on(viridis(1)), "#000000");
  EXPECT_EQ(mix({0, 0, 0}, {1, 1, 1}, 0.5).hex(), "#808080");
}

TEST(SvgMarker, ShapesAreClosedPaths) {
  std::set<std::string> paths;
  for (std::size_t i = 0; i < 6; ++i) {
    const std::string d = marker_path(category_marker(i), 10, 10, 5);
    EXPECT_EQ(d.front(), 'M');
    EXPECT_EQ(d.back(), 'Z');
    paths.insert(d);
  }
  EXPECT_EQ(paths.size(), 6u);
}

TEST(SvgDownsample, KeepsShortSeriesWhole) {
  const std::vector<double> x{1, 2, 3}, y{3, 1, 2};
  EXPECT_EQ(downsample_indices(x, y, 10), (std::vector<std::size_t>{0, 1, 2}));
  EXPECT_THROW(downsample_indices({1, 2}, {1}, 10), mlp::InvalidArgument);
  EXPECT_THROW(downsample_indices({2, 1}, {1, 1}, 0), mlp::InvalidArgument);
}

TEST(SvgDownsample, LongSeriesKeepTheirEnvelopeAndEnds) {
  const std::size_t n = 100000, buckets = 300;
  std::vector<double> x(n), y(n);
  for (std::size_t i = 0; i < n; ++i) {
    x[i] = static_cast<double>(i + 1);
    y[i] = std::exp(-static_cast<double>(i) / 20000.0) + 0.01 * std::sin(static_cast<double>(i));
  }
  y[54321] = 5.0;  // a spike must survive
  y[77777] = -2.0;
  const auto kept = downsample_indices(x, y, buckets);
  EXPECT_LE(kept.size(), 4 * buckets);
  EXPECT_GE(kept.size(), buckets);
  EXPECT_EQ(kept.front(), 0u);
  EXPECT_EQ(kept.back(), n - 1);
  EXPECT_TRUE(std::is_sorted(kept.begin(), kept.end()));
  EXPECT_NE(std::find(kept.begin(), kept.end(), 54321u), kept.end());
  EXPECT_NE(std::find(kept.begin(), kept.end(), 77777u), kept.end());
}

TEST(SvgDownsample, GapsStayGaps) {
  const std::size_t n = 10000;
  std::vector<double> x(n), y(n, 1.0);
  for (std::size_t i = 0; i < n; ++i) x[i] = static_cast<double>(i);
  for (std::size_t i = 4000; i < 5000; ++i) y[i] = nan;
  const auto kept = downsample_indices(x, y, 100);
  std::size_t nans = 0;
  for (std::size_t i : kept) nans += std::isnan(y[i]);
  EXPECT_EQ(nans, 1u);
}

TEST(SvgLineChart, HasAxesOnePathPerSeriesLabelsTitleAndLegend) {
  LineChart chart;
  chart.title = "Error curve";
  chart.x_label = "epoch";
  chart.y_label = "loss";
  chart.series.push_back({"training", {1, 2, 3, 4}, {0.9, 0.5, 0.3, 0.2}, std::nullopt});
  chart.series.push_back({"validation", {1, 2, 3, 4}, {1.0, 0.6, 0.45, 0.4}, std::nullopt});
  chart.series.push_back({"empty", {1, 2}, {nan, nan}, std::nullopt});  // left out
  const std::string svg = chart.svg(640, 400);
  const auto root = xml_check::parse(svg);
  expect_self_contained(svg, root);
  EXPECT_EQ(find_class(root, "path", "line").size(), 2u);
  EXPECT_EQ(find_class(root, "g", "axes").size(), 1u);
  EXPECT_EQ(find_class(root, "g", "legend").size(), 1u);
  for (const char* t : {"Error curve", "epoch", "loss", "training", "validation", "0.2"})
    EXPECT_TRUE(has_text(root, t)) << t;
  EXPECT_FALSE(has_text(root, "empty"));
  // The two series differ by dash pattern as well as by colour.
  const auto lines = find_class(root, "path", "line");
  EXPECT_NE(lines[0]->attr("stroke"), lines[1]->attr("stroke"));
  EXPECT_NE(lines[0]->attr("stroke-dasharray"), lines[1]->attr("stroke-dasharray"));
  // Lines are clipped to the plot.
  EXPECT_EQ(find_all(root, "clipPath").size(), 1u);
}

TEST(SvgLineChart, LogScaleLeavesOutNonPositiveValuesAndSplitsTheLine) {
  LineChart chart;
  chart.log_y = true;
  chart.series.push_back({"loss", {1, 2, 3, 4, 5}, {1, 0.1, 0, 0.01, 0.001}, std::nullopt});
  const auto root = xml_check::parse(chart.svg());
  const auto lines = find_class(root, "path", "line");
  ASSERT_EQ(lines.size(), 1u);
  const std::string d = lines[0]->attr("d");
  EXPECT_EQ(std::count(d.begin(), d.end(), 'M'), 2);  // two runs around the zero
  EXPECT_TRUE(has_text(root, "0.001"));
  EXPECT_TRUE(has_text(root, "1"));
}

TEST(SvgLineChart, AHundredThousandPointsMakeASmallFile) {
  const std::size_t n = 100000;
  std::vector<double> x(n), y(n), v(n);
  for (std::size_t i = 0; i < n; ++i) {
    x[i] = static_cast<double>(i + 1);
    y[i] = 1.0 / (1.0 + static_cast<double>(i) / 100.0) + 0.02 * std::sin(i * 0.37);
    v[i] = y[i] * 1.1;
  }
  LineChart chart;
  chart.series.push_back({"training", x, y, std::nullopt});
  chart.series.push_back({"validation", x, v, std::nullopt});
  const std::string svg = chart.svg(640, 400);
  EXPECT_LT(svg.size(), 80u * 1024) << "bytes: " << svg.size();
  const auto root = xml_check::parse(svg);
  EXPECT_EQ(find_class(root, "path", "line").size(), 2u);
  EXPECT_TRUE(has_text(root, "100000"));  // the x axis reaches the last epoch
}

TEST(SvgLineChart, MarksPointsAndVerticalLinesInTheLegend) {
  LineChart chart;
  chart.series.push_back({"f", {-1, 0, 1}, {0, 0.5, 1}, std::nullopt});
  chart.points.push_back({0, 0.5, "centre"});
  chart.vertical_lines.push_back({0.5, "best"});
  chart.x_range = {{-1.0, 1.0}};
  chart.y_range = {{0.0, 1.0}};
  const auto root = xml_check::parse(chart.svg());
  EXPECT_TRUE(has_text(root, "centre"));
  EXPECT_TRUE(has_text(root, "best"));
  EXPECT_TRUE(has_text(root, "-1.0"));
  EXPECT_TRUE(has_text(root, "1.0"));
}

TEST(SvgLineChart, RejectsBadInput) {
  LineChart chart;
  chart.series.push_back({"bad", {1, 2}, {1}, std::nullopt});
  EXPECT_THROW(chart.svg(), mlp::InvalidArgument);
  LineChart tiny;
  tiny.series.push_back({"a", {1, 2}, {1, 2}, std::nullopt});
  EXPECT_THROW(tiny.svg(60, 40), mlp::InvalidArgument);
}

TEST(SvgHeatmap, BlockAverageKeepsMeansAndRanges) {
  mlp::Matrix<double> m(5, 4);
  for (mlp::Index i = 0; i < 5; ++i)
    for (mlp::Index j = 0; j < 4; ++j) m(i, j) = static_cast<double>(i * 4 + j);
  const Blocks b = block_average(m, 3, 2);
  EXPECT_EQ(b.values.rows(), 3);
  EXPECT_EQ(b.values.cols(), 2);
  EXPECT_EQ(b.rows[0], std::make_pair(mlp::Index{0}, mlp::Index{2}));
  EXPECT_EQ(b.rows[2], std::make_pair(mlp::Index{4}, mlp::Index{5}));
  EXPECT_DOUBLE_EQ(b.values(0, 0), (0 + 1 + 4 + 5) / 4.0);
  EXPECT_DOUBLE_EQ(b.values(2, 1), (18 + 19) / 2.0);
  m(0, 0) = nan;
  EXPECT_DOUBLE_EQ(block_average(m, 3, 2).values(0, 0), (1 + 4 + 5) / 3.0);
  EXPECT_THROW(block_average(m, 0, 2), mlp::InvalidArgument);
}

TEST(SvgHeatmap, SmallMatrixHasCellsLabelsValuesAndAColourBar) {
  Heatmap map;
  map.title = "Hidden layer 1";
  map.x_label = "unit";
  map.y_label = "example";
  map.value_label = "activation";
  map.values.resize(4, 3);
  map.values << 0.35, 0.28, 0.35, 0.63, 0.97, 0.55, 0.53, 0.97, 0.61, 0.78, 1.0, 0.78;
  map.row_labels = {"(0, 0)", "(0, 1)", "(1, 0)", "(1, 1)"};
  map.column_labels = {"h1", "h2", "h3"};
  map.range = {{0.0, 1.0}};
  const std::string svg = map.svg();
  const auto root = xml_check::parse(svg);
  expect_self_contained(svg, root);
  const auto cells = find_all(*find_class(root, "g", "cells")[0], "rect");
  EXPECT_EQ(cells.size(), 12u);
  EXPECT_EQ(cells[0]->attr("fill"), viridis(0.35).hex());
  for (const char* t : {"Hidden layer 1", "unit", "example", "activation", "(1, 1)", "h3", "0.97",
                        "1.00", "0.0", "1.0"})
    EXPECT_TRUE(has_text(root, t)) << t;
  EXPECT_EQ(find_class(root, "g", "colorbar").size(), 1u);
  EXPECT_EQ(find_all(root, "linearGradient").size(), 1u);
  EXPECT_EQ(find_all(root, "stop").size(), viridis_stops);
}

TEST(SvgHeatmap, LargeMatrixIsDrawnAsBlocksInFewPaths) {
  Heatmap map;
  map.values = mlp::Matrix<double>::Random(785, 64);
  map.max_rows = 60;
  map.max_columns = 100;
  const std::string svg = map.svg();
  EXPECT_LT(svg.size(), 200u * 1024) << svg.size();
  const auto root = xml_check::parse(svg);
  EXPECT_TRUE(find_all(*find_class(root, "g", "cells")[0], "rect").empty());
  EXPECT_LE(find_all(*find_class(root, "g", "cells")[0], "path").size(), 64u);
  EXPECT_NE(svg.find("blocks"), std::string::npos);  // the subtitle says so
}

TEST(SvgHeatmap, SymmetricRangeAndCellText) {
  Heatmap map;
  map.values.resize(2, 2);
  map.values << -0.5, 2, 1, 0;
  map.symmetric = true;
  map.cell_text = {"a", "b", "c", "d"};
  const auto root = xml_check::parse(map.svg());
  EXPECT_TRUE(has_text(root, "-2"));
  EXPECT_TRUE(has_text(root, "2"));
  EXPECT_TRUE(has_text(root, "c"));
  const auto cells = find_all(*find_class(root, "g", "cells")[0], "rect");
  EXPECT_EQ(cells[3]->attr("fill"), viridis(0.5).hex());  // 0 is the middle of [-2, 2]
  map.cell_text = {"too few"};
  EXPECT_THROW(map.svg(), mlp::InvalidArgument);
  EXPECT_THROW(Heatmap().svg(), mlp::InvalidArgument);
}

TEST(SvgRegions, MarchingSquaresFindsTheLevelCrossing) {
  // Values rising with x: the 0.5 contour is the vertical line x = 1.5 in grid coordinates.
  mlp::Matrix<double> g(4, 4);
  for (mlp::Index r = 0; r < 4; ++r)
    for (mlp::Index c = 0; c < 4; ++c) g(r, c) = static_cast<double>(c) / 3.0;
  const auto segments = contour_segments(g, 0.5);
  ASSERT_EQ(segments.size(), 3u);
  for (const auto& s : segments) {
    EXPECT_NEAR(s.x0, 1.5, 1e-12);
    EXPECT_NEAR(s.x1, 1.5, 1e-12);
  }
  const auto lines = contour_lines(g, 0.5);
  ASSERT_EQ(lines.size(), 1u);  // joined into one polyline
  EXPECT_EQ(lines[0].size(), 4u);
  // A circle: a closed curve.
  mlp::Matrix<double> bowl(21, 21);
  for (mlp::Index r = 0; r < 21; ++r)
    for (mlp::Index c = 0; c < 21; ++c) bowl(r, c) = std::hypot(r - 10.0, c - 10.0);
  const auto circle = contour_lines(bowl, 5.0);
  ASSERT_EQ(circle.size(), 1u);
  EXPECT_EQ(circle[0].front(), circle[0].back());
  for (const auto& [x, y] : circle[0]) EXPECT_NEAR(std::hypot(x - 10, y - 10), 5.0, 0.1);
  EXPECT_TRUE(contour_segments(g, 7.0).empty());
}

TEST(SvgRegions, SaddlesAreResolvedByTheCentre) {
  mlp::Matrix<double> g(2, 2);
  g << 1, 0, 0, 1;  // centre 0.5 >= 0.5: the 1-corners connect
  EXPECT_EQ(contour_segments(g, 0.5).size(), 2u);
  g << 1, 0, 0, 1;
  EXPECT_EQ(contour_segments(g, 0.6).size(), 2u);
  g(0, 0) = nan;
  EXPECT_TRUE(contour_segments(g, 0.5).empty());
}

TEST(SvgRegions, ProbabilityRegionsHaveBandsBoundaryPointsAndLegend) {
  RegionChart chart;
  chart.title = "Decision boundary";
  chart.x_label = "x1";
  chart.y_label = "x2";
  chart.value_label = "P(1)";
  chart.x_min = chart.y_min = -0.2;
  chart.x_max = chart.y_max = 1.2;
  const mlp::Index n = 60;
  chart.values.resize(n, n);
  for (mlp::Index r = 0; r < n; ++r)
    for (mlp::Index c = 0; c < n; ++c) {
      const double x = -0.2 + 1.4 * (c + 0.5) / n, y = -0.2 + 1.4 * (r + 0.5) / n;
      chart.values(r, c) = std::abs(x - y);  // XOR-like
    }
  chart.boundary_level = 0.5;
  chart.class_names = {"y = 0", "y = 1"};
  chart.points = {{0, 0, 0}, {0, 1, 1}, {1, 0, 1}, {1, 1, 0}};
  const std::string svg = chart.svg();
  const auto root = xml_check::parse(svg);
  expect_self_contained(svg, root);
  const auto regions = find_all(*find_class(root, "g", "regions")[0], "path");
  EXPECT_GE(regions.size(), 5u);
  EXPECT_LE(regions.size(), 10u);  // one path per band
  EXPECT_EQ(find_class(root, "path", "boundary").size(), 1u);
  EXPECT_EQ(find_all(*find_class(root, "g", "points")[0], "path").size(), 4u);
  EXPECT_EQ(find_class(root, "g", "colorbar").size(), 1u);
  for (const char* t : {"Decision boundary", "x1", "x2", "P(1)", "y = 0", "y = 1",
                        "decision boundary", "0.0", "1.0"})
    EXPECT_TRUE(has_text(root, t)) << t;
  EXPECT_LT(svg.size(), 60u * 1024);
}

TEST(SvgRegions, ClassModeColoursRegionsByClass) {
  RegionChart chart;
  const mlp::Index n = 30;
  chart.values = mlp::Matrix<double>::Constant(n, n, 0.9);
  for (mlp::Index k = 0; k < n * n; ++k) chart.classes.push_back(static_cast<int>(k % n) * 3 / n);
  chart.class_names = {"a", "b", "c"};
  chart.points = {{0.1, 0.1, 0}, {0.5, 0.5, 1}, {0.9, 0.9, 2}, {0.5, 0.1, -1}};
  const auto root = xml_check::parse(chart.svg());
  EXPECT_EQ(find_all(*find_class(root, "g", "regions")[0], "path").size(), 3u);
  EXPECT_TRUE(find_class(root, "g", "colorbar").empty());
  for (const char* t : {"a", "b", "c"}) EXPECT_TRUE(has_text(root, t)) << t;
  chart.classes.pop_back();
  EXPECT_THROW(chart.svg(), mlp::InvalidArgument);
}

TEST(SvgScatter, PredictedAgainstTrueHasTheIdentityLine) {
  ScatterChart chart;
  chart.title = "Predicted against true values";
  chart.x_label = "true y";
  chart.y_label = "predicted y";
  chart.groups.push_back({"samples", {1, 2, 3, 4}, {1.1, 1.9, 3.2, 3.8}, std::nullopt});
  chart.identity_line = true;
  chart.same_ranges = true;
  const std::string svg = chart.svg();
  const auto root = xml_check::parse(svg);
  expect_self_contained(svg, root);
  EXPECT_EQ(find_class(root, "path", "identity").size(), 1u);
  EXPECT_EQ(find_class(root, "path", "group").size(), 1u);
  for (const char* t : {"true y", "predicted y", "samples", "y = x"})
    EXPECT_TRUE(has_text(root, t)) << t;
}

}  // namespace
