#include "export/protobuf_reader.hpp"

#include <bit>

#include "mlp/core/error.hpp"

namespace mlp::protobuf {

namespace {

[[noreturn]] void field_error(const Field& f, const std::string& what) {
  throw ModelFileError(std::string(f.where) + ": field " + std::to_string(f.number) + " " + what);
}

// A varint from `s` at `pos` (at most ten bytes); false when it runs off the end or is longer.
bool read_varint(std::string_view s, std::size_t& pos, std::uint64_t& value) {
  value = 0;
  for (int shift = 0; shift < 70; shift += 7) {
    if (pos >= s.size()) return false;
    const auto byte = static_cast<unsigned char>(s[pos++]);
    value |= static_cast<std::uint64_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

}  // namespace

[[noreturn]] void Reader::fail(const std::string& what) const {
  throw ModelFileError(where_ + ": " + what + " at byte " + std::to_string(pos_) + " of " +
                       std::to_string(bytes_.size()) + " (the file is damaged or not ONNX)");
}

std::uint64_t Reader::varint() {
  std::uint64_t value = 0;
  if (!read_varint(bytes_, pos_, value)) fail("a number runs past the end");
  return value;
}

bool Reader::next(Field& f) {
  if (pos_ >= bytes_.size()) return false;
  const std::uint64_t key = varint();
  f = Field{};
  f.where = where_;
  f.number = static_cast<std::uint32_t>(key >> 3);
  if (f.number == 0 || (key >> 3) > 0x1FFFFFFF) fail("an invalid field number");
  const std::size_t left = bytes_.size() - pos_;
  switch (key & 7) {
    case 0:
      f.type = WireType::varint;
      f.value = varint();
      return true;
    case 1:
    case 5: {
      const std::size_t n = (key & 7) == 1 ? 8 : 4;
      if (left < n) fail("a fixed-size value runs past the end");
      f.type = n == 8 ? WireType::fixed64 : WireType::fixed32;
      for (std::size_t b = 0; b < n; ++b)
        f.value |= static_cast<std::uint64_t>(static_cast<unsigned char>(bytes_[pos_ + b]))
                   << (8 * b);
      pos_ += n;
      return true;
    }
    case 2: {
      const std::uint64_t n = varint();
      if (n > bytes_.size() - pos_)
        fail("a length of " + std::to_string(n) + " bytes runs past the end");
      f.type = WireType::length_delimited;
      f.bytes = bytes_.substr(pos_, static_cast<std::size_t>(n));
      pos_ += static_cast<std::size_t>(n);
      return true;
    }
    default:
      fail("wire type " + std::to_string(key & 7) + " (not used by ONNX)");
  }
}

std::int64_t Field::as_int64() const {
  if (type != WireType::varint) field_error(*this, "should be an integer");
  return static_cast<std::int64_t>(value);
}

std::string_view Field::as_bytes() const {
  if (type != WireType::length_delimited) field_error(*this, "should be text or a message");
  return bytes;
}

float Field::as_float() const {
  if (type != WireType::fixed32) field_error(*this, "should be a float");
  return std::bit_cast<float>(static_cast<std::uint32_t>(value));
}

void Field::append_int64s(std::vector<std::int64_t>& out) const {
  if (type == WireType::varint) {
    out.push_back(static_cast<std::int64_t>(value));
    return;
  }
  const std::string_view packed = as_bytes();
  std::size_t pos = 0;
  std::uint64_t v = 0;
  while (pos < packed.size()) {
    if (!read_varint(packed, pos, v)) field_error(*this, "holds a damaged packed number");
    out.push_back(static_cast<std::int64_t>(v));  // at least one byte each: bounded by the size
  }
}

void Field::append_floats(std::vector<float>& out) const {
  if (type == WireType::fixed32) {
    out.push_back(as_float());
    return;
  }
  const std::string_view packed = as_bytes();
  if (packed.size() % 4 != 0) field_error(*this, "holds packed floats of a size not 4 x n");
  for (std::size_t pos = 0; pos < packed.size(); pos += 4) {
    std::uint32_t bits = 0;
    for (std::size_t b = 0; b < 4; ++b)
      bits |= static_cast<std::uint32_t>(static_cast<unsigned char>(packed[pos + b])) << (8 * b);
    out.push_back(std::bit_cast<float>(bits));
  }
}

}  // namespace mlp::protobuf
