#include "export/protobuf_writer.hpp"

#include <bit>
#include <cstring>

namespace mlp::protobuf {

void Writer::varint(std::uint64_t value) {
  // 7 bits per byte, least significant first; the high bit says another byte follows.
  while (value >= 0x80) {
    bytes_.push_back(static_cast<char>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  bytes_.push_back(static_cast<char>(value));
}

void Writer::key(std::uint32_t field, WireType type) {
  varint((static_cast<std::uint64_t>(field) << 3) | static_cast<std::uint32_t>(type));
}

void Writer::varint_field(std::uint32_t field, std::int64_t value) {
  key(field, WireType::varint);
  varint(static_cast<std::uint64_t>(value));  // two's complement, as protobuf's int64
}

void Writer::bytes_field(std::uint32_t field, std::string_view bytes) {
  key(field, WireType::length_delimited);
  varint(bytes.size());
  bytes_.append(bytes);
}

void Writer::float_field(std::uint32_t field, float value) {
  key(field, WireType::fixed32);
  const auto bits = std::bit_cast<std::uint32_t>(value);
  for (int shift = 0; shift < 32; shift += 8)
    bytes_.push_back(static_cast<char>((bits >> shift) & 0xFF));
}

}  // namespace mlp::protobuf
