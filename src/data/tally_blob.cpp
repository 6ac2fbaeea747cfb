#include "tally_blob.hpp"

#include <cstdint>

#include "mlp/core/error.hpp"

namespace mlp::detail {

namespace {

constexpr std::size_t kBytesPerDouble = 6;  // 48 bits: an exact integer in a double

}  // namespace

void BlobWriter::text(std::string_view text) {
  out_.push_back(static_cast<double>(text.size()));
  for (std::size_t i = 0; i < text.size(); i += kBytesPerDouble) {
    std::uint64_t bits = 0;
    for (std::size_t k = 0; k < kBytesPerDouble && i + k < text.size(); ++k)
      bits |= std::uint64_t(static_cast<unsigned char>(text[i + k])) << (8 * k);
    out_.push_back(static_cast<double>(bits));
  }
}

double BlobReader::number() {
  if (at_ >= blob_.size()) throw InvalidArgument("a tally blob read past its end");
  return blob_[at_++];
}

std::string BlobReader::text() {
  const std::size_t size = count();
  std::string text;
  text.reserve(size);
  for (std::size_t i = 0; i < size; i += kBytesPerDouble) {
    const auto bits = static_cast<std::uint64_t>(number());
    for (std::size_t k = 0; k < kBytesPerDouble && i + k < size; ++k)
      text.push_back(static_cast<char>((bits >> (8 * k)) & 0xffu));
  }
  return text;
}

}  // namespace mlp::detail
