#include "mlp/model/model_io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <new>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <unordered_set>
#include <utility>
#include <variant>
#include <vector>

#include "mlp/core/atomic_file.hpp"
#include "mlp/core/error.hpp"

namespace mlp {
namespace {

// Tensor bytes are written and read as the machine's own representation, which safetensors
// defines as little-endian IEEE 754.
static_assert(std::endian::native == std::endian::little,
              "model_io writes raw little-endian floats: big-endian hosts need byte swapping");
static_assert(std::numeric_limits<float>::is_iec559 && sizeof(float) == 4);
static_assert(std::numeric_limits<double>::is_iec559 && sizeof(double) == 8);

using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;

constexpr std::uint64_t kHeaderLengthBytes = 8;
constexpr std::uint64_t kMaxHeaderBytes = 100'000'000;  // 100 MB: far beyond any real header
constexpr std::size_t kMaxLayers = 10'000;              // far beyond any real MLP
// Bounds on each JSON text of a model file (the header, and the architecture and extra texts it
// holds), checked on the text before it is parsed: nesting beyond kMaxJsonDepth would make the
// recursive parts of a JSON library (copying, printing, destroying) overflow the stack, and each
// value costs tens of bytes once parsed. A real model nests 4 levels deep. The header itself
// holds 9 values per tensor (180,000 for 10,000 layers); the extra metadata a few per feature
// and per class (a model of a million features holds about 3 million).
constexpr std::size_t kMaxJsonDepth = 64;
constexpr std::uint64_t kMaxHeaderValues = 1'000'000;
constexpr std::uint64_t kMaxJsonValues = 8'000'000;
constexpr const char* kFormat = "mlp";
constexpr const char* kFormatVersion = "1";
constexpr const char* kMetadataKey = "__metadata__";

template <class Scalar>
struct DtypeNames;
template <>
struct DtypeNames<float> {
  static constexpr const char* tensor = "F32";  // safetensors' name
  static constexpr const char* model = "f32";   // the architecture's name
};
template <>
struct DtypeNames<double> {
  static constexpr const char* tensor = "F64";
  static constexpr const char* model = "f64";
};

std::string system_message(int error) {
  return std::generic_category().message(error);
}

// A name or value taken from a (possibly hostile) file, quoted and cut short for messages.
std::string cited(std::string_view text) {
  constexpr std::size_t kMax = 60;
  std::string result(1, '\'');
  result.append(text.substr(0, kMax));
  result.append(text.size() > kMax ? "...'" : "'");
  return result;
}

std::string weight_name(std::size_t layer) {
  return "layers." + std::to_string(layer) + ".weight";
}
std::string bias_name(std::size_t layer) {
  return "layers." + std::to_string(layer) + ".bias";
}

std::string shape_text(const std::vector<std::uint64_t>& shape) {
  std::string text = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) text += ", ";
    text += std::to_string(shape[i]);
  }
  return text + "]";
}

// a * b, or nothing on overflow.
std::optional<std::uint64_t> checked_multiply(std::uint64_t a, std::uint64_t b) {
  if (a != 0 && b > std::numeric_limits<std::uint64_t>::max() / a) return std::nullopt;
  return a * b;
}

// What is wrong with a JSON text's size or nesting, or nothing when it is within the bounds
// above. A scan of the text, not a parse: a string's content is skipped (with its escapes), each
// '[' or '{' opens a level, and every ',' ':' '[' '{' or first value counts as a value (an upper
// bound on the values a parser would make, up to one per container).
std::optional<std::string> json_limit_problem(std::string_view text,
                                              std::uint64_t max_values = kMaxJsonValues) {
  std::size_t depth = 0;
  std::uint64_t values = 1;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxJsonDepth)
        return "nests more than " + std::to_string(kMaxJsonDepth) +
               " levels of JSON arrays and objects (a model needs 4)";
      ++values;
    } else if (c == ']' || c == '}') {
      if (depth > 0) --depth;
    } else if (c == ',' || c == ':') {
      ++values;
    }
    if (values > max_values)
      return "holds more than " + std::to_string(max_values) + " JSON values";
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Saving

template <class Scalar>
std::string serialize(const Sequential<Scalar>& net, const std::string& extra_json) {
  if (net.layers().empty()) throw InvalidArgument("save_model: the network has no layers");
  if (!net.parameters().allFinite())
    throw InvalidArgument(
        "save_model: the network has a non-finite parameter (NaN or infinity); such a model "
        "could not be loaded again");
  bool extra_is_object = false;
  try {
    extra_is_object = json::parse(extra_json).is_object();
  } catch (const json::exception&) {
  }
  if (!extra_is_object)
    throw InvalidArgument("save_model: the extra metadata must be the text of a JSON object");
  // What the loader would refuse is refused here, before anything is written.
  if (const auto problem = json_limit_problem(extra_json))
    throw InvalidArgument("save_model: the extra metadata " + *problem +
                          ", more than load_model accepts");
  if (net.layers().size() > kMaxLayers)
    throw InvalidArgument("save_model: the network has " + std::to_string(net.layers().size()) +
                          " layers, more than load_model accepts (" + std::to_string(kMaxLayers) +
                          ")");

  const char* tensor_dtype = DtypeNames<Scalar>::tensor;
  const OptimizerSpec& opt = net.optimizer();
  ordered_json architecture;
  architecture["inputs"] = net.n_inputs();
  architecture["layers"] = ordered_json::array();
  for (const DenseLayer& layer : net.layers()) {
    ordered_json entry;
    entry["units"] = layer.n_out;
    entry["activation"] = std::string(to_string(layer.activation));
    architecture["layers"].push_back(std::move(entry));
  }
  architecture["loss"] = std::string(to_string(net.loss()));
  architecture["dtype"] = DtypeNames<Scalar>::model;
  ordered_json optimizer;
  optimizer["kind"] = to_string(opt.kind);
  optimizer["learning_rate"] = opt.learning_rate;
  optimizer["momentum"] = opt.momentum;
  optimizer["beta1"] = opt.beta1;
  optimizer["beta2"] = opt.beta2;
  optimizer["epsilon"] = opt.epsilon;
  architecture["optimizer"] = std::move(optimizer);

  ordered_json header;
  ordered_json metadata;
  metadata["format"] = kFormat;
  metadata["format_version"] = kFormatVersion;
  metadata["architecture"] = architecture.dump();
  metadata["extra"] = extra_json;
  header[kMetadataKey] = std::move(metadata);

  // The data section is the parameter buffer itself: [W1 | b1 | W2 | b2 | ...].
  constexpr auto size = static_cast<std::uint64_t>(sizeof(Scalar));
  auto tensor = [&](std::vector<std::uint64_t> shape, Index offset, Index count) {
    ordered_json entry;
    entry["dtype"] = tensor_dtype;
    entry["shape"] = std::move(shape);
    const auto begin = static_cast<std::uint64_t>(offset) * size;
    entry["data_offsets"] = {begin, begin + static_cast<std::uint64_t>(count) * size};
    return entry;
  };
  // ordered_json's operator[] finds a key by a linear search, which made saving a deep model
  // quadratic; the names are distinct, so each entry is appended to the object's vector.
  auto& entries = header.get_ref<ordered_json::object_t&>();
  entries.reserve(1 + 2 * net.layers().size());
  for (std::size_t l = 0; l < net.layers().size(); ++l) {
    const DenseLayer& layer = net.layers()[l];
    const auto n_in = static_cast<std::uint64_t>(layer.n_in);
    const auto n_out = static_cast<std::uint64_t>(layer.n_out);
    entries.emplace_back(weight_name(l), tensor({n_in, n_out}, layer.offset, layer.weight_count()));
    entries.emplace_back(bias_name(l), tensor({n_out}, layer.bias_offset(), layer.n_out));
  }

  std::string header_text;
  try {
    header_text = header.dump();
  } catch (const json::exception& e) {
    throw InvalidArgument(std::string("save_model: cannot encode the header: ") + e.what());
  }
  // Pad with spaces (JSON whitespace) so that the data section starts at a multiple of 8.
  header_text.append((8 - header_text.size() % 8) % 8, ' ');
  if (header_text.size() > kMaxHeaderBytes)
    throw InvalidArgument("save_model: the header would be " + std::to_string(header_text.size()) +
                          " bytes, more than load_model accepts (" +
                          std::to_string(kMaxHeaderBytes) +
                          "): the extra metadata (names of features and classes) is too large");

  const auto header_length = static_cast<std::uint64_t>(header_text.size());
  const auto data_bytes = static_cast<std::size_t>(net.parameters().size()) * sizeof(Scalar);
  std::string bytes(kHeaderLengthBytes + header_text.size() + data_bytes, '\0');
  std::memcpy(bytes.data(), &header_length, kHeaderLengthBytes);
  std::memcpy(bytes.data() + kHeaderLengthBytes, header_text.data(), header_text.size());
  if (data_bytes > 0)
    std::memcpy(bytes.data() + kHeaderLengthBytes + header_text.size(), net.parameters().data(),
                data_bytes);
  return bytes;
}

// ---------------------------------------------------------------------------------------------
// Loading

// Everything the metadata says about the network, validated.
struct Architecture {
  std::uint64_t inputs = 0;
  std::vector<LayerSpec> layers;
  Loss loss = Loss::sse;
  bool is_f64 = false;
  OptimizerSpec optimizer;
};

// Where one tensor's bytes lie in the data section, and where they go in the parameter buffer.
struct TensorSpan {
  std::string name;
  std::uint64_t begin = 0, end = 0;  // bytes, relative to the data section
  std::size_t layer = 0;
  bool is_bias = false;
};

class Loader {
 public:
  explicit Loader(const std::string& path) : path_(path) {}

  LoadedModel load() {
    std::ifstream in = open();
    const json header = read_header(in);
    const json& metadata = check_metadata(header);
    const Architecture arch = parse_architecture(metadata.at("architecture").get<std::string>());
    std::string extra = parse_extra(metadata);
    const std::vector<TensorSpan> spans = check_tensors(header, arch);
    // Every size is now known to be consistent with the file: reading allocates at most the
    // data section, which exists on disk.
    std::string data(static_cast<std::size_t>(data_bytes_), '\0');
    if (data_bytes_ > 0) read_exactly(in, data.data(), data_bytes_, "the tensor data");

    if (arch.is_f64) return {build<double>(arch, spans, data), std::move(extra), "f64"};
    return {build<float>(arch, spans, data), std::move(extra), "f32"};
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw ModelFileError(path_ + ": " + what);
  }

  std::ifstream open() {
    std::error_code ec;
    if (std::filesystem::is_directory(path_, ec)) fail("is a directory, not a model file");
    errno = 0;
    std::ifstream in(path_, std::ios::binary);
    if (!in) {
      const int error = errno;
      fail("cannot open the model file" + (error != 0 ? ": " + system_message(error) : ""));
    }
    in.seekg(0, std::ios::end);
    const std::streamoff size = in.tellg();
    if (!in || size < 0) fail("cannot read the model file (cannot determine its size)");
    in.seekg(0, std::ios::beg);
    file_bytes_ = static_cast<std::uint64_t>(size);
    return in;
  }

  void read_exactly(std::ifstream& in, char* out, std::uint64_t count, const char* what) {
    in.read(out, static_cast<std::streamsize>(count));
    if (static_cast<std::uint64_t>(in.gcount()) != count)
      fail(std::string("cannot read ") + what + (in.bad() ? ": read error" : ": unexpected end"));
  }

  json read_header(std::ifstream& in) {
    if (file_bytes_ == 0) fail("the file is empty, not a model file");
    if (file_bytes_ < kHeaderLengthBytes)
      fail("the file is too short to be a model (" + std::to_string(file_bytes_) +
           " bytes; a safetensors file starts with an 8-byte header length)");
    std::uint64_t length = 0;
    read_exactly(in, reinterpret_cast<char*>(&length), kHeaderLengthBytes, "the header length");
    if (length > kMaxHeaderBytes)
      fail("header length " + std::to_string(length) +
           " is implausibly large (over 100 MB): not a model file, or a damaged one");
    if (length > file_bytes_ - kHeaderLengthBytes)
      fail("header length " + std::to_string(length) + " exceeds the file size (" +
           std::to_string(file_bytes_) + " bytes): the file is truncated or damaged");
    data_bytes_ = file_bytes_ - kHeaderLengthBytes - length;

    std::string text(static_cast<std::size_t>(length), '\0');
    if (length > 0) read_exactly(in, text.data(), length, "the header");
    const json header = parse_json(text, "the header", kMaxHeaderValues);
    if (!header.is_object()) fail("the header is not a JSON object");
    return header;
  }

  // Parses one JSON text of the file (`what` names it), checking its bounds first.
  json parse_json(std::string_view text, const std::string& what,
                  std::uint64_t max_values = kMaxJsonValues) const {
    if (const auto problem = json_limit_problem(text, max_values))
      fail(what + " " + *problem + ": not a model file, or a damaged one");
    try {
      return json::parse(text);
    } catch (const json::exception& e) {
      fail(what + " is not valid JSON (damaged file?): " + e.what());
    } catch (const std::bad_alloc&) {
      fail(what + " (" + std::to_string(text.size()) +
           " bytes of JSON) needs more memory than this process may use");
    }
  }

  // Returns __metadata__ once it is known to describe an mlp model of a readable version.
  const json& check_metadata(const json& header) {
    const auto found = header.find(kMetadataKey);
    if (found == header.end())
      fail("not an mlp model: a safetensors file without __metadata__ (no \"format\": \"mlp\")");
    const json& metadata = *found;
    if (!metadata.is_object()) fail("__metadata__ is not a JSON object");
    for (const auto& [key, value] : metadata.items()) {
      if (!value.is_string())
        fail("__metadata__ value " + cited(key) +
             " is not a string (safetensors metadata holds strings only)");
    }
    const auto format = metadata.find("format");
    if (format == metadata.end())
      fail("not an mlp model: its safetensors metadata has no \"format\": \"mlp\"");
    if (format->get<std::string>() != kFormat)
      fail("not an mlp model: its safetensors metadata says format " +
           cited(format->get<std::string>()));
    const auto version = metadata.find("format_version");
    if (version == metadata.end()) fail("missing format_version in __metadata__");
    if (version->get<std::string>() != kFormatVersion)
      fail("unsupported format_version " + cited(version->get<std::string>()) +
           " (this build reads version " + kFormatVersion + ")");
    if (!metadata.contains("architecture")) fail("missing architecture in __metadata__");
    return metadata;
  }

  [[noreturn]] void bad_architecture(const std::string& what) const {
    fail("architecture: " + what);
  }

  const json& field(const json& object, const char* key, const std::string& where) const {
    const auto found = object.find(key);
    if (found == object.end()) bad_architecture(where + "missing '" + key + "'");
    return *found;
  }

  std::uint64_t positive_integer(const json& object, const char* key,
                                 const std::string& where) const {
    const json& value = field(object, key, where);
    if (!value.is_number_unsigned() || value.get<std::uint64_t>() == 0)
      bad_architecture(where + "'" + key + "' must be a positive integer, got " +
                       cited(value.dump()));
    const auto number = value.get<std::uint64_t>();
    if (number > static_cast<std::uint64_t>(std::numeric_limits<Index>::max()))
      bad_architecture(where + "'" + key + "' is too large: " + std::to_string(number));
    return number;
  }

  std::string string_field(const json& object, const char* key, const std::string& where) const {
    const json& value = field(object, key, where);
    if (!value.is_string()) bad_architecture(where + "'" + key + "' must be a string");
    return value.get<std::string>();
  }

  double finite_number(const json& object, const char* key, const std::string& where) const {
    const json& value = field(object, key, where);
    if (!value.is_number() || !std::isfinite(value.get<double>()))
      bad_architecture(where + "'" + key + "' must be a finite number");
    return value.get<double>();
  }

  Architecture parse_architecture(const std::string& text) {
    const json root = parse_json(text, "the architecture");
    if (!root.is_object()) fail("architecture is not a JSON object");

    Architecture arch;
    arch.inputs = positive_integer(root, "inputs", "");
    const json& layers = field(root, "layers", "");
    if (!layers.is_array() || layers.empty())
      bad_architecture("'layers' must be a non-empty array");
    if (layers.size() > kMaxLayers)
      bad_architecture(std::to_string(layers.size()) + " layers is more than this build reads (" +
                       std::to_string(kMaxLayers) + ")");
    for (std::size_t l = 0; l < layers.size(); ++l) {
      const std::string where = "layers[" + std::to_string(l) + "]: ";
      if (!layers[l].is_object()) bad_architecture(where + "not a JSON object");
      const std::uint64_t units = positive_integer(layers[l], "units", where);
      try {
        arch.layers.push_back({static_cast<Index>(units), activation_from_string(string_field(
                                                              layers[l], "activation", where))});
      } catch (const InvalidArgument& e) {
        bad_architecture(where + e.what());
      }
    }
    try {
      arch.loss = loss_from_string(string_field(root, "loss", ""));
    } catch (const InvalidArgument& e) {
      bad_architecture(e.what());
    }
    const std::string dtype = string_field(root, "dtype", "");
    if (dtype != DtypeNames<float>::model && dtype != DtypeNames<double>::model)
      bad_architecture("unsupported dtype " + cited(dtype) + " (expected f32 or f64)");
    arch.is_f64 = dtype == DtypeNames<double>::model;

    const json& optimizer = field(root, "optimizer", "");
    if (!optimizer.is_object()) bad_architecture("'optimizer' must be a JSON object");
    const std::string where = "optimizer: ";
    try {
      arch.optimizer.kind = optimizer_kind_from_string(string_field(optimizer, "kind", where));
      arch.optimizer.learning_rate = finite_number(optimizer, "learning_rate", where);
      arch.optimizer.momentum = finite_number(optimizer, "momentum", where);
      arch.optimizer.beta1 = finite_number(optimizer, "beta1", where);
      arch.optimizer.beta2 = finite_number(optimizer, "beta2", where);
      arch.optimizer.epsilon = finite_number(optimizer, "epsilon", where);
      validate(arch.optimizer);
    } catch (const InvalidArgument& e) {
      bad_architecture(where + e.what());
    }
    try {
      check_loss_matches_output(arch.loss, arch.layers.back().activation);
    } catch (const InvalidArgument& e) {
      bad_architecture(e.what());
    }
    return arch;
  }

  std::string parse_extra(const json& metadata) {
    const auto found = metadata.find("extra");
    if (found == metadata.end()) return "{}";
    std::string text = found->get<std::string>();
    const json extra = parse_json(text, "the extra metadata");
    if (!extra.is_object()) fail("the extra metadata is not a JSON object");
    return text;
  }

  // Checks every tensor entry against the architecture and the data section, and that the
  // tensors cover the data section exactly (no overlap, no gap, nothing after them).
  std::vector<TensorSpan> check_tensors(const json& header, const Architecture& arch) {
    const std::size_t n_layers = arch.layers.size();
    std::unordered_set<std::string> expected;
    for (std::size_t l = 0; l < n_layers; ++l) {
      for (const std::string& name : {weight_name(l), bias_name(l)}) {
        if (!header.contains(name)) fail("missing tensor " + cited(name));
        expected.insert(name);
      }
    }
    for (const auto& [name, entry] : header.items()) {
      if (name != kMetadataKey && !expected.contains(name))
        fail("unexpected tensor " + cited(name) + " (the architecture has " +
             std::to_string(n_layers) + " layers)");
    }

    const char* dtype = arch.is_f64 ? DtypeNames<double>::tensor : DtypeNames<float>::tensor;
    const std::uint64_t size = arch.is_f64 ? sizeof(double) : sizeof(float);
    std::vector<TensorSpan> spans;
    for (std::size_t l = 0; l < n_layers; ++l) {
      const std::uint64_t n_in =
          l == 0 ? arch.inputs : static_cast<std::uint64_t>(arch.layers[l - 1].units);
      const auto n_out = static_cast<std::uint64_t>(arch.layers[l].units);
      spans.push_back(check_tensor(header, weight_name(l), dtype, size, {n_in, n_out}));
      spans.back().layer = l;
      spans.push_back(check_tensor(header, bias_name(l), dtype, size, {n_out}));
      spans.back().layer = l;
      spans.back().is_bias = true;
    }

    std::vector<const TensorSpan*> by_offset;
    for (const TensorSpan& span : spans) by_offset.push_back(&span);
    std::sort(by_offset.begin(), by_offset.end(),
              [](const TensorSpan* a, const TensorSpan* b) { return a->begin < b->begin; });
    std::uint64_t covered = 0;
    const TensorSpan* previous = nullptr;
    for (const TensorSpan* span : by_offset) {
      if (span->begin < covered)
        fail("tensors " + cited(previous->name) + " and " + cited(span->name) +
             " overlap in the data section");
      if (span->begin > covered)
        fail("the data section has a gap of " + std::to_string(span->begin - covered) +
             " bytes before tensor " + cited(span->name));
      covered = span->end;
      previous = span;
    }
    if (covered < data_bytes_)
      fail("the data section has " + std::to_string(data_bytes_ - covered) +
           " bytes after the last tensor (trailing garbage)");
    return spans;
  }

  TensorSpan check_tensor(const json& header, const std::string& name, const char* dtype,
                          std::uint64_t dtype_size, const std::vector<std::uint64_t>& shape) {
    const json& entry = header.at(name);
    const std::string what = "tensor " + cited(name);
    if (!entry.is_object()) fail(what + " is not a JSON object");

    const auto found_dtype = entry.find("dtype");
    if (found_dtype == entry.end() || !found_dtype->is_string())
      fail(what + " has no dtype string");
    const auto tensor_dtype = found_dtype->get<std::string>();
    if (tensor_dtype != DtypeNames<float>::tensor && tensor_dtype != DtypeNames<double>::tensor)
      fail(what + " has unsupported dtype " + cited(tensor_dtype) + " (expected F32 or F64)");
    if (tensor_dtype != dtype)
      fail(what + " has dtype " + tensor_dtype + " but the architecture says " +
           (std::string(dtype) == DtypeNames<double>::tensor ? "f64" : "f32"));

    const auto found_shape = entry.find("shape");
    if (found_shape == entry.end() || !found_shape->is_array() ||
        !std::all_of(found_shape->begin(), found_shape->end(),
                     [](const json& d) { return d.is_number_unsigned(); }))
      fail(what + ": shape must be an array of non-negative integers");
    if (found_shape->size() != shape.size() ||
        !std::equal(
            shape.begin(), shape.end(), found_shape->begin(),
            [](std::uint64_t want, const json& got) { return got.get<std::uint64_t>() == want; }))
      fail(what + " has shape " + cited(found_shape->dump()) + " but the architecture needs " +
           shape_text(shape));

    const auto offsets = entry.find("data_offsets");
    if (offsets == entry.end() || !offsets->is_array() || offsets->size() != 2 ||
        !(*offsets)[0].is_number_unsigned() || !(*offsets)[1].is_number_unsigned())
      fail(what + ": data_offsets must be [begin, end] with non-negative integers");
    TensorSpan span;
    span.name = name;
    span.begin = (*offsets)[0].get<std::uint64_t>();
    span.end = (*offsets)[1].get<std::uint64_t>();
    if (span.begin > span.end)
      fail(what + ": data_offsets begin " + std::to_string(span.begin) + " is after end " +
           std::to_string(span.end));
    if (span.end > data_bytes_)
      fail(what + ": data_offsets end " + std::to_string(span.end) +
           " lies beyond the data section (" + std::to_string(data_bytes_) +
           " bytes): the file is truncated or damaged");

    std::optional<std::uint64_t> bytes = dtype_size;
    for (std::uint64_t d : shape)
      if (bytes) bytes = checked_multiply(*bytes, d);
    if (!bytes || span.end - span.begin != *bytes)
      fail(what + " holds " + std::to_string(span.end - span.begin) + " bytes but shape " +
           shape_text(shape) + " of " + dtype + " needs " +
           (bytes ? std::to_string(*bytes) : std::string("more than 2^64")));
    return span;
  }

  template <class Scalar>
  Sequential<Scalar> build(const Architecture& arch, const std::vector<TensorSpan>& spans,
                           const std::string& data) {
    Sequential<Scalar> net(static_cast<Index>(arch.inputs));
    net.add(arch.layers);
    Scalar* parameters = net.parameters().data();
    for (const TensorSpan& span : spans) {
      const DenseLayer& layer = net.layers()[span.layer];
      Scalar* destination = parameters + (span.is_bias ? layer.bias_offset() : layer.offset);
      const auto count = static_cast<std::size_t>(span.end - span.begin) / sizeof(Scalar);
      std::memcpy(destination, data.data() + span.begin, count * sizeof(Scalar));
      const Scalar* begin = destination;
      const Scalar* end = begin + count;
      const Scalar* bad = std::find_if(begin, end, [](Scalar v) { return !std::isfinite(v); });
      if (bad != end)
        fail("tensor " + cited(span.name) + " holds a non-finite value (" +
             (std::isnan(*bad) ? "NaN" : "infinity") + ") at element " +
             std::to_string(bad - begin));
    }
    try {
      net.compile(arch.loss, arch.optimizer);
    } catch (const InvalidArgument& e) {
      bad_architecture(e.what());
    }
    return net;
  }

  std::string path_;
  std::uint64_t file_bytes_ = 0;
  std::uint64_t data_bytes_ = 0;
};

template <class To, class From>
Sequential<To> convert(const Sequential<From>& source, const std::string& path) {
  Sequential<To> target(source.n_inputs());
  std::vector<LayerSpec> layers;
  for (const DenseLayer& layer : source.layers()) layers.push_back({layer.n_out, layer.activation});
  target.add(layers);
  target.parameters() = source.parameters().template cast<To>();
  if (!target.parameters().allFinite())
    throw ModelFileError(path + ": a parameter of the f64 model is too large for float");
  target.compile(source.loss(), source.optimizer());
  return target;
}

}  // namespace

template <class Scalar>
void save_model(const std::string& path, const Sequential<Scalar>& net,
                const std::string& extra_json) {
  write_file_atomically(path, serialize(net, extra_json));
}

LoadedModel load_model(const std::string& path) {
  return Loader(path).load();
}

template <class Scalar>
Sequential<Scalar> load_model_as(const std::string& path, std::string* extra_json) {
  LoadedModel model = load_model(path);
  if (extra_json != nullptr) *extra_json = std::move(model.extra_json);
  if (auto* same = std::get_if<Sequential<Scalar>>(&model.network)) return std::move(*same);
  if constexpr (std::is_same_v<Scalar, float>) {
    return convert<float>(std::get<Sequential<double>>(model.network), path);
  } else {
    return convert<double>(std::get<Sequential<float>>(model.network), path);
  }
}

template void save_model<float>(const std::string&, const Sequential<float>&, const std::string&);
template void save_model<double>(const std::string&, const Sequential<double>&, const std::string&);
template Sequential<float> load_model_as<float>(const std::string&, std::string*);
template Sequential<double> load_model_as<double>(const std::string&, std::string*);

}  // namespace mlp
