// onnx::encode: the structs of onnx_model.hpp as protobuf, with onnx.proto's field numbers.
#include <bit>

#include "export/protobuf_writer.hpp"
#include "mlp/export/onnx_model.hpp"

namespace mlp::onnx {

namespace {

using protobuf::Writer;

// AttributeProto.AttributeType values.
enum AttributeType : std::int64_t {
  kFloat = 1,
  kInt = 2,
  kString = 3,
  kTensor = 4,
  kFloats = 6,
  kInts = 7,
  kStrings = 8
};

// Numbers as TensorProto.raw_data: little-endian, whatever the host.
template <class T>
std::string little_endian(const std::vector<T>& values) {
  std::string out;
  out.reserve(values.size() * sizeof(T));
  for (const T value : values) {
    const auto bits =
        std::bit_cast<std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>>(value);
    for (std::size_t byte = 0; byte < sizeof(T); ++byte)
      out.push_back(static_cast<char>((bits >> (8 * byte)) & 0xFF));
  }
  return out;
}

// TensorProto: dims = 1, data_type = 2, string_data = 6, name = 8, raw_data = 9.
std::string tensor_bytes(const Tensor& t) {
  Writer w;
  for (const std::int64_t d : t.dims) w.varint_field(1, d);
  w.varint_field(2, static_cast<std::int32_t>(t.type));
  if (t.type == DataType::string)
    for (const auto& s : t.strings) w.bytes_field(6, s);
  w.bytes_field(8, t.name);
  if (t.type == DataType::float32) w.bytes_field(9, little_endian(t.floats));
  if (t.type == DataType::int64) w.bytes_field(9, little_endian(t.ints));
  return w.bytes();
}

// AttributeProto: name = 1, f = 2, i = 3, s = 4, t = 5, floats = 7, ints = 8, strings = 9,
// type = 20.
std::string attribute_bytes(const Attribute& a) {
  Writer w;
  w.bytes_field(1, a.name);
  switch (a.kind) {
    case Attribute::Kind::f:
      w.float_field(2, a.f);
      w.varint_field(20, kFloat);
      break;
    case Attribute::Kind::i:
      w.varint_field(3, a.i);
      w.varint_field(20, kInt);
      break;
    case Attribute::Kind::s:
      w.bytes_field(4, a.s);
      w.varint_field(20, kString);
      break;
    case Attribute::Kind::tensor:
      w.bytes_field(5, tensor_bytes(a.tensor.at(0)));
      w.varint_field(20, kTensor);
      break;
    case Attribute::Kind::floats:
      for (const float f : a.floats) w.float_field(7, f);
      w.varint_field(20, kFloats);
      break;
    case Attribute::Kind::ints:
      for (const std::int64_t i : a.ints) w.varint_field(8, i);
      w.varint_field(20, kInts);
      break;
    case Attribute::Kind::strings:
      for (const auto& s : a.strings) w.bytes_field(9, s);
      w.varint_field(20, kStrings);
      break;
  }
  return w.bytes();
}

// NodeProto: input = 1, output = 2, name = 3, op_type = 4, attribute = 5, domain = 7.
std::string node_bytes(const Node& n) {
  Writer w;
  for (const auto& input : n.inputs) w.bytes_field(1, input);
  for (const auto& output : n.outputs) w.bytes_field(2, output);
  w.bytes_field(3, n.name);
  w.bytes_field(4, n.op_type);
  for (const auto& a : n.attributes) w.bytes_field(5, attribute_bytes(a));
  if (!n.domain.empty()) w.bytes_field(7, n.domain);
  return w.bytes();
}

// ValueInfoProto { name = 1, type = 2, doc_string = 3 }; TypeProto { tensor_type = 1 };
// TypeProto.Tensor { elem_type = 1, shape = 2 }; TensorShapeProto { dim = 1 };
// Dimension { dim_value = 1, dim_param = 2 }.
std::string value_info_bytes(const ValueInfo& v) {
  Writer shape;
  for (const Dimension& d : v.shape) {
    Writer dim;
    if (d.param.empty())
      dim.varint_field(1, d.value);
    else
      dim.bytes_field(2, d.param);
    shape.bytes_field(1, dim.bytes());
  }
  Writer tensor_type;
  tensor_type.varint_field(1, static_cast<std::int32_t>(v.type));
  tensor_type.bytes_field(2, shape.bytes());
  Writer type;
  type.bytes_field(1, tensor_type.bytes());
  Writer w;
  w.bytes_field(1, v.name);
  w.bytes_field(2, type.bytes());
  if (!v.doc_string.empty()) w.bytes_field(3, v.doc_string);
  return w.bytes();
}

// GraphProto: node = 1, name = 2, initializer = 5, doc_string = 10, input = 11, output = 12.
std::string graph_bytes(const Graph& g) {
  Writer w;
  for (const Node& n : g.nodes) w.bytes_field(1, node_bytes(n));
  w.bytes_field(2, g.name);
  for (const Tensor& t : g.initializers) w.bytes_field(5, tensor_bytes(t));
  if (!g.doc_string.empty()) w.bytes_field(10, g.doc_string);
  for (const ValueInfo& v : g.inputs) w.bytes_field(11, value_info_bytes(v));
  for (const ValueInfo& v : g.outputs) w.bytes_field(12, value_info_bytes(v));
  return w.bytes();
}

Attribute named(std::string name, Attribute::Kind kind) {
  Attribute a;
  a.name = std::move(name);
  a.kind = kind;
  return a;
}

}  // namespace

Attribute Attribute::of_float(std::string name, float value) {
  Attribute a = named(std::move(name), Attribute::Kind::f);
  a.f = value;
  return a;
}
Attribute Attribute::of_int(std::string name, std::int64_t value) {
  Attribute a = named(std::move(name), Attribute::Kind::i);
  a.i = value;
  return a;
}
Attribute Attribute::of_string(std::string name, std::string value) {
  Attribute a = named(std::move(name), Attribute::Kind::s);
  a.s = std::move(value);
  return a;
}
Attribute Attribute::of_floats(std::string name, std::vector<float> values) {
  Attribute a = named(std::move(name), Attribute::Kind::floats);
  a.floats = std::move(values);
  return a;
}
Attribute Attribute::of_ints(std::string name, std::vector<std::int64_t> values) {
  Attribute a = named(std::move(name), Attribute::Kind::ints);
  a.ints = std::move(values);
  return a;
}
Attribute Attribute::of_strings(std::string name, std::vector<std::string> values) {
  Attribute a = named(std::move(name), Attribute::Kind::strings);
  a.strings = std::move(values);
  return a;
}

// ModelProto: ir_version = 1, producer_name = 2, producer_version = 3, doc_string = 6,
// graph = 7, opset_import = 8 (OperatorSetIdProto { domain = 1, version = 2 }),
// metadata_props = 14 (StringStringEntryProto { key = 1, value = 2 }).
std::string encode(const Model& model) {
  Writer w;
  w.varint_field(1, model.ir_version);
  w.bytes_field(2, model.producer_name);
  w.bytes_field(3, model.producer_version);
  if (!model.doc_string.empty()) w.bytes_field(6, model.doc_string);
  w.bytes_field(7, graph_bytes(model.graph));
  for (const OpsetImport& o : model.opsets) {
    Writer opset;
    opset.bytes_field(1, o.domain);
    opset.varint_field(2, o.version);
    w.bytes_field(8, opset.bytes());
  }
  for (const MetadataEntry& m : model.metadata) {
    Writer entry;
    entry.bytes_field(1, m.key);
    entry.bytes_field(2, m.value);
    w.bytes_field(14, entry.bytes());
  }
  return w.bytes();
}

}  // namespace mlp::onnx
