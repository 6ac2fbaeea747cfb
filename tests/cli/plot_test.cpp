// End-to-end tests of `mlp plot` and of `--report` (mlp demo xor, mlp train), running the real
// binary; the XOR report is also rendered in headless Chromium and the screenshot checked.
#include <gtest/gtest.h>
#include <zlib.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <set>

#include "cli_runner.hpp"
#include "support/xml_check.hpp"

namespace {

using mlp::test::contains;
using mlp::test::read_file;
using mlp::test::run_mlp;
using mlp::test::write_file;
using xml_check::find_all;
using xml_check::find_class;

bool has_text(const xml_check::Node& root, const std::string& text) {
  for (const auto* t : find_all(root, "text"))
    if (t->text == text) return true;
  return false;
}

const char* xor_csv = "x1,x2,y\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n";

// Two interleaved classes on two features: a model with two inputs to draw.
std::string two_feature_csv() {
  std::string csv = "a,b,label\n";
  for (int i = 0; i < 120; ++i) {
    const double t = i * 0.05;
    const bool upper = i % 2 == 0;
    const double x = upper ? std::cos(t) : 1 - std::cos(t);
    const double y = upper ? std::sin(t) : 0.4 - std::sin(t);
    csv += std::to_string(x) + "," + std::to_string(y) + "," + (upper ? "upper" : "lower") + "\n";
  }
  return csv;
}

TEST(CliPlot, ActivationsDrawsChartOne) {
  mlp::test::TempDir dir;
  const auto r = run_mlp("plot activations -o " + dir / "act.svg");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "act.svg"));
  const auto root = xml_check::parse(read_file(dir / "act.svg"));
  EXPECT_EQ(find_class(root, "path", "line").size(), 5u);
  EXPECT_TRUE(has_text(root, "tangent at 0, slope 1/4"));
  const auto missing = run_mlp("plot activations");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_TRUE(contains(missing.err, "--output")) << missing.err;
}

TEST(CliPlot, HistoryOfTheXorDemo) {
  mlp::test::TempDir dir;
  ASSERT_EQ(run_mlp("demo xor --print-every 0 --history " + dir / "h.csv").exit_code, 0);
  const auto r = run_mlp("plot history " + dir / "h.csv" + " -o " + dir / "curve.svg");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto root = xml_check::parse(read_file(dir / "curve.svg"));
  EXPECT_EQ(find_class(root, "path", "line").size(), 2u);  // loss and accuracy
  EXPECT_EQ(find_class(root, "g", "axes").size(), 2u);
  EXPECT_TRUE(has_text(root, "Error curve"));
  EXPECT_TRUE(has_text(root, "5000"));

  const auto log = run_mlp("plot history " + dir / "h.csv" + " -o " + dir / "log.svg" +
                           " --log --title 'Chart 2'");
  ASSERT_EQ(log.exit_code, 0) << log.err;
  const auto log_root = xml_check::parse(read_file(dir / "log.svg"));
  EXPECT_TRUE(has_text(log_root, "loss (log scale)"));
  EXPECT_TRUE(has_text(log_root, "Chart 2"));
}

TEST(CliPlot, AHundredThousandEpochHistoryGivesASmallFile) {
  mlp::test::TempDir dir;
  std::string csv = "epoch,loss,val_loss,accuracy,val_accuracy\n";
  for (int e = 1; e <= 100000; ++e) {
    const double loss = 1.0 / std::sqrt(e) + 0.01 * std::sin(e);
    csv += std::to_string(e) + "," + std::to_string(loss) + "," + std::to_string(loss * 1.2) + "," +
           std::to_string(std::min(1.0, e / 50000.0)) + ",\n";
  }
  write_file(dir / "long.csv", csv);
  const auto r = run_mlp("plot history " + dir / "long.csv" + " -o " + dir / "long.svg");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string svg = read_file(dir / "long.svg");
  EXPECT_LT(svg.size(), 150u * 1024) << svg.size();
  const auto root = xml_check::parse(svg);
  EXPECT_EQ(find_class(root, "path", "line").size(), 3u);  // loss, val_loss, accuracy
  EXPECT_TRUE(has_text(root, "100000"));
}

TEST(CliPlot, HistoryErrorsExitWithCodesAndMessages) {
  mlp::test::TempDir dir;
  const auto missing = run_mlp("plot history " + dir / "none.csv" + " -o " + dir / "x.svg");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_TRUE(contains(missing.err, "none.csv")) << missing.err;
  write_file(dir / "noloss.csv", "epoch,error\n1,0.5\n");
  const auto no_loss = run_mlp("plot history " + dir / "noloss.csv" + " -o " + dir / "x.svg");
  EXPECT_EQ(no_loss.exit_code, 1);
  EXPECT_TRUE(contains(no_loss.err, "no 'loss' column")) << no_loss.err;
  write_file(dir / "bad.csv", "epoch,loss\n1,0.5\n2,abc\n");
  const auto bad = run_mlp("plot history " + dir / "bad.csv" + " -o " + dir / "x.svg");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_TRUE(contains(bad.err, "bad.csv:3:2")) << bad.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "x.svg"));
  write_file(dir / "zero.csv", "loss\n0\n0\n");
  const auto zero = run_mlp("plot history " + dir / "zero.csv" + " -o " + dir / "x.svg --log");
  EXPECT_EQ(zero.exit_code, 1);
  EXPECT_TRUE(contains(zero.err, "--log")) << zero.err;
  const auto unwritable = run_mlp("plot activations -o " + dir / "no/such/folder/a.svg");
  EXPECT_EQ(unwritable.exit_code, 1);
  EXPECT_TRUE(contains(unwritable.err, "a.svg")) << unwritable.err;
}

TEST(CliPlot, BoundaryOfTheXorDemoModelWithoutMetadata) {
  mlp::test::TempDir dir;
  ASSERT_EQ(run_mlp("demo xor --print-every 0 --save " + dir / "xor.safetensors").exit_code, 0);
  write_file(dir / "xor.csv", xor_csv);
  const auto r = run_mlp("plot boundary " + dir / "xor.safetensors" + " " + dir / "xor.csv" +
                         " -o " + dir / "b.svg");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto root = xml_check::parse(read_file(dir / "b.svg"));
  EXPECT_EQ(find_class(root, "path", "boundary").size(), 1u);
  EXPECT_EQ(find_all(*find_class(root, "g", "points")[0], "path").size(), 4u);
  for (const char* t : {"x1", "x2", "y = 0", "y = 1", "P(1)"}) EXPECT_TRUE(has_text(root, t)) << t;

  // Labels must be class indices of the network's outputs.
  write_file(dir / "bad.csv", "x1,x2,y\n0,0,0\n0,1,2\n");
  const auto bad = run_mlp("plot boundary " + dir / "xor.safetensors" + " " + dir / "bad.csv" +
                           " -o " + dir / "c.svg");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_TRUE(contains(bad.err, "bad.csv:3:3")) << bad.err;
  // Four columns and no --target: which are the inputs is unclear.
  write_file(dir / "four.csv", "a,b,c,d\n0,0,0,0\n");
  const auto four = run_mlp("plot boundary " + dir / "xor.safetensors" + " " + dir / "four.csv" +
                            " -o " + dir / "c.svg");
  EXPECT_EQ(four.exit_code, 2);
  EXPECT_TRUE(contains(four.err, "--target")) << four.err;
  // Unlabelled points are drawn too.
  write_file(dir / "points.csv", "p,q\n0.2,0.3\n0.7,0.9\n");
  const auto plain = run_mlp("plot boundary " + dir / "xor.safetensors" + " " + dir / "points.csv" +
                             " -o " + dir / "d.svg");
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  const auto plain_root = xml_check::parse(read_file(dir / "d.svg"));
  EXPECT_TRUE(has_text(plain_root, "p"));
  EXPECT_EQ(find_all(*find_class(plain_root, "g", "points")[0], "path").size(), 2u);
}

TEST(CliPlot, BoundaryOfATrainedModelNeedsTwoInputs) {
  mlp::test::TempDir dir;
  write_file(dir / "two.csv", two_feature_csv());
  const auto trained = run_mlp("train " + dir / "two.csv" + " --target label -o " +
                               dir / "two.safetensors" + " --layers 8 --epochs 20 -q");
  ASSERT_EQ(trained.exit_code, 0) << trained.err;
  const auto r = run_mlp("plot boundary " + dir / "two.safetensors" + " " + dir / "two.csv" +
                         " -o " + dir / "b.svg");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto root = xml_check::parse(read_file(dir / "b.svg"));
  EXPECT_EQ(find_all(*find_class(root, "g", "points")[0], "path").size(), 120u);
  for (const char* t : {"a", "b", "lower", "upper", "P(upper)"})
    EXPECT_TRUE(has_text(root, t)) << t;

  std::string three = "a,b,c,label\n";
  for (int i = 0; i < 40; ++i)
    three += std::to_string(i % 7) + "," + std::to_string(i % 5) + "," + std::to_string(i % 3) +
             "," + (i % 2 ? "x" : "y") + "\n";
  write_file(dir / "three.csv", three);
  ASSERT_EQ(run_mlp("train " + dir / "three.csv" + " --target label -o " + dir / "three.st" +
                    " --layers 4 --epochs 2 -q")
                .exit_code,
            0);
  const auto wide = run_mlp("plot boundary " + dir / "three.st" + " " + dir / "three.csv" + " -o " +
                            dir / "c.svg");
  EXPECT_EQ(wide.exit_code, 2);
  EXPECT_TRUE(contains(wide.err, "two inputs")) << wide.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "c.svg"));
}

TEST(CliReport, DemoXorWritesThePageAndOneSvgPerChart) {
  mlp::test::TempDir dir;
  const auto r = run_mlp("demo xor --print-every 0 --report " + dir / "report");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "report " + dir / "report/index.html")) << r.out;
  for (const char* f : {"error_curve.svg", "decision_boundary.svg", "hidden_layer_1.svg",
                        "weights_layer_1.svg", "weights_layer_2.svg", "confusion_matrix.svg"}) {
    const std::string svg = read_file(dir / "report/" + f);
    ASSERT_FALSE(svg.empty()) << f;
    EXPECT_NO_THROW(xml_check::parse(svg)) << f;
  }
  const std::string html = read_file(dir / "report/index.html");
  const auto page = xml_check::parse(html);
  EXPECT_EQ(find_all(page, "figure").size(), 6u);
  EXPECT_TRUE(find_all(page, "script").empty());
  const std::string text = xml_check::all_text(page);
  for (const char* t : {"Settings", "Final metrics", "2-3-1", "sse", "5000", "100.00%"})
    EXPECT_TRUE(contains(text, t)) << t;
  // The hidden representation: the four inputs in the 3-unit hidden space.
  const auto hidden = xml_check::parse(read_file(dir / "report/hidden_layer_1.svg"));
  EXPECT_EQ(find_all(*find_class(hidden, "g", "cells")[0], "rect").size(), 12u);

  const auto seeds = run_mlp("demo xor --seeds 3 --report " + dir / "r2");
  EXPECT_EQ(seeds.exit_code, 2);
  EXPECT_TRUE(contains(seeds.err, "--report")) << seeds.err;
  const auto keras =
      run_mlp("demo xor --keras --iterations 300 --print-every 0 --report " + dir / "keras");
  ASSERT_EQ(keras.exit_code, 0) << keras.err;
  EXPECT_TRUE(contains(read_file(dir / "keras/index.html"), "Chart 3"));
}

TEST(CliReport, TrainWritesClassificationAndRegressionReports) {
  mlp::test::TempDir dir;
  write_file(dir / "two.csv", two_feature_csv());
  const auto r = run_mlp("train " + dir / "two.csv" + " --target label -o " + dir / "m.st" +
                         " --layers 6,4 --epochs 15 --validation 0.1 --report " + dir / "rep");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "report " + dir / "rep/index.html")) << r.out;
  for (const char* f : {"error_curve.svg", "decision_boundary.svg", "hidden_layer_1.svg",
                        "hidden_layer_2.svg", "weights_layer_1.svg", "weights_layer_2.svg",
                        "weights_layer_3.svg", "confusion_matrix.svg"})
    EXPECT_NO_THROW(xml_check::parse(read_file(dir / "rep/" + f))) << f;
  const auto page = xml_check::parse(read_file(dir / "rep/index.html"));
  EXPECT_EQ(find_all(page, "figure").size(), 8u);
  EXPECT_TRUE(contains(xml_check::all_text(page), "validation accuracy"));

  std::string values = "u,v,w,target\n";
  for (int i = 0; i < 80; ++i)
    values += std::to_string(i % 9) + "," + std::to_string(i % 4) + "," + std::to_string(i % 11) +
              "," + std::to_string(0.5 * (i % 9) - 0.25 * (i % 4) + 0.01 * i) + "\n";
  write_file(dir / "values.csv", values);
  const auto reg =
      run_mlp("train " + dir / "values.csv" + " --target target --task regression" + " -o " +
              dir / "r.st --epochs 10 --validation 0.1 -q --report " + dir / "reg");
  ASSERT_EQ(reg.exit_code, 0) << reg.err;
  EXPECT_TRUE(reg.out.empty()) << reg.out;  // -q
  EXPECT_NO_THROW(xml_check::parse(read_file(dir / "reg/predicted_vs_true.svg")));
  EXPECT_FALSE(std::filesystem::exists(dir / "reg/decision_boundary.svg"));  // three inputs
  EXPECT_TRUE(contains(read_file(dir / "reg/index.html"), "validation R"));
}

TEST(CliReport, AnUnusableReportFolderFailsBeforeTraining) {
  mlp::test::TempDir dir;
  write_file(dir / "two.csv", two_feature_csv());
  write_file(dir / "taken", "a file, not a folder");
  const auto r = run_mlp("train " + dir / "two.csv" + " --target label -o " + dir / "m.st" +
                         " --epochs 5 -q --report " + dir / "taken");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "taken")) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "m.st"));  // nothing was trained
}

// --- Headless Chromium ---------------------------------------------------------------------

struct Png {
  std::uint32_t width = 0, height = 0;
  std::vector<std::uint32_t> pixels;  // 0xRRGGBB
};

std::uint32_t be32(const unsigned char* p) {
  return std::uint32_t(p[0]) << 24 | std::uint32_t(p[1]) << 16 | std::uint32_t(p[2]) << 8 | p[3];
}

// Decodes an 8-bit RGB or RGBA, non-interlaced PNG (what Chromium writes).
Png decode_png(const std::string& bytes) {
  Png png;
  const auto* data = reinterpret_cast<const unsigned char*>(bytes.data());
  if (bytes.size() < 33 || bytes.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0)
    throw std::runtime_error("not a PNG file");
  std::string idat;
  int channels = 0;
  for (std::size_t at = 8; at + 12 <= bytes.size();) {
    const std::uint32_t length = be32(data + at);
    const std::string type = bytes.substr(at + 4, 4);
    if (at + 12 + length > bytes.size()) throw std::runtime_error("truncated PNG chunk");
    const unsigned char* body = data + at + 8;
    if (type == "IHDR") {
      png.width = be32(body);
      png.height = be32(body + 4);
      if (body[8] != 8 || (body[9] != 2 && body[9] != 6) || body[12] != 0)
        throw std::runtime_error("unsupported PNG format");
      channels = body[9] == 6 ? 4 : 3;
    } else if (type == "IDAT") {
      idat.append(reinterpret_cast<const char*>(body), length);
    }
    at += 12 + length;
  }
  const std::size_t stride = std::size_t(png.width) * channels;
  std::vector<unsigned char> raw((stride + 1) * png.height);
  uLongf raw_size = raw.size();
  if (uncompress(raw.data(), &raw_size, reinterpret_cast<const Bytef*>(idat.data()), idat.size()) !=
          Z_OK ||
      raw_size != raw.size())
    throw std::runtime_error("PNG image data does not inflate");
  std::vector<unsigned char> previous(stride, 0), row(stride);
  for (std::uint32_t y = 0; y < png.height; ++y) {
    const unsigned char filter = raw[y * (stride + 1)];
    const unsigned char* in = &raw[y * (stride + 1) + 1];
    for (std::size_t i = 0; i < stride; ++i) {
      const int a = i >= std::size_t(channels) ? row[i - channels] : 0, b = previous[i],
                c = i >= std::size_t(channels) ? previous[i - channels] : 0;
      int predicted = 0;
      switch (filter) {
        case 1:
          predicted = a;
          break;
        case 2:
          predicted = b;
          break;
        case 3:
          predicted = (a + b) / 2;
          break;
        case 4: {
          const int p = a + b - c, pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
          predicted = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          break;
        }
        default:
          predicted = 0;
      }
      row[i] = static_cast<unsigned char>(in[i] + predicted);
    }
    for (std::uint32_t x = 0; x < png.width; ++x) {
      const unsigned char* p = &row[std::size_t(x) * channels];
      png.pixels.push_back(std::uint32_t(p[0]) << 16 | std::uint32_t(p[1]) << 8 | p[2]);
    }
    previous = row;
  }
  return png;
}

std::string find_chromium() {
  for (const char* path : {"/usr/bin/chromium", "/usr/bin/chromium-browser"})
    if (std::filesystem::exists(path)) return path;
  return {};
}

TEST(CliReport, XorReportRendersInHeadlessChromium) {
  const std::string chromium = find_chromium();
  if (chromium.empty())
    GTEST_SKIP() << "SKIPPED: Debian's chromium is not installed, so the report was not rendered "
                    "(scripts/install-deps installs it)";
  mlp::test::TempDir dir;
  ASSERT_EQ(run_mlp("demo xor --print-every 0 --report " + dir / "report").exit_code, 0);
  const std::string png_path = dir / "page.png";
  const std::string command =
      "timeout 180 '" + chromium +
      "' --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking "
      "--disable-component-update --disable-sync --hide-scrollbars --user-data-dir='" +
      dir / "profile" + "' --screenshot='" + png_path + "' --window-size=1280,1600 'file://" +
      dir / "report/index.html" + "' >'" + dir / "chromium.log" + "' 2>&1";
  const int status = std::system(command.c_str());
  ASSERT_EQ(status, 0) << read_file(dir / "chromium.log");
  const Png png = decode_png(read_file(png_path));
  EXPECT_EQ(png.width, 1280u);
  EXPECT_EQ(png.height, 1600u);
  // Not blank: many colours (viridis shades, text) and much of the page differs from its
  // background colour.
  std::set<std::uint32_t> colours(png.pixels.begin(), png.pixels.end());
  EXPECT_GT(colours.size(), 200u);
  const std::uint32_t background = png.pixels[0];
  std::size_t differ = 0;
  for (std::uint32_t p : png.pixels) differ += p != background;
  EXPECT_GT(differ, png.pixels.size() / 4) << "only " << differ << " pixels are not background";
  // The charts are drawn: viridis's dark purple and yellow-green ends appear somewhere.
  auto near = [&](std::uint32_t target) {
    for (std::uint32_t p : colours) {
      const int dr = int(p >> 16) - int(target >> 16),
                dg = int(p >> 8 & 255) - int(target >> 8 & 255),
                db = int(p & 255) - int(target & 255);
      if (dr * dr + dg * dg + db * db < 30 * 30) return true;
    }
    return false;
  };
  EXPECT_TRUE(near(0x440154));
  EXPECT_TRUE(near(0xfde725));
}

}  // namespace
