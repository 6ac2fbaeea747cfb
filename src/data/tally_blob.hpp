// Counts and texts written as a list of doubles (internal to src/data): what a process tallied in
// its stripes of a table, in the form the processes exchange (the communicator moves doubles;
// docs/distributed.md). Every value is exact: counts below 2^53, doubles as they are, texts six
// bytes to a double.
//
//   std::vector<double> blob;
//   BlobWriter(blob).text("red");
//   BlobReader reader(blob);
//   reader.text();  // "red"
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mlp::detail {

class BlobWriter {
 public:
  explicit BlobWriter(std::vector<double>& out) : out_(out) {}
  void number(double value) { out_.push_back(value); }
  void text(std::string_view text);

 private:
  std::vector<double>& out_;
};

class BlobReader {
 public:
  explicit BlobReader(std::span<const double> blob) : blob_(blob) {}
  // The next value; InvalidArgument past the end (a blob written otherwise than it is read).
  double number();
  std::size_t count() { return static_cast<std::size_t>(number()); }
  std::string text();
  bool done() const { return at_ == blob_.size(); }
  std::size_t position() const { return at_; }

 private:
  std::span<const double> blob_;
  std::size_t at_ = 0;
};

}  // namespace mlp::detail
