#include "mlp/export/c_export.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <system_error>

#include "mlp/core/atomic_file.hpp"
#include "mlp/core/error.hpp"

namespace mlp {

namespace {

// The C99 keywords (a prefix equal to one would make `NAME_...` fine but the files odd; more
// to the point, the header guard and names must be identifiers).
constexpr std::array<const char*, 37> kKeywords = {
    "auto",     "break",  "case",   "char",     "const",     "continue", "default",  "do",
    "double",   "else",   "enum",   "extern",   "float",     "for",      "goto",     "if",
    "inline",   "int",    "long",   "register", "restrict",  "return",   "short",    "signed",
    "sizeof",   "static", "struct", "switch",   "typedef",   "union",    "unsigned", "void",
    "volatile", "while",  "_Bool",  "_Complex", "_Imaginary"};

void check_identifier(const std::string& name) {
  const auto ok = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  };
  if (name.empty() || (name[0] >= '0' && name[0] <= '9') ||
      !std::all_of(name.begin(), name.end(), ok))
    throw InvalidArgument("the name '" + name +
                          "' is not a C identifier (use letters, digits and '_', not starting "
                          "with a digit)");
  if (std::find(kKeywords.begin(), kKeywords.end(), name) != kKeywords.end())
    throw InvalidArgument("the name '" + name + "' is a C keyword: choose another prefix");
}

// A float as a C literal that reads back to the same float: the shortest round-trip digits,
// with a point or exponent so that the 'f' suffix makes a floating constant.
std::string float_literal(float value) {
  std::array<char, 32> text{};
  const auto end = std::to_chars(text.data(), text.data() + text.size(), value).ptr;
  std::string s(text.data(), end);
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s + "f";
}

// `static const float NAME[n] = {...};`, eight values a line; adds its bytes to `flash`.
template <class Values>
std::string const_array(const std::string& name, const Values& values, const std::string& comment,
                        std::size_t& flash) {
  const auto n = static_cast<std::size_t>(values.size());
  std::string out =
      "/* " + comment + " */\nstatic const float " + name + "[" + std::to_string(n) + "] = {";
  for (std::size_t i = 0; i < n; ++i) {
    out += (i % 8 == 0 ? "\n    " : " ") +
           float_literal(static_cast<float>(values.data()[static_cast<Index>(i)]));
    if (i + 1 < n) out += ",";
  }
  flash += n * sizeof(float);
  return out + "\n};\n\n";
}

// A layer's weights as `static const float NAME[]`, or as int8 `static const signed char
// NAME[]` with `static const float NAME_scale` (quantize_int8).
template <class Weights>
std::string weight_arrays(const std::string& name, const Weights& W, CWeights kind,
                          const std::string& comment, std::size_t& flash) {
  if (kind == CWeights::float32) return const_array(name, W, comment, flash);
  std::vector<float> w(static_cast<std::size_t>(W.size()));
  for (std::size_t i = 0; i < w.size(); ++i)
    w[i] = static_cast<float>(W.data()[static_cast<Index>(i)]);
  const Int8Weights q = quantize_int8(w);
  std::string out = "/* " + comment + ", int8: w = q * " + name + "_scale */\nstatic const float " +
                    name + "_scale = " + float_literal(q.scale) + ";\nstatic const signed char " +
                    name + "[" + std::to_string(q.q.size()) + "] = {";
  for (std::size_t i = 0; i < q.q.size(); ++i)
    out +=
        (i % 16 == 0 ? "\n    " : " ") + std::to_string(q.q[i]) + (i + 1 < q.q.size() ? "," : "");
  flash += q.q.size() + sizeof(float);
  return out + "\n};\n\n";
}

// Text safe inside a C comment: no "*/" and no line break.
std::string comment_text(std::string s) {
  for (std::size_t at = s.find("*/"); at != std::string::npos; at = s.find("*/", at))
    s.replace(at, 2, "* /");
  std::replace(s.begin(), s.end(), '\n', ' ');
  std::replace(s.begin(), s.end(), '\r', ' ');
  return s;
}

// The helper functions the network uses (only those: an unused static function is a warning).
std::string helper_functions(const std::string& p, bool int8, bool sigmoid, bool softmax) {
  std::string out =
      int8
          ? "/* z_j = b_j + s * sum_i x_i q_ij: the linear function with int8 weights w_ij = s "
            "q_ij\n   (symmetric, one scale s per layer) and float accumulators. */\nstatic void " +
                p +
                "_dense_q8(const float *x, int n_in, const signed char *q, float s, const float "
                "*b,\n                      int n_out, float *z) {\n"
                "  int i, j;\n"
                "  for (j = 0; j < n_out; ++j) z[j] = 0.0f;\n"
                "  for (i = 0; i < n_in; ++i)\n"
                "    for (j = 0; j < n_out; ++j) z[j] += x[i] * (float)q[i * n_out + j];\n"
                "  for (j = 0; j < n_out; ++j) z[j] = b[j] + s * z[j];\n"
                "}\n\n"
          : "/* The chapter's linear function: z_j = b_j + sum_i x_i w_ij, W (n_in x n_out) "
            "row-major. */\nstatic void " +
                p +
                "_dense(const float *x, int n_in, const float *w, const float *b, int n_out, "
                "float *z) {\n"
                "  int i, j;\n"
                "  for (j = 0; j < n_out; ++j) z[j] = b[j];\n"
                "  for (i = 0; i < n_in; ++i)\n"
                "    for (j = 0; j < n_out; ++j) z[j] += x[i] * w[i * n_out + j];\n"
                "}\n\n";
  if (sigmoid)
    out +=
        "/* sigma(z) = 1 / (1 + e^-z), with e^z / (1 + e^z) for z < 0 so that no exp "
        "overflows. */\nstatic float " +
        p +
        "_sigmoid(float z) {\n"
        "  float e;\n"
        "  if (z >= 0.0f) return 1.0f / (1.0f + expf(-z));\n"
        "  e = expf(z);\n"
        "  return e / (1.0f + e);\n"
        "}\n\n";
  if (softmax)
    out += "/* a_i = e^(z_i - max z) / sum_j e^(z_j - max z), in place. */\nstatic void " + p +
           "_softmax(float *a, int n) {\n"
           "  float largest = a[0], sum = 0.0f;\n"
           "  int i;\n"
           "  for (i = 1; i < n; ++i) largest = a[i] > largest ? a[i] : largest;\n"
           "  for (i = 0; i < n; ++i) {\n"
           "    a[i] = expf(a[i] - largest);\n"
           "    sum += a[i];\n"
           "  }\n"
           "  for (i = 0; i < n; ++i) a[i] /= sum;\n"
           "}\n\n";
  return out;
}

// The statement that applies `activation` to the n values at `a`, in place.
std::string activation_statement(const std::string& p, Activation activation, Index n,
                                 const std::string& a) {
  const std::string loop = "  for (i = 0; i < " + std::to_string(n) + "; ++i) ";
  switch (activation) {
    case Activation::sigmoid:
      return loop + a + "[i] = " + p + "_sigmoid(" + a + "[i]);\n";
    case Activation::tanh:
      return loop + a + "[i] = tanhf(" + a + "[i]);\n";
    case Activation::relu:
      return loop + a + "[i] = " + a + "[i] > 0.0f ? " + a + "[i] : 0.0f;\n";
    case Activation::softmax:
      return "  " + p + "_softmax(" + a + ", " + std::to_string(n) + ");\n";
    case Activation::identity:
      return "";
    case Activation::exponential:
      return loop + a + "[i] = expf(" + a + "[i]);\n";
  }
  return "";
}

// The prototype of the entry point, as the header declares it.
std::string prototype(const std::string& p, CScratch scratch) {
  return "void " + p + "_predict_proba(const float *x, float *out" +
         (scratch == CScratch::caller ? ", float *scratch)" : ")");
}

// The comment at the top of the header: what goes in and out, and the memory.
template <class Scalar>
std::string header_comment(const TrainedModel<Scalar>& model, const CExportOptions& o,
                           const CSource& c) {
  const auto& net = model.network;
  const auto& meta = model.metadata;
  std::string s = "/* " + o.name +
                  ".h: " + (o.source.empty() ? std::string("a model") : comment_text(o.source)) +
                  " exported by `mlp export --format c` (C99, float32, only <math.h>).\n *\n";
  s += " * Network: " + std::to_string(net.n_inputs()) + " inputs";
  for (const auto& layer : net.layers())
    s += " -> " + std::to_string(layer.n_out) + " " + std::string(to_string(layer.activation));
  if (o.weights == CWeights::int8) s += " (int8 weights, one float scale per layer)";
  s += "\n * Inputs (x[i]: the features as mlp reads them, standardised inside):\n";
  for (std::size_t i = 0; i < meta.feature_names.size(); ++i)
    s += " *   " + std::to_string(i) + "  " + comment_text(meta.feature_names[i]) + "\n";
  if (meta.task == Task::classification) {
    s += " * Outputs (out[k]: the probability of each class):\n";
    for (std::size_t k = 0; k < meta.class_names.size(); ++k)
      s += " *   " + std::to_string(k) + "  " + comment_text(meta.class_names[k]) + "\n";
  } else {
    s += " * Output: out[0], the predicted " +
         (meta.target.empty() ? std::string("value") : comment_text(meta.target)) +
         " in the target's units.\n";
  }
  s += " * Memory: flash " + std::to_string(c.flash_bytes) +
       " bytes of constants (weights, biases, scaler) plus the code;\n *         RAM " +
       std::to_string(c.ram_bytes) + " bytes of scratch (" +
       (o.scratch == CScratch::caller ? "the caller's buffer"
                                      : "a static buffer in " + o.name + ".c") +
       ") plus a few locals.\n */\n";
  return s;
}

// The body of NAME_predict_proba: standardise into the first buffer, then each layer from one
// buffer into the other (the last one into out).
// width: the floats of each of the two scratch buffers (0: none needed).
template <class Scalar>
std::string predict_body(const TrainedModel<Scalar>& model, const std::string& p, Index width,
                         bool int8, CScratch scratch) {
  const auto& net = model.network;
  const auto& meta = model.metadata;
  const std::string n_in = std::to_string(net.n_inputs());
  std::string s;
  if (meta.feature_scaler)
    s +=
        "  /* x' = (x - mean) / scale, the training data's standardisation */\n  for (i = 0; i < " +
        n_in + "; ++i) buffers[0][i] = (x[i] - " + p + "_mean[i]) / " + p + "_scale[i];\n";

  for (std::size_t l = 0; l < net.layers().size(); ++l) {
    const DenseLayer& layer = net.layers()[l];
    const bool last = l + 1 == net.layers().size();
    const std::string in =
        l == 0 && !meta.feature_scaler ? "x" : "buffers[" + std::to_string(l % 2) + "]";
    const std::string out = last ? "out" : "buffers[" + std::to_string((l + 1) % 2) + "]";
    const std::string L = std::to_string(l);
    s += "  " + p + (int8 ? "_dense_q8(" : "_dense(") + in + ", " + std::to_string(layer.n_in) +
         ", " + p + "_w" + L + (int8 ? ", " + p + "_w" + L + "_scale" : "") + ", " + p + "_b" + L +
         ", " + std::to_string(layer.n_out) + ", " + out + ");\n";
    s += activation_statement(p, layer.activation, layer.n_out, out);
  }
  if (meta.task == Task::regression)
    s += "  out[0] = out[0] * " + float_literal(static_cast<float>(meta.target_scale)) + " + " +
         float_literal(static_cast<float>(meta.target_mean)) + "; /* in the target's units */\n";
  // Declare only what is used: -Wall -Wextra -Werror rejects an unused variable or parameter.
  std::string declarations = width > 0 ? "  float *buffers[2];\n" : "";
  if (s.find("(i = 0;") != std::string::npos) declarations += "  int i;\n";
  if (width > 0)
    declarations += (scratch == CScratch::static_buffer ? "  float *scratch = " + p + "_scratch;\n"
                                                        : std::string()) +
                    "  buffers[0] = scratch;\n  buffers[1] = scratch + " + std::to_string(width) +
                    ";\n";
  else if (scratch == CScratch::caller)
    declarations += "  (void)scratch; /* this network needs none */\n";
  return declarations + s;
}

// The folder `dir`, created with its missing parents (as `mkdir -p`) when it does not exist;
// Error naming it when it is a file or cannot be created.
void make_folder(const std::string& dir) {
  std::error_code error;
  if (std::filesystem::exists(dir, error) && !std::filesystem::is_directory(dir, error))
    throw Error("'" + dir + "' is a file: the C export writes NAME.h and NAME.c into a folder");
  std::filesystem::create_directories(dir, error);
  if (error)
    throw Error("cannot create the output folder '" + dir + "': " + error.message() +
                " (choose a folder you can write to)");
}

}  // namespace

Int8Weights quantize_int8(const std::vector<float>& w) {
  Int8Weights out;
  float largest = 0.0F;
  for (const float v : w) largest = std::max(largest, std::abs(v));
  out.scale = largest > 0.0F ? largest / 127.0F : 1.0F;
  out.q.reserve(w.size());
  for (const float v : w)
    out.q.push_back(static_cast<std::int8_t>(std::clamp(std::lround(v / out.scale), -127L, 127L)));
  return out;
}

template <class Scalar>
CSource c_source(const TrainedModel<Scalar>& model, const CExportOptions& o) {
  check_identifier(o.name);
  const auto& net = model.network;
  const std::string& p = o.name;
  CSource c;
  std::string arrays;
  if (model.metadata.feature_scaler) {
    arrays += const_array(p + "_mean", model.metadata.feature_scaler->mean, "feature means",
                          c.flash_bytes);
    arrays += const_array(p + "_scale", model.metadata.feature_scaler->scale, "feature scales",
                          c.flash_bytes);
  }
  // The scratch: two buffers as wide as the widest hidden layer, and as the input when it is
  // standardised there (else the first layer reads x itself).
  Index width = model.metadata.feature_scaler ? net.n_inputs() : 0;
  bool sigmoid = false, softmax = false;
  for (std::size_t l = 0; l < net.layers().size(); ++l) {
    const DenseLayer& layer = net.layers()[l];
    const std::string L = std::to_string(l);
    arrays +=
        weight_arrays(p + "_w" + L, net.weights(l), o.weights,
                      "layer " + std::to_string(l + 1) + " weights, " + std::to_string(layer.n_in) +
                          " x " + std::to_string(layer.n_out) + " row-major",
                      c.flash_bytes);
    arrays += const_array(p + "_b" + L, net.bias(l), "layer " + std::to_string(l + 1) + " bias",
                          c.flash_bytes);
    if (l + 1 < net.layers().size()) width = std::max(width, layer.n_out);
    sigmoid = sigmoid || layer.activation == Activation::sigmoid;
    softmax = softmax || layer.activation == Activation::softmax;
  }
  // A single layer on raw x needs no buffer at all.
  if (!model.metadata.feature_scaler && net.layers().size() == 1) width = 0;
  const std::string scratch_floats = std::to_string(std::max<Index>(2 * width, 1));
  c.ram_bytes = static_cast<std::size_t>(2 * width) * sizeof(float);
  const std::string guard = p + "_H_INCLUDED";
  c.header = header_comment(model, o, c) + "#ifndef " + guard + "\n#define " + guard +
             "\n\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n#define " + p + "_N_INPUTS " +
             std::to_string(net.n_inputs()) + "\n#define " + p + "_N_OUTPUTS " +
             std::to_string(net.n_outputs()) + "\n";
  if (o.scratch == CScratch::caller)
    c.header += "/* The floats of the scratch buffer NAME_predict_proba needs. */\n#define " + p +
                "_SCRATCH_FLOATS " + scratch_floats + "\n";
  c.header += "\n/* x: " + p + "_N_INPUTS features; out: " + p + "_N_OUTPUTS values. */\n" +
              prototype(p, o.scratch) + ";\n\n#ifdef __cplusplus\n}\n#endif\n\n#endif\n";
  c.source = "/* " + p + ".c: generated by `mlp export --format c`; see " + p +
             ".h. */\n#include \"" + p + ".h\"\n\n#include <math.h>\n\n" + arrays;
  if (o.scratch == CScratch::static_buffer && width > 0)
    c.source += "static float " + p + "_scratch[" + scratch_floats + "];\n\n";
  const bool int8 = o.weights == CWeights::int8;
  c.source += helper_functions(p, int8, sigmoid, softmax) + prototype(p, o.scratch) + " {\n";
  c.source += predict_body(model, p, width, int8, o.scratch) + "}\n";
  return c;
}

template <class Scalar>
CSource export_c(const TrainedModel<Scalar>& model, const CExportOptions& options,
                 const std::string& dir) {
  CSource c = c_source(model, options);
  make_folder(dir);
  const std::filesystem::path folder(dir);
  write_file_atomically((folder / (options.name + ".h")).string(), c.header);
  write_file_atomically((folder / (options.name + ".c")).string(), c.source);
  return c;
}

template CSource c_source(const TrainedModel<float>&, const CExportOptions&);
template CSource c_source(const TrainedModel<double>&, const CExportOptions&);
template CSource export_c(const TrainedModel<float>&, const CExportOptions&, const std::string&);
template CSource export_c(const TrainedModel<double>&, const CExportOptions&, const std::string&);

}  // namespace mlp
