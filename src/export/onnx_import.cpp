#include "mlp/export/onnx_import.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <unordered_map>

#include "mlp/core/error.hpp"
#include "mlp/export/onnx_model.hpp"
#include "mlp/export/softmax_pair.hpp"

namespace mlp {

namespace {

using onnx::Attribute;
using onnx::Node;
using onnx::Tensor;

// One dense layer as read from the graph: W (n_in x n_out, row-major), b, f.
struct ReadLayer {
  Index n_in = 0, n_out = 0;
  std::vector<float> W, b;
  Activation activation = Activation::identity;
  bool activated = false;  // an activation node has been read for it
  bool bias_open = false;  // a MatMul without its Add yet
};

// The nodes that may follow the network to turn probabilities into labels or reshape outputs.
const std::set<std::string> kTail = {"ArgMax",   "ArrayFeatureExtractor",
                                     "ZipMap",   "Cast",
                                     "Reshape",  "LabelEncoder",
                                     "Identity", "Flatten",
                                     "Squeeze",  "Unsqueeze",
                                     "Shape",    "Gather",
                                     "Sub",      "Concat"};

std::string read_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw ModelFileError(path + ": no such file (or not a regular file)");
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) throw ModelFileError(path + ": cannot be read");
  return bytes;
}

const Attribute* find_attribute(const Node& n, const std::string& name) {
  for (const auto& a : n.attributes)
    if (a.name == name) return &a;
  return nullptr;
}

std::int64_t int_attribute(const Node& n, const std::string& name, std::int64_t fallback) {
  const Attribute* a = find_attribute(n, name);
  return a ? a->i : fallback;
}

// Follows the chain of an MLP through the graph, node by node from the input.
class ChainReader {
 public:
  ChainReader(const onnx::Graph& g, std::string path) : g_(g), path_(std::move(path)) {
    for (const Tensor& t : g.initializers) constants_[t.name] = t;
    for (std::size_t i = 0; i < g.nodes.size(); ++i) {
      const Node& n = g.nodes[i];
      if (n.op_type == "Constant" && n.outputs.size() == 1) {
        const Attribute* value = find_attribute(n, "value");
        if (value && value->kind == Attribute::Kind::tensor) {
          constants_[n.outputs[0]] = value->tensor.at(0);
          used_.insert(i);
        }
      }
    }
  }

  void read();
  std::vector<ReadLayer> layers;
  std::optional<StandardScaler<double>> scaler;
  std::vector<std::string> classes;
  // A regression's output in the target's units, y = y' * scale + mean (what mlp export writes).
  double target_scale = 1.0, target_mean = 0.0;
  bool unscaled() const { return unscaling_stage_ != 0; }

 private:
  [[noreturn]] void refuse(const Node& n, const std::string& why) const {
    throw ModelFileError(path_ + ": node '" + n.name + "' (" + n.op_type + ") " + why);
  }
  const Tensor* constant(const std::string& name) const {
    const auto it = constants_.find(name);
    return it == constants_.end() ? nullptr : &it->second;
  }
  const Tensor& float_constant(const Node& n, std::size_t input) const;
  std::string graph_input() const;
  bool step(const Node& n);
  void dense(const Node& n, const Tensor& W, bool transposed, const Tensor* bias);
  void activation(const Node& n, Activation a);
  void preprocessing(const Node& n);
  void target_unscaling(const Node& n);
  void check_tail();

  const onnx::Graph& g_;
  std::string path_;
  std::map<std::string, Tensor> constants_;
  std::set<std::size_t> used_;
  std::string tensor_;       // the chain's current tensor
  int scaling_stage_ = 0;    // 0: no preprocessing read, 1: its Sub, 2: its Div, Mul or Scaler
  int unscaling_stage_ = 0;  // 0: no target unscaling read, 1: its Mul, 2: its Add
};

const Tensor& ChainReader::float_constant(const Node& n, std::size_t input) const {
  const Tensor* t = input < n.inputs.size() ? constant(n.inputs[input]) : nullptr;
  if (!t || (t->type != onnx::DataType::float32 && t->type != onnx::DataType::float64))
    refuse(n, "needs a constant float tensor as input " + std::to_string(input + 1));
  return *t;
}

std::string ChainReader::graph_input() const {
  std::vector<const onnx::ValueInfo*> inputs;
  for (const auto& v : g_.inputs)
    if (!constants_.count(v.name)) inputs.push_back(&v);
  if (inputs.size() != 1) {
    std::string names;
    for (const auto* v : inputs) names += (names.empty() ? "'" : ", '") + v->name + "'";
    throw ModelFileError(path_ + ": the graph has " + std::to_string(inputs.size()) + " inputs (" +
                         names + "); an MLP takes one float tensor [N, features]");
  }
  if (inputs[0]->type != onnx::DataType::float32 && inputs[0]->type != onnx::DataType::float64)
    throw ModelFileError(path_ + ": the input '" + inputs[0]->name +
                         "' is not a float tensor (an MLP takes numbers)");
  return inputs[0]->name;
}

// The layer Z = X W + b: W (n_in x n_out), or its transpose when `transposed` (torch's Linear).
void ChainReader::dense(const Node& n, const Tensor& W, bool transposed, const Tensor* bias) {
  if (unscaled()) refuse(n, "comes after the output's y * scale + mean");
  if (W.dims.size() != 2) refuse(n, "has a weight tensor that is not a matrix");
  const Index rows = W.dims[0], cols = W.dims[1];
  if (rows <= 0 || cols <= 0) refuse(n, "has an empty weight matrix");
  ReadLayer layer;
  layer.n_in = transposed ? cols : rows;
  layer.n_out = transposed ? rows : cols;
  if (!layers.empty() && layers.back().n_out != layer.n_in)
    refuse(n, "takes " + std::to_string(layer.n_in) + " inputs but the layer before has " +
                  std::to_string(layers.back().n_out) + " outputs");
  layer.W.resize(static_cast<std::size_t>(rows * cols));
  for (Index i = 0; i < layer.n_in; ++i)
    for (Index j = 0; j < layer.n_out; ++j)
      layer.W[static_cast<std::size_t>(i * layer.n_out + j)] =
          W.floats[static_cast<std::size_t>(transposed ? j * cols + i : i * cols + j)];
  layer.b.assign(static_cast<std::size_t>(layer.n_out), 0.0F);
  if (bias) {
    if (bias->floats.size() != layer.b.size())
      refuse(n, "has a bias of " + std::to_string(bias->floats.size()) + " values for " +
                    std::to_string(layer.n_out) + " units");
    layer.b = bias->floats;
  }
  layer.bias_open = bias == nullptr && n.op_type == "MatMul";
  layers.push_back(std::move(layer));
}

void ChainReader::activation(const Node& n, Activation a) {
  if (unscaled()) refuse(n, "comes after the output's y * scale + mean");
  if (layers.empty() || layers.back().activated)
    refuse(n, "is not right after a dense layer (Gemm, or MatMul + Add)");
  if (a == Activation::softmax) {
    const std::int64_t axis = int_attribute(n, "axis", -1);
    if (axis != -1 && axis != 1)
      refuse(n, "normalises axis " + std::to_string(axis) + ", not the units");
  }
  layers.back().activation = a;
  layers.back().activated = true;
  layers.back().bias_open = false;
}

// Scaler (ai.onnx.ml: y = (x - offset) * scale), or Sub / Div / Mul by a constant, before the
// first layer: the model's standardisation x' = (x - mean) / scale.
// They must come in that order, each once: Sub then Div or Mul, or a Scaler alone; (x * s) - m
// is not a standardisation mlp can hold.
void ChainReader::preprocessing(const Node& n) {
  if (!layers.empty()) refuse(n, "is between layers (only an activation may be)");
  const int stage = n.op_type == "Sub" ? 1 : 2;  // what this node completes
  if ((n.op_type == "Scaler" && scaling_stage_ != 0) || stage <= scaling_stage_)
    refuse(n,
           "cannot be mapped to a standardisation (x - mean) / scale: mlp reads one Sub "
           "then one Div or Mul by constants, or one Scaler");
  scaling_stage_ = stage;
  if (!scaler) {
    scaler.emplace();
    scaler->mean = Vector<double>::Zero(1);
    scaler->scale = Vector<double>::Ones(1);
  }
  const auto values = [&](const std::vector<float>& v) {
    return Eigen::Map<const Eigen::VectorXf>(v.data(), static_cast<Index>(v.size()))
        .cast<double>()
        .eval();
  };
  if (n.op_type == "Scaler") {
    const Attribute* offset = find_attribute(n, "offset");
    const Attribute* scale = find_attribute(n, "scale");
    if (offset) scaler->mean = values(offset->floats);
    if (scale) scaler->scale = values(scale->floats).cwiseInverse();
  } else if (n.op_type == "Sub") {
    scaler->mean = values(float_constant(n, 1).floats);
  } else if (n.op_type == "Div") {
    scaler->scale = values(float_constant(n, 1).floats);
  } else {  // Mul
    scaler->scale = values(float_constant(n, 1).floats).cwiseInverse();
  }
}

// Mul then Add by one constant each after the last layer: a regression's output in the target's
// units, y = y' * scale + mean, as mlp export writes it; kept as the model's target scaling.
void ChainReader::target_unscaling(const Node& n) {
  const int stage = n.op_type == "Mul" ? 1 : 2;  // what this node completes
  if (stage <= unscaling_stage_)
    refuse(n,
           "cannot be mapped to the target's y * scale + mean: mlp reads one Mul then one Add "
           "by constants");
  const Tensor& c = float_constant(n, 1);
  if (c.floats.size() != 1)
    refuse(n, "holds " + std::to_string(c.floats.size()) +
                  " values; mlp reads one scale and one mean for its one output");
  const double v = c.floats[0];
  if (!std::isfinite(v) || (stage == 1 && !(v > 0)))
    refuse(n, "is not a finite " + std::string(stage == 1 ? "scale > 0" : "mean"));
  (stage == 1 ? target_scale : target_mean) = v;
  unscaling_stage_ = stage;
}

// One node of the chain; false when `n` is not part of the network (the chain has ended).
bool ChainReader::step(const Node& n) {
  const std::string& op = n.op_type;
  const bool first = n.inputs.size() > 0 && n.inputs[0] == tensor_;
  if (op == "Identity" || (op == "Cast" && int_attribute(n, "to", 0) == 1) ||
      (op == "Flatten" && layers.empty()))
    return true;  // passes the tensor through
  if (op == "Gemm" && first) {
    const Attribute* alpha = find_attribute(n, "alpha");
    const Attribute* beta = find_attribute(n, "beta");
    if (int_attribute(n, "transA", 0) != 0 || (alpha && alpha->f != 1.0F) ||
        (beta && beta->f != 1.0F))
      refuse(n, "scales or transposes its input (alpha, beta or transA)");
    dense(n, float_constant(n, 1), int_attribute(n, "transB", 0) == 1,
          n.inputs.size() > 2 ? &float_constant(n, 2) : nullptr);
  } else if (op == "MatMul" && first) {
    dense(n, float_constant(n, 1), false, nullptr);
  } else if (op == "Add" && !layers.empty() && layers.back().bias_open) {
    const Tensor& b = float_constant(n, first ? 1 : 0);
    if (b.floats.size() != static_cast<std::size_t>(layers.back().n_out))
      refuse(n, "adds " + std::to_string(b.floats.size()) + " values to " +
                    std::to_string(layers.back().n_out) + " units");
    layers.back().b = b.floats;
    layers.back().bias_open = false;
  } else if (op == "Relu" || op == "Tanh" || op == "Sigmoid" || op == "Softmax" || op == "Exp") {
    activation(n, op == "Relu"      ? Activation::relu
                  : op == "Tanh"    ? Activation::tanh
                  : op == "Sigmoid" ? Activation::sigmoid
                  : op == "Exp"     ? Activation::exponential
                                    : Activation::softmax);
  } else if (op == "Scaler" ||
             ((op == "Sub" || op == "Div" || op == "Mul") && first && layers.empty())) {
    preprocessing(n);
  } else if ((op == "Mul" || op == "Add") && first && !layers.empty() && !layers.back().bias_open) {
    target_unscaling(n);
  } else {
    return false;
  }
  return true;
}

void ChainReader::read() {
  tensor_ = graph_input();
  // The nodes reading each tensor, in graph order, and per tensor how many of them are used:
  // each step takes the first unused reader of the chain's tensor, so the walk is linear in the
  // graph's size whatever its shape (a damaged file cannot make it quadratic).
  std::unordered_map<std::string, std::vector<std::size_t>> readers;
  for (std::size_t i = 0; i < g_.nodes.size(); ++i)
    for (const auto& input : g_.nodes[i].inputs) {
      auto& list = readers[input];
      if (list.empty() || list.back() != i) list.push_back(i);
    }
  std::unordered_map<std::string, std::size_t> skipped;
  for (;;) {
    const auto found = readers.find(tensor_);
    if (found == readers.end()) break;
    std::size_t& k = skipped[tensor_];
    while (k < found->second.size() && used_.count(found->second[k])) ++k;
    if (k == found->second.size()) break;
    const std::size_t i = found->second[k];
    const Node& n = g_.nodes[i];
    if (n.outputs.size() != 1 || !step(n)) {
      if (layers.empty())
        refuse(n,
               "cannot be mapped to an MLP's preprocessing or first layer (mlp reads a "
               "Scaler, then Gemm or MatMul + Add)");
      break;
    }
    used_.insert(i);
    tensor_ = n.outputs[0];
  }
  if (layers.empty())
    throw ModelFileError(path_ + ": no dense layer (Gemm, or MatMul + Add) follows the input");
  check_tail();
}

// What follows the network may only compute labels; it names the classes when it can.
void ChainReader::check_tail() {
  const bool binary = layers.back().activation == Activation::sigmoid && layers.back().n_out == 1;
  for (std::size_t i = 0; i < g_.nodes.size(); ++i) {
    if (used_.count(i)) continue;
    const Node& n = g_.nodes[i];
    if (!kTail.count(n.op_type) || ((n.op_type == "Sub" || n.op_type == "Concat") && !binary))
      refuse(n,
             "cannot be mapped to an MLP (mlp reads chains of Gemm or MatMul + Add with "
             "Relu, Tanh, Sigmoid or Softmax, and a Scaler before them)");
    if (n.op_type == "ZipMap") {
      if (const Attribute* a = find_attribute(n, "classlabels_strings")) classes = a->strings;
      if (const Attribute* a = find_attribute(n, "classlabels_int64s")) {
        classes.clear();
        for (const auto v : a->ints) classes.push_back(std::to_string(v));
      }
    }
    if (n.op_type == "ArrayFeatureExtractor" && !n.inputs.empty())
      if (const Tensor* t = constant(n.inputs[0])) {
        classes = t->strings;
        if (t->type != onnx::DataType::string) {
          classes.clear();
          for (const auto v : t->ints) classes.push_back(std::to_string(v));
        }
      }
  }
}

// The classifier's classes: the graph's names, else "0", "1", ...; one per output, counting a
// single sigmoid unit as the two softmax units it becomes (with_softmax_pair).
void set_classes(const ReadLayer& last, std::vector<std::string>& classes,
                 const std::string& path) {
  const Index n_out = last.activation == Activation::sigmoid && last.n_out == 1 ? 2 : last.n_out;
  if (classes.empty())
    for (Index k = 0; k < n_out; ++k) classes.push_back(std::to_string(k));
  if (static_cast<Index>(classes.size()) != n_out)
    throw ModelFileError(path + ": the graph names " + std::to_string(classes.size()) +
                         " classes but the network has " + std::to_string(n_out) + " outputs");
}

// Whether `s` is UTF-8 text (a JSON string, as the model file's metadata stores it).
bool is_utf8(const std::string& s) {
  try {
    (void)nlohmann::json(s).dump();
    return true;
  } catch (const nlohmann::json::type_error&) {
    return false;
  }
}

// What the model file records besides the weights: task, names, scaler, where it came from.
ModelMetadata imported_metadata(const ChainReader& chain, const onnx::Model& proto, bool classifier,
                                const OnnxImportOptions& options, const std::string& path) {
  ModelMetadata meta;
  meta.task = classifier ? Task::classification : Task::regression;
  meta.target = options.target;
  if (classifier && chain.unscaled())
    throw ModelFileError(path +
                         ": the classifier's probabilities are scaled (Mul, Add) after "
                         "its last layer: they would no longer be probabilities");
  meta.target_scale = chain.target_scale;
  meta.target_mean = chain.target_mean;
  if (classifier) meta.class_names = chain.classes;
  for (const auto& name : meta.class_names)
    if (!is_utf8(name)) throw ModelFileError(path + ": a class name is not UTF-8 text");
  const Index n_in = chain.layers.front().n_in;
  meta.feature_names = options.feature_names;
  if (meta.feature_names.empty())
    for (Index i = 0; i < n_in; ++i)
      meta.feature_names.push_back(std::string("x").append(std::to_string(i)));
  if (static_cast<Index>(meta.feature_names.size()) != n_in)
    throw InvalidArgument("--feature-names: " + std::to_string(meta.feature_names.size()) +
                          " names for a network of " + std::to_string(n_in) + " inputs");
  for (const auto& name : meta.feature_names)
    if (!is_utf8(name)) throw InvalidArgument("--feature-names: a name is not UTF-8 text");
  if (chain.scaler) {
    StandardScaler<double> s = *chain.scaler;
    if (s.mean.size() == 1) s.mean = Vector<double>::Constant(n_in, s.mean(0));
    if (s.scale.size() == 1) s.scale = Vector<double>::Constant(n_in, s.scale(0));
    if (s.mean.size() != n_in || s.scale.size() != n_in || !(s.scale.array() > 0).all() ||
        !s.scale.allFinite() || !s.mean.allFinite())
      throw ModelFileError(path + ": the scaler before the first layer does not fit its " +
                           std::to_string(n_in) + " inputs (or has a scale that is not > 0)");
    meta.feature_scaler = s;
  }
  // The producer's text is the file's: bytes that are not UTF-8 become U+FFFD.
  meta.training_json =
      nlohmann::json{{"imported_from", std::filesystem::path(path).filename().string()},
                     {"producer", proto.producer_name + " " + proto.producer_version}}
          .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return meta;
}

}  // namespace

TrainedModel<float> import_onnx(const std::string& path, const OnnxImportOptions& options) {
  const onnx::Model proto = onnx::decode(read_file(path), path);
  ChainReader chain(proto.graph, path);
  chain.read();
  std::vector<ReadLayer>& layers = chain.layers;
  for (std::size_t l = 0; l + 1 < layers.size(); ++l)
    if (layers[l].activation == Activation::softmax)
      throw ModelFileError(path + ": a Softmax normalises hidden layer " + std::to_string(l + 1) +
                           " (mlp uses it only on the output)");
  const Activation out = layers.back().activation;
  const bool classifier = out == Activation::softmax || out == Activation::sigmoid;
  if (classifier)
    set_classes(layers.back(), chain.classes, path);
  else if (layers.back().n_out != 1)
    throw ModelFileError(path + ": a regression network with " +
                         std::to_string(layers.back().n_out) + " outputs (mlp predicts one value)");
  if (out == Activation::softmax && layers.back().n_out < 2)
    throw ModelFileError(path + ": a classifier with one softmax output (always 1): not a model");
  TrainedModel<float> model;
  model.network = Sequential<float>(layers.front().n_in);
  for (const ReadLayer& l : layers) model.network.add(l.n_out, l.activation);
  for (std::size_t l = 0; l < layers.size(); ++l) {
    std::copy(layers[l].W.begin(), layers[l].W.end(), model.network.weights(l).data());
    std::copy(layers[l].b.begin(), layers[l].b.end(), model.network.bias(l).data());
  }
  if (!model.network.parameters().allFinite())
    throw ModelFileError(path + ": a weight or bias is not a finite number");
  // A sigmoid output layer is a binary classifier's one unit (as scikit-learn's), or one unit per
  // label; mlp's classifiers have one output per class.
  if (out == Activation::sigmoid && layers.back().n_out == 1)
    model.network = with_softmax_pair(model.network);
  const Activation last = model.network.output_activation();
  model.network.compile(last == Activation::sigmoid       ? Loss::binary_crossentropy
                        : classifier                      ? Loss::categorical_crossentropy
                        : last == Activation::exponential ? Loss::poisson
                                                          : Loss::mse,
                        OptimizerSpec{});
  model.metadata = imported_metadata(chain, proto, classifier, options, path);
  return model;
}

}  // namespace mlp
