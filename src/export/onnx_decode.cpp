// onnx::decode: a ModelProto's bytes into the structs of onnx_model.hpp, with onnx.proto's
// field numbers (those encode writes, and the few more that torch and skl2onnx files use).
// Unknown fields are skipped; every count is bounded by the bytes that hold it.
#include <bit>

#include "export/protobuf_reader.hpp"
#include "mlp/core/error.hpp"
#include "mlp/export/onnx_model.hpp"

namespace mlp::onnx {

namespace {

using protobuf::Field;
using protobuf::Reader;

std::string text(const Field& f) {
  return std::string(f.as_bytes());
}

// Little-endian raw_data as `n` values of `bytes_each` bytes.
template <class Out, class Bits>
void from_raw(std::string_view raw, std::size_t bytes_each, std::vector<Out>& out) {
  out.reserve(raw.size() / bytes_each);
  for (std::size_t pos = 0; pos + bytes_each <= raw.size(); pos += bytes_each) {
    Bits bits = 0;
    for (std::size_t b = 0; b < bytes_each; ++b)
      bits |= static_cast<Bits>(static_cast<unsigned char>(raw[pos + b])) << (8 * b);
    if constexpr (sizeof(Bits) == 8 && std::is_same_v<Out, float>)
      out.push_back(static_cast<float>(std::bit_cast<double>(bits)));
    else if constexpr (std::is_same_v<Out, float>)
      out.push_back(std::bit_cast<float>(bits));
    else if constexpr (sizeof(Bits) == 4)
      out.push_back(static_cast<std::int32_t>(bits));
    else
      out.push_back(static_cast<std::int64_t>(bits));
  }
}

// The number of elements `dims` describe; ModelFileError when a dimension is negative or the
// count exceeds `limit` (the bytes available, so an element takes at least one).
std::size_t element_count(const std::vector<std::int64_t>& dims, std::size_t limit,
                          const std::string& where) {
  std::size_t n = 1;
  for (const std::int64_t d : dims) {
    if (d < 0) throw ModelFileError(where + ": a negative dimension " + std::to_string(d));
    if (d != 0 && n > limit / static_cast<std::size_t>(d))
      throw ModelFileError(where + ": its dimensions describe more values than the file holds");
    n *= static_cast<std::size_t>(d);
  }
  return n;
}

std::size_t element_size(DataType type) {
  switch (type) {
    case DataType::float32:
    case DataType::int32:
      return 4;
    case DataType::int64:
    case DataType::float64:
      return 8;
    default:
      return 0;
  }
}

// TensorProto: dims 1, data_type 2, float_data 4, int32_data 5, string_data 6, int64_data 7,
// name 8, raw_data 9, double_data 10, data_location 14.
Tensor decode_tensor(std::string_view bytes, const std::string& where) {
  Tensor t;
  std::string_view raw;
  bool has_raw = false;
  std::vector<float> doubles_as_floats;
  Reader r(bytes, where + ": a tensor");
  for (Field f; r.next(f);) {
    if (f.number == 1) f.append_int64s(t.dims);
    if (f.number == 2) t.type = static_cast<DataType>(f.as_int64());
    if (f.number == 4) f.append_floats(t.floats);
    if (f.number == 5 || f.number == 7) f.append_int64s(t.ints);
    if (f.number == 6) t.strings.push_back(text(f));
    if (f.number == 8) t.name = text(f);
    if (f.number == 9) {
      raw = f.as_bytes();
      has_raw = true;
    }
    if (f.number == 10) {
      if (f.type == protobuf::WireType::fixed64)
        t.floats.push_back(static_cast<float>(std::bit_cast<double>(f.value)));
      else
        from_raw<float, std::uint64_t>(f.as_bytes(), 8, t.floats);
    }
    if (f.number == 14 && f.as_int64() == 1)
      throw ModelFileError(where + ": tensor '" + t.name +
                           "' is stored in an external file (not supported: save the model "
                           "with its weights inside)");
  }
  const std::string what = where + ": tensor '" + t.name + "'";
  const std::size_t n = element_count(t.dims, bytes.size(), what);
  const std::size_t size = element_size(t.type);
  if (has_raw && size != 0) {
    if (raw.size() != n * size)
      throw ModelFileError(what + ": raw_data holds " + std::to_string(raw.size()) +
                           " bytes, the shape needs " + std::to_string(n * size));
    if (t.type == DataType::float32) from_raw<float, std::uint32_t>(raw, 4, t.floats);
    if (t.type == DataType::float64) from_raw<float, std::uint64_t>(raw, 8, t.floats);
    if (t.type == DataType::int32) from_raw<std::int64_t, std::uint32_t>(raw, 4, t.ints);
    if (t.type == DataType::int64) from_raw<std::int64_t, std::uint64_t>(raw, 8, t.ints);
  }
  const std::size_t held = t.type == DataType::string ? t.strings.size()
                           : (t.type == DataType::float32 || t.type == DataType::float64)
                               ? t.floats.size()
                               : t.ints.size();
  if (size != 0 || t.type == DataType::string)
    if (held != n)
      throw ModelFileError(what + ": holds " + std::to_string(held) + " values, its shape " +
                           std::to_string(n));
  return t;
}

// AttributeProto: name 1, f 2, i 3, s 4, t 5, floats 7, ints 8, strings 9, type 20.
Attribute decode_attribute(std::string_view bytes, const std::string& where) {
  Attribute a;
  std::int64_t type = 0;
  Reader r(bytes, where + ": an attribute");
  for (Field f; r.next(f);) {
    if (f.number == 1) a.name = text(f);
    if (f.number == 2) a.f = f.as_float();
    if (f.number == 3) a.i = f.as_int64();
    if (f.number == 4) a.s = text(f);
    if (f.number == 5) a.tensor.push_back(decode_tensor(f.as_bytes(), where));
    if (f.number == 7) f.append_floats(a.floats);
    if (f.number == 8) f.append_int64s(a.ints);
    if (f.number == 9) a.strings.push_back(text(f));
    if (f.number == 20) type = f.as_int64();
  }
  using K = Attribute::Kind;
  constexpr K kinds[] = {K::f, K::f, K::i, K::s, K::tensor, K::i, K::floats, K::ints, K::strings};
  a.kind = type >= 1 && type <= 8 ? kinds[type] : K::i;
  if (type == 5 || type > 8 || (type == 4 && a.tensor.size() != 1))
    a.name = "(unsupported attribute '" + a.name + "')";
  return a;
}

// NodeProto: input 1, output 2, name 3, op_type 4, attribute 5, domain 7.
Node decode_node(std::string_view bytes, const std::string& where) {
  Node n;
  Reader r(bytes, where + ": a node");
  for (Field f; r.next(f);) {
    if (f.number == 1) n.inputs.push_back(text(f));
    if (f.number == 2) n.outputs.push_back(text(f));
    if (f.number == 3) n.name = text(f);
    if (f.number == 4) n.op_type = text(f);
    if (f.number == 5) n.attributes.push_back(decode_attribute(f.as_bytes(), where));
    if (f.number == 7) n.domain = text(f);
  }
  if (n.domain == "ai.onnx") n.domain.clear();
  return n;
}

// ValueInfoProto { name 1, type 2 }; TypeProto { tensor_type 1 }; Tensor { elem_type 1,
// shape 2 }; TensorShapeProto { dim 1 }; Dimension { dim_value 1, dim_param 2 }.
ValueInfo decode_value_info(std::string_view bytes, const std::string& where) {
  ValueInfo v;
  Reader r(bytes, where + ": an input or output");
  for (Field f; r.next(f);) {
    if (f.number == 1) v.name = text(f);
    if (f.number != 2) continue;
    Reader type(f.as_bytes(), where + ": a type");
    for (Field t; type.next(t);) {
      if (t.number != 1) continue;  // not a tensor: left with no shape
      Reader tensor(t.as_bytes(), where + ": a tensor type");
      for (Field e; tensor.next(e);) {
        if (e.number == 1) v.type = static_cast<DataType>(e.as_int64());
        if (e.number != 2) continue;
        Reader shape(e.as_bytes(), where + ": a shape");
        for (Field d; shape.next(d);) {
          if (d.number != 1) continue;
          Dimension dim{-1, ""};
          Reader one(d.as_bytes(), where + ": a dimension");
          for (Field x; one.next(x);) {
            if (x.number == 1) dim.value = x.as_int64();
            if (x.number == 2) dim.param = text(x);
          }
          v.shape.push_back(dim);
        }
      }
    }
  }
  return v;
}

// GraphProto: node 1, name 2, initializer 5, input 11, output 12.
Graph decode_graph(std::string_view bytes, const std::string& where) {
  Graph g;
  Reader r(bytes, where + ": the graph");
  for (Field f; r.next(f);) {
    if (f.number == 1) g.nodes.push_back(decode_node(f.as_bytes(), where));
    if (f.number == 2) g.name = text(f);
    if (f.number == 5) g.initializers.push_back(decode_tensor(f.as_bytes(), where));
    if (f.number == 11) g.inputs.push_back(decode_value_info(f.as_bytes(), where));
    if (f.number == 12) g.outputs.push_back(decode_value_info(f.as_bytes(), where));
  }
  return g;
}

}  // namespace

// ModelProto: ir_version 1, producer_name 2, producer_version 3, graph 7, opset_import 8.
Model decode(std::string_view bytes, const std::string& source) {
  Model m;
  m.ir_version = 0;
  bool has_graph = false;
  Reader r(bytes, source);
  for (Field f; r.next(f);) {
    if (f.number == 1) m.ir_version = f.as_int64();
    if (f.number == 2) m.producer_name = text(f);
    if (f.number == 3) m.producer_version = text(f);
    if (f.number == 7) {
      m.graph = decode_graph(f.as_bytes(), source);
      has_graph = true;
    }
    if (f.number == 8) {
      OpsetImport o;
      Reader opset(f.as_bytes(), source + ": an opset");
      for (Field x; opset.next(x);) {
        if (x.number == 1) o.domain = text(x);
        if (x.number == 2) o.version = x.as_int64();
      }
      m.opsets.push_back(o);
    }
  }
  if (!has_graph || m.ir_version <= 0)
    throw ModelFileError(source + ": not an ONNX model (no IR version or no graph)");
  return m;
}

}  // namespace mlp::onnx
