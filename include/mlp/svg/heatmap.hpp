// A heatmap: a matrix drawn as a grid of cells coloured with viridis, with row and column labels,
// the values written in the cells when they fit, and a colour bar with ticks. Matrices larger
// than the limits are drawn as the means of blocks of cells (the data are not changed).
//
//   mlp::svg::Heatmap map;
//   map.title = "Hidden layer 1";
//   map.values = activations;                 // examples x units
//   map.row_labels = {"(0, 0)", "(0, 1)", "(1, 0)", "(1, 1)"};
//   map.column_labels = {"h1", "h2", "h3"};
//   map.range = {{0.0, 1.0}};
//   std::string svg = map.svg();
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "mlp/core/matrix.hpp"
#include "mlp/svg/document.hpp"

namespace mlp::svg {

// `values` as at most max_rows x max_cols blocks, each the mean of its finite cells (NaN when it
// has none); rows[i] and cols[j] are the half-open index ranges [first, last) of block (i, j).
// Rows (and columns) are split into blocks of equal size but the last. Throws InvalidArgument
// when a limit is below 1.
struct Blocks {
  Matrix<double> values;
  std::vector<std::pair<Index, Index>> rows, cols;
};
Blocks block_average(const Matrix<double>& values, Index max_rows, Index max_cols);

class Heatmap {
 public:
  std::string title, subtitle, x_label, y_label;
  std::string value_label;                             // names the colour bar
  Matrix<double> values;                               // rows x columns
  std::vector<std::string> row_labels, column_labels;  // empty: 1, 2, 3, ...
  // Text written in each cell (row-major), e.g. counts while the colour shows fractions; empty:
  // the values with `decimals` decimals.
  std::vector<std::string> cell_text;
  int decimals = 2;
  bool annotate = true;  // write the cells' text when it fits
  // The colour scale's range; default the finite values' min..max (symmetric about 0 when
  // `symmetric`).
  std::optional<std::pair<double, double>> range;
  bool symmetric = false;
  Index max_rows = 48, max_columns = 48;  // larger matrices are drawn as block means
  double max_cell = 72;                   // largest cell side in pixels

  void draw(Document& doc, const Box& area) const;
  std::string svg(double width = 640, double height = 400) const;
};

}  // namespace mlp::svg
