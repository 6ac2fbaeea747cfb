#include "mlp/learn/explain.hpp"

#include <cmath>
#include <cstdio>
#include <string>

#include "mlp/core/error.hpp"
#include "mlp/nn/dense.hpp"
#include "mlp/nn/workspace.hpp"

namespace mlp {

namespace {

// Index letters of the layers, output layer first (the chapter's j, k; then more for deeper
// networks). The inputs are always i.
constexpr char kLetters[] = "jkmnpqrstuvw";

std::string layer_label(std::size_t from_output) {
  return from_output == 0 ? "L" : "L-" + std::to_string(from_output);
}

}  // namespace

Explanation explain_step(const Sequential<double>& net, const RowVector<double>& x,
                         const RowVector<double>& y, double eta) {
  if (net.layers().empty()) throw InvalidArgument("explain: the network has no layers");
  if (!(eta > 0.0) || !std::isfinite(eta))
    throw InvalidArgument("explain: the learning rate must be a positive number");
  const Matrix<double> X = x, Y = y;
  net.check_shapes(X, Y, "explain example");
  const std::size_t count = net.layers().size();
  if (count >= sizeof kLetters)
    throw InvalidArgument("explain: at most " + std::to_string(sizeof kLetters - 1) +
                          " layers can be written out");

  Explanation e;
  e.x = x;
  e.y = y;
  e.loss = net.loss();
  e.learning_rate = eta;
  e.fused_output = has_fused_output_gradient(net.loss(), net.output_activation());

  // Forward and backward pass, as training does them.
  Sequential<double> work = net;
  work.compile(net.loss(), OptimizerSpec::gradient_descent(eta));
  Workspace<double> ws;
  e.error = work.compute_gradients(X, Y, ws);

  // The update, as training does it: one epoch of full-batch gradient descent on the example.
  Sequential<double> stepped = net;
  stepped.compile(net.loss(), OptimizerSpec::gradient_descent(eta));
  FitOptions options;
  options.epochs = 1;
  stepped.fit(X, Y, options);

  for (std::size_t l = 0; l < count; ++l) {
    const DenseLayer& layer = net.layers()[l];
    const std::size_t from_output = count - 1 - l;
    ExplainedLayer out;
    out.label = layer_label(from_output);
    out.unit = kLetters[from_output];
    out.source = l == 0 ? 'i' : kLetters[from_output + 1];
    out.activation = layer.activation;
    out.W = net.weights(l);
    out.b = net.bias(l);
    out.input = l == 0 ? x : RowVector<double>(ws.A(l - 1, 1));
    out.z = ws.Z(l, 1);
    out.a = ws.A(l, 1);
    out.dE_dz = ws.dZ(l, 1);
    out.dE_dW = work.weight_gradients(l);
    out.dE_db = work.bias_gradients(l);
    out.W_new = stepped.weights(l);
    out.b_new = stepped.bias(l);

    Matrix<double> dA(1, layer.n_out);
    if (l + 1 == count) {
      loss_gradient<double>(net.loss(), ws.A(l, 1), Y, dA);
    } else {
      // The chapter's sum over the next layer's units: dE/da_k = sum_j dE/dz_j w_jk.
      const auto W_next = net.weights(l + 1);
      const auto dZ_next = ws.dZ(l + 1, 1);
      dense_backward_input<double>(dZ_next, W_next, dA);
      out.dE_da_terms.resize(layer.n_out, W_next.cols());
      for (Index k = 0; k < layer.n_out; ++k)
        for (Index j = 0; j < W_next.cols(); ++j)
          out.dE_da_terms(k, j) = dZ_next(0, j) * W_next(k, j);
    }
    out.dE_da = dA;
    if (layer.activation != Activation::softmax) {
      const Matrix<double> ones = Matrix<double>::Ones(1, layer.n_out);
      Matrix<double> derivative(1, layer.n_out);
      activation_backward<double>(layer.activation, ws.Z(l, 1), ws.A(l, 1), ones, derivative);
      out.da_dz = derivative;
    }
    e.layers.push_back(std::move(out));
  }
  return e;
}

namespace {

// Formatting shared by the text and Markdown forms.
class Writer {
 public:
  Writer(const Explanation& e, int digits, bool markdown) : e_(e), digits_(digits), md_(markdown) {}

  std::string num(double v) const {
    char text[48];
    std::snprintf(text, sizeof text, "%.*g", digits_, v);
    return text;
  }
  // A number as a factor of a product: negative numbers in parentheses.
  std::string factor(double v) const { return v < 0 ? "(" + num(v) + ")" : num(v); }

  std::string times() const { return md_ ? " × " : " * "; }
  std::string d(const std::string& of, const std::string& by) const {
    return md_ ? "∂" + of + "/∂" + by : "d" + of + "/d" + by;
  }

  // Indices are 1-based, as in the chapter; two indices get a comma when one has two digits.
  static std::string pair(Index a, Index b) {
    const bool wide = a >= 9 || b >= 9;
    return std::to_string(a + 1) + (wide ? "," : "") + std::to_string(b + 1);
  }
  std::string sup(const std::string& label) const {
    return md_ ? "<sup>(" + label + ")</sup>" : "(" + label + ")";
  }
  std::string sub(const std::string& index) const {
    return md_ ? "<sub>" + index + "</sub>" : "_" + index;
  }

  // Names in the chapter's notation.
  std::string z(const ExplainedLayer& L, const std::string& j) const {
    return "z" + sub(j) + sup(L.label);
  }
  std::string a(const ExplainedLayer& L, const std::string& j) const {
    return "a" + sub(j) + sup(L.label);
  }
  std::string w(const ExplainedLayer& L, const std::string& jk) const {
    return "w" + sub(jk) + sup(L.label);
  }
  std::string b(const ExplainedLayer& L, const std::string& j) const {
    return "b" + sub(j) + sup(L.label);
  }
  // The input k of a layer: x_k for the first layer, else a_k of the previous layer.
  std::string input(std::size_t l, const std::string& k) const {
    if (l == 0) return "x" + sub(k);
    return a(e_.layers[l - 1], k);
  }
  std::string y(const std::string& j) const { return "y" + sub(j); }

  std::string activation_name(Activation act) const { return std::string(to_string(act)); }

  // da/dz of a unit as a formula in a (and z for ReLU).
  std::string derivative_formula(const ExplainedLayer& L, const std::string& j) const {
    switch (L.activation) {
      case Activation::sigmoid:
        return a(L, j) + " (1 - " + a(L, j) + ")";
      case Activation::tanh:
        return "1 - " + a(L, j) + "^2";
      case Activation::relu:
        return "1 if " + z(L, j) + " > 0, else 0";
      case Activation::identity:
        return "1";
      case Activation::softmax:
        break;
      default:  // the table's formula
        return std::string(activation_info(L.activation).derivative);
    }
    return "";
  }
  std::string derivative_numbers(const ExplainedLayer& L, Index j) const {
    const double av = L.a(j);
    switch (L.activation) {
      case Activation::sigmoid:
        return num(av) + times() + "(1 - " + num(av) + ")";
      case Activation::tanh:
        return "1 - " + factor(av) + "^2";
      default:
        return "";
    }
  }

  // dE/da of an output unit: formula and the numbers put in.
  std::string loss_gradient_formula(const ExplainedLayer& L, const std::string& j) const {
    const std::string K = std::to_string(L.a.size());
    switch (e_.loss) {
      case Loss::sse:
        return a(L, j) + " - " + y(j);
      case Loss::mse:
        return "2 (" + a(L, j) + " - " + y(j) + ") / " + K;
      case Loss::binary_crossentropy:
        return "(" + a(L, j) + " - " + y(j) + ") / (" + a(L, j) + " (1 - " + a(L, j) + ")) / " + K;
      case Loss::categorical_crossentropy:
        return "-" + y(j) + " / " + a(L, j);
      case Loss::poisson:
        return "(1 - " + y(j) + " / " + a(L, j) + ") / " + K;
    }
    return "";
  }
  std::string loss_gradient_numbers(const ExplainedLayer& L, Index j) const {
    const std::string av = num(L.a(j)), yv = num(e_.y(j));
    const std::string K = std::to_string(L.a.size());
    switch (e_.loss) {
      case Loss::sse:
        return av + " - " + yv;
      case Loss::mse:
        return "2 (" + av + " - " + yv + ") / " + K;
      case Loss::binary_crossentropy:
        return "(" + av + " - " + yv + ") / (" + av + times() + "(1 - " + av + ")) / " + K;
      case Loss::categorical_crossentropy:
        return "-" + yv + " / " + av;
      case Loss::poisson:
        return "(1 - " + yv + " / " + av + ") / " + K;
    }
    return "";
  }

  std::string error_formula() const {
    const ExplainedLayer& L = e_.layers.back();
    const std::string K = std::to_string(L.a.size());
    const std::string sum = md_ ? "Σ<sub>j</sub> " : "sum_j ";
    switch (e_.loss) {
      case Loss::sse:
        return "1/2 " + sum + "(" + a(L, "j") + " - " + y("j") + ")^2";
      case Loss::mse:
        return "1/" + K + " " + sum + "(" + a(L, "j") + " - " + y("j") + ")^2";
      case Loss::binary_crossentropy:
        return "-1/" + K + " " + sum + "[" + y("j") + " log " + a(L, "j") + " + (1 - " + y("j") +
               ") log(1 - " + a(L, "j") + ")]";
      case Loss::categorical_crossentropy:
        return "-" + sum + y("j") + " log " + a(L, "j");
      case Loss::poisson:
        return "1/" + K + " " + sum + "[" + a(L, "j") + " - " + y("j") + " + " + y("j") + " log(" +
               y("j") + " / " + a(L, "j") + ")]";
    }
    return "";
  }
  std::string error_numbers() const {
    const ExplainedLayer& L = e_.layers.back();
    if (e_.loss != Loss::sse && e_.loss != Loss::mse) return "";
    std::string terms;
    for (Index j = 0; j < L.a.size(); ++j)
      terms += (j ? " + " : "") + std::string("(") + num(L.a(j)) + " - " + num(e_.y(j)) + ")^2";
    const std::string scale = e_.loss == Loss::sse ? "1/2" : "1/" + std::to_string(L.a.size());
    return scale + " [" + terms + "]";
  }

  std::string vector_text(const RowVector<double>& v) const {
    std::string text = "(";
    for (Index i = 0; i < v.size(); ++i) text += (i ? ", " : "") + num(v(i));
    return text + ")";
  }

  std::string network_summary() const {
    std::string shape = std::to_string(e_.x.size());
    for (const auto& L : e_.layers) shape += "-" + std::to_string(L.a.size());
    std::string layers;
    for (const auto& L : e_.layers)
      layers += (layers.empty() ? "" : ", ") + std::string("(") + L.label + ") " +
                std::to_string(L.a.size()) + " " + activation_name(L.activation) +
                (L.a.size() == 1 ? " unit" : " units");
    return shape + " network: " + layers + "; " + std::string(to_string(e_.loss)) +
           " loss; eta = " + num(e_.learning_rate);
  }

  // The chapter's index conventions, as two lines.
  std::string notation() const {
    std::string text = "notation (the chapter's): ";
    for (std::size_t l = e_.layers.size(); l-- > 0;) {
      const ExplainedLayer& L = e_.layers[l];
      text += std::string(1, L.unit) + " indexes the units of (" + L.label + "), ";
    }
    text += "i the inputs x;\n";
    const ExplainedLayer& L = e_.layers.back();
    const std::string j(1, L.unit), k(1, L.source);
    text += "w_" + j + k + "(" + L.label + ") is the weight to unit " + j + " of (" + L.label +
            ") from unit " + k + " of the layer before (the library's W(" + L.label + ")[" + k +
            "][" + j + "], n_in x n_out)";
    return text;
  }

 private:
  const Explanation& e_;
  int digits_;
  bool md_;
};

std::string idx(Index i) {
  return std::to_string(i + 1);
}

// The text's lines, each ended by a newline.
struct Lines {
  std::string out;
  void operator()(const std::string& text) { out += text + "\n"; }
};

// Part 1 of the text: z and a of each unit, first layer first.
void text_forward_pass(const Writer& W, const Explanation& e, Lines& line) {
  line("1. Forward pass: z = b + sum of inputs times weights, a = f(z)");
  for (std::size_t l = 0; l < e.layers.size(); ++l) {
    const ExplainedLayer& L = e.layers[l];
    line("layer (" + L.label + "), " + W.activation_name(L.activation));
    for (Index j = 0; j < L.z.size(); ++j) {
      std::string formula = W.b(L, idx(j)), numbers = W.num(L.b(j));
      for (Index k = 0; k < L.input.size(); ++k) {
        formula += " + " + W.input(l, idx(k)) + " " + W.w(L, Writer::pair(j, k));
        numbers += " + " + W.factor(L.input(k)) + " * " + W.factor(L.W(k, j));
      }
      const std::string name = "  " + W.z(L, idx(j)) + " ";
      line(name + "= " + formula);
      line(std::string(name.size(), ' ') + "= " + numbers + " = " + W.num(L.z(j)));
      line("  " + W.a(L, idx(j)) + " = " + W.activation_name(L.activation) + "(" + W.z(L, idx(j)) +
           ") = " + W.num(L.a(j)));
    }
  }
}

// dE/da of unit j of layer l: the loss gradient at the output, else the sum over the next layer.
void text_dE_da(const Writer& W, const Explanation& e, std::size_t l, Index j, Lines& line) {
  const ExplainedLayer& L = e.layers[l];
  const std::string J = idx(j);
  const std::string dE_da = W.d("E", W.a(L, J));
  if (l + 1 == e.layers.size()) {
    line("  " + dE_da + " = " + W.loss_gradient_formula(L, J) + " = " +
         W.loss_gradient_numbers(L, j) + " = " + W.num(L.dE_da(j)));
    return;
  }
  const ExplainedLayer& N = e.layers[l + 1];
  std::string terms;
  for (Index m = 0; m < N.z.size(); ++m)
    terms += (m ? " + " : "") + W.factor(N.dE_dz(m)) + " * " + W.factor(N.W(j, m));
  line("  " + dE_da + " = sum_" + std::string(1, N.unit) + " " +
       W.d("E", W.z(N, std::string(1, N.unit))) + " " + W.w(N, std::string(1, N.unit) + J) + " = " +
       terms + " = " + W.num(L.dE_da(j)));
}

// dE/dz of unit j of layer l: through its activation's derivative.
void text_dE_dz(const Writer& W, const ExplainedLayer& L, Index j, Lines& line) {
  const std::string J = idx(j);
  if (L.activation == Activation::softmax) {
    line("  " + W.d("E", W.z(L, J)) + " = " + W.a(L, J) + " (" + W.d("E", W.a(L, J)) + " - sum_m " +
         W.d("E", W.a(L, "m")) + " " + W.a(L, "m") +
         ") (softmax couples its units) = " + W.num(L.dE_dz(j)));
    return;
  }
  const std::string dE_da = W.d("E", W.a(L, J));
  const std::string da_dz = W.d(W.a(L, J), W.z(L, J));
  const std::string shown = W.derivative_numbers(L, j);
  line("  " + da_dz + " = " + W.derivative_formula(L, J) + " = " +
       (shown.empty() ? "" : shown + " = ") + W.num(L.da_dz(j)));
  line("  " + W.d("E", W.z(L, J)) + " = " + dE_da + " * " + da_dz + " = " + W.factor(L.dE_da(j)) +
       " * " + W.factor(L.da_dz(j)) + " = " + W.num(L.dE_dz(j)));
}

// Part 3 of the text: the chain rule for every unit, from the output layer back.
void text_backward_pass(const Writer& W, const Explanation& e, Lines& line) {
  line("3. Backward pass: the chain rule, from the output layer back");
  for (std::size_t l = e.layers.size(); l-- > 0;) {
    const ExplainedLayer& L = e.layers[l];
    const bool output = l + 1 == e.layers.size();
    line("layer (" + L.label + ")");
    for (Index j = 0; j < L.z.size(); ++j) {
      const std::string J = idx(j);
      text_dE_da(W, e, l, j, line);
      text_dE_dz(W, L, j, line);
      if (output && e.fused_output)
        line("    (with this loss the factors simplify to (a - y) / N, which the library uses)");
      const std::string src(1, L.source);
      line("  " + W.d(W.z(L, J), W.w(L, J + src)) + " = " + W.input(l, src) + ", " +
           W.d(W.z(L, J), W.b(L, J)) + " = 1");
      for (Index k = 0; k < L.input.size(); ++k)
        line("  " + W.d("E", W.w(L, Writer::pair(j, k))) + " = " + W.d("E", W.z(L, J)) + " * " +
             W.input(l, idx(k)) + " = " + W.factor(L.dE_dz(j)) + " * " + W.factor(L.input(k)) +
             " = " + W.num(L.dE_dW(k, j)));
      line("  " + W.d("E", W.b(L, J)) + " = " + W.d("E", W.z(L, J)) +
           " * 1 = " + W.num(L.dE_db(j)));
    }
  }
}

// Part 4 of the text: every new weight and bias.
void text_update(const Writer& W, const Explanation& e, Lines& line) {
  line("4. Update: w = w - eta dE/dw, b = b - eta dE/db, eta = " + W.num(e.learning_rate));
  for (std::size_t l = e.layers.size(); l-- > 0;) {
    const ExplainedLayer& L = e.layers[l];
    line("layer (" + L.label + ")");
    for (Index j = 0; j < L.z.size(); ++j) {
      for (Index k = 0; k < L.input.size(); ++k)
        line("  " + W.w(L, Writer::pair(j, k)) + " = " + W.num(L.W(k, j)) + " - " +
             W.num(e.learning_rate) + " * " + W.factor(L.dE_dW(k, j)) + " = " +
             W.num(L.W_new(k, j)));
      line("  " + W.b(L, idx(j)) + " = " + W.num(L.b(j)) + " - " + W.num(e.learning_rate) + " * " +
           W.factor(L.dE_db(j)) + " = " + W.num(L.b_new(j)));
    }
  }
}

}  // namespace

std::string explanation_text(const Explanation& e, int digits, const std::string& heading) {
  const Writer W(e, digits, false);
  Lines line;
  line(heading);
  line(W.network_summary());
  line("example: x = " + W.vector_text(e.x) + ", y = " + W.vector_text(e.y));
  line(W.notation());

  line("");
  text_forward_pass(W, e, line);

  line("");
  line("2. Error");
  const std::string numbers = W.error_numbers();
  line("  E = " + W.error_formula() + (numbers.empty() ? "" : " = " + numbers) + " = " +
       W.num(e.error));

  line("");
  text_backward_pass(W, e, line);

  line("");
  text_update(W, e, line);
  line("");
  line("the numbers are the library's: z, a and dE/dz from Sequential::compute_gradients, the new");
  line("weights from Sequential::fit (one full-batch gradient-descent step on this example)");
  return line.out;
}

std::string explanation_markdown(const Explanation& e, int digits, const std::string& heading) {
  const Writer W(e, digits, true);
  std::string out;
  auto line = [&out](const std::string& text) { out += text + "\n"; };
  line("## " + heading);
  line("");
  line(W.network_summary() + ".");
  line("Example: x = " + W.vector_text(e.x) + ", y = " + W.vector_text(e.y) + ".");
  line("");
  line("### 1. Forward pass");
  line("");
  line("| layer | unit | z = b + Σ input × w | z | a = f(z) |");
  line("|---|---|---|---|---|");
  for (std::size_t l = 0; l < e.layers.size(); ++l) {
    const ExplainedLayer& L = e.layers[l];
    for (Index j = 0; j < L.z.size(); ++j) {
      std::string numbers = W.num(L.b(j));
      for (Index k = 0; k < L.input.size(); ++k)
        numbers += " + " + W.factor(L.input(k)) + " × " + W.factor(L.W(k, j));
      line("| (" + L.label + ") " + W.activation_name(L.activation) + " | " + idx(j) + " | " +
           numbers + " | " + W.num(L.z(j)) + " | " + W.num(L.a(j)) + " |");
    }
  }
  line("");
  line("### 2. Error");
  line("");
  const std::string numbers = W.error_numbers();
  line("E = " + W.error_formula() + (numbers.empty() ? "" : " = " + numbers) + " = **" +
       W.num(e.error) + "**");
  line("");
  line("### 3. Backward pass: the chain rule");
  line("");
  line("| layer | unit | ∂E/∂a | ∂a/∂z | ∂E/∂z = ∂E/∂a × ∂a/∂z |");
  line("|---|---|---|---|---|");
  for (std::size_t l = e.layers.size(); l-- > 0;) {
    const ExplainedLayer& L = e.layers[l];
    const bool output = l + 1 == e.layers.size();
    for (Index j = 0; j < L.z.size(); ++j) {
      std::string dE_da;
      if (output) {
        dE_da = W.loss_gradient_formula(L, idx(j)) + " = " + W.num(L.dE_da(j));
      } else {
        const ExplainedLayer& N = e.layers[l + 1];
        const std::string m(1, N.unit);
        dE_da = "Σ<sub>" + m + "</sub> " + W.d("E", W.z(N, m)) + " " + W.w(N, m + idx(j)) + " = ";
        for (Index n = 0; n < N.z.size(); ++n)
          dE_da += (n ? " + " : "") + W.factor(N.dE_dz(n)) + " × " + W.factor(N.W(j, n));
        dE_da += " = " + W.num(L.dE_da(j));
      }
      const std::string da_dz = L.activation == Activation::softmax
                                    ? "(softmax: Jacobian)"
                                    : W.derivative_formula(L, idx(j)) + " = " + W.num(L.da_dz(j));
      line("| (" + L.label + ") | " + idx(j) + " | " + dE_da + " | " + da_dz + " | " +
           W.num(L.dE_dz(j)) + (output && e.fused_output ? " (fused: (a − y) / N)" : "") + " |");
    }
  }
  line("");
  line("### 4. Gradients and update (η = " + W.num(e.learning_rate) + ")");
  line("");
  line("| parameter | ∂E/∂w = ∂E/∂z × ∂z/∂w | ∂E/∂w | before | after = before − η ∂E/∂w |");
  line("|---|---|---|---|---|");
  for (std::size_t l = e.layers.size(); l-- > 0;) {
    const ExplainedLayer& L = e.layers[l];
    for (Index j = 0; j < L.z.size(); ++j) {
      for (Index k = 0; k < L.input.size(); ++k)
        line("| " + W.w(L, Writer::pair(j, k)) + " | " + W.factor(L.dE_dz(j)) + " × " +
             W.factor(L.input(k)) + " | " + W.num(L.dE_dW(k, j)) + " | " + W.num(L.W(k, j)) +
             " | " + W.num(L.W_new(k, j)) + " |");
      line("| " + W.b(L, idx(j)) + " | " + W.factor(L.dE_dz(j)) + " × 1 | " + W.num(L.dE_db(j)) +
           " | " + W.num(L.b(j)) + " | " + W.num(L.b_new(j)) + " |");
    }
  }
  line("");
  line(
      "The numbers are the library's: z, a and ∂E/∂z from `Sequential::compute_gradients`, the "
      "new weights from `Sequential::fit` (one full-batch gradient-descent step on this "
      "example).");
  return out;
}

}  // namespace mlp
