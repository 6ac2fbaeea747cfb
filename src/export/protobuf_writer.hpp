// Protocol Buffers' wire format, the writing half
// (https://protobuf.dev/programming-guides/encoding): each field is a key varint (field_number << 3
// | wire_type) and then its value:
//   wire type 0  varint: 7 bits per byte, least significant group first, high bit = more follows
//   wire type 2  length-delimited: a varint length, then that many bytes (strings, bytes, nested
//                messages, packed repeated numbers)
//   wire type 5  fixed32: 4 bytes little-endian (float)
// A message is its fields one after the other; a nested message is written into its own
// ProtoWriter and added as bytes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace mlp::protobuf {

enum class WireType : std::uint32_t { varint = 0, fixed64 = 1, length_delimited = 2, fixed32 = 5 };

class Writer {
 public:
  // A varint field (int32, int64, enum, bool); negative values take ten bytes, as protobuf's
  // int64 encoding does.
  void varint_field(std::uint32_t field, std::int64_t value);
  // A length-delimited field: a string, bytes, or a nested message's encoding.
  void bytes_field(std::uint32_t field, std::string_view bytes);
  // A fixed32 field holding a float's IEEE-754 bits.
  void float_field(std::uint32_t field, float value);

  const std::string& bytes() const { return bytes_; }

 private:
  void key(std::uint32_t field, WireType type);
  void varint(std::uint64_t value);

  std::string bytes_;
};

}  // namespace mlp::protobuf
