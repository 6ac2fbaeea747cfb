#include "mlp/nn/gradcheck.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "mlp/core/error.hpp"
#include "mlp/nn/loss.hpp"
#include "mlp/nn/workspace.hpp"

namespace mlp {

namespace {

// The parameters of one block (a layer's W or b) to check: all, or `limit` spread evenly.
std::vector<Index> chosen(Index first, Index count, Index limit) {
  std::vector<Index> indices;
  if (limit <= 0 || limit >= count) {
    for (Index i = 0; i < count; ++i) indices.push_back(first + i);
  } else {
    for (Index i = 0; i < limit; ++i) indices.push_back(first + i * count / limit);
  }
  return indices;
}

// E and the sign pattern of every ReLU layer's pre-activations, for the current parameters.
class LossProbe {
 public:
  LossProbe(const Sequential<double>& net, ConstMatrixRef<double> X, ConstMatrixRef<double> Y,
            const LossTerms& terms)
      : net_(net), X_(X), Y_(Y), l2_(terms.l2), r_(terms.sample_weight.size()) {
    ws_.plan(net.layers(), X.rows());
    S_ = r_.empty() ? static_cast<double>(X.rows())
                    : row_weights<double>(terms.sample_weight, r_.data());
  }

  // E: the loss with sample n's term times r_n, plus the L2 penalty (loss.hpp's LossTerms).
  double loss() {
    net_.forward(X_, ws_);
    return loss_value<double>(net_.loss(), ws_.A(net_.layers().size() - 1, X_.rows()), Y_,
                              r_.empty() ? nullptr : r_.data()) +
           net_.l2_penalty(l2_, S_);
  }

  // Appends whether each pre-activation of a layer whose f' jumps at 0 (ReLU's kink) is > 0 in
  // the last forward pass.
  void kink_signs(std::vector<bool>& signs) {
    for (std::size_t l = 0; l < net_.layers().size(); ++l) {
      if (!activation_info(net_.layers()[l].activation).kink) continue;
      const auto Z = ws_.Z(l, X_.rows());
      for (Index i = 0; i < Z.size(); ++i) signs.push_back(Z.data()[i] > 0.0);
    }
  }

 private:
  const Sequential<double>& net_;
  ConstMatrixRef<double> X_, Y_;
  double l2_ = 0.0, S_ = 0.0;
  std::vector<double> r_;  // (samples) r_n, or empty without sample weights
  Workspace<double> ws_;
};

}  // namespace

GradientCheck check_gradients(Sequential<double>& net, ConstMatrixRef<double> X,
                              ConstMatrixRef<double> Y, const Vector<double>& analytic,
                              const GradientCheckOptions& options) {
  net.check_shapes(X, Y, "gradient check data");
  if (X.rows() == 0) throw InvalidArgument("gradient check data has no samples");
  if (analytic.size() != net.parameter_count())
    throw InvalidArgument("gradient check: " + std::to_string(analytic.size()) + " gradients for " +
                          std::to_string(net.parameter_count()) + " parameters");
  if (!(options.step > 0.0) || !std::isfinite(options.step))
    throw InvalidArgument("gradient check: the step must be a positive number");
  if (!(options.floor > 0.0) || !std::isfinite(options.floor))
    throw InvalidArgument("gradient check: the floor must be a positive number");

  const double h = options.step;
  check_loss_terms(options.terms, X.rows(), "gradient check data");
  LossProbe probe(net, X, Y, options.terms);
  GradientCheck result;
  result.loss = probe.loss();
  std::vector<bool> base_signs, signs;
  probe.kink_signs(base_signs);

  for (std::size_t l = 0; l < net.layers().size(); ++l) {
    const DenseLayer& layer = net.layers()[l];
    LayerGradientCheck summary;
    summary.layer = l;
    std::vector<Index> indices = chosen(layer.offset, layer.weight_count(), options.max_per_layer);
    const std::vector<Index> biases =
        chosen(layer.bias_offset(), layer.n_out, options.max_per_layer);
    indices.insert(indices.end(), biases.begin(), biases.end());

    for (const Index p : indices) {
      ParameterCheck c;
      c.index = p;
      c.layer = l;
      c.is_bias = p >= layer.bias_offset();
      const Index local = p - layer.offset;
      c.row = c.is_bias ? 0 : local / layer.n_out;
      c.col = c.is_bias ? p - layer.bias_offset() : local % layer.n_out;
      c.backprop = analytic(p);

      double& w = net.parameters()(p);
      const double saved = w;
      bool crosses_kink = false;
      auto loss_at = [&](double offset) {
        w = saved + offset;
        const double E = probe.loss();
        signs.clear();
        probe.kink_signs(signs);
        crosses_kink = crosses_kink || signs != base_signs;
        return E;
      };
      const double plus = loss_at(h), minus = loss_at(-h);
      const double plus2 = loss_at(2 * h), minus2 = loss_at(-2 * h);
      w = saved;
      c.numeric = (8.0 * (plus - minus) - (plus2 - minus2)) / (12.0 * h);
      c.skipped = crosses_kink;
      const double scale = std::max({std::abs(c.numeric), std::abs(c.backprop), options.floor});
      c.relative_error = std::abs(c.numeric - c.backprop) / scale;
      if (!std::isfinite(c.relative_error))
        c.relative_error = std::numeric_limits<double>::infinity();

      result.parameters.push_back(c);
      const Index position = static_cast<Index>(result.parameters.size()) - 1;
      if (c.skipped) {
        ++summary.skipped;
        continue;
      }
      ++summary.checked;
      double& layer_max = c.is_bias ? summary.max_bias_error : summary.max_weight_error;
      layer_max = std::max(layer_max, c.relative_error);
      if (summary.worst < 0 ||
          c.relative_error >
              result.parameters[static_cast<std::size_t>(summary.worst)].relative_error)
        summary.worst = position;
    }
    result.checked += summary.checked;
    result.skipped += summary.skipped;
    result.max_relative_error =
        std::max({result.max_relative_error, summary.max_weight_error, summary.max_bias_error});
    result.layers.push_back(summary);
  }
  return result;
}

GradientCheck check_gradients(Sequential<double>& net, ConstMatrixRef<double> X,
                              ConstMatrixRef<double> Y, const GradientCheckOptions& options) {
  Workspace<double> ws;
  net.compute_gradients(X, Y, ws, options.terms);
  const Vector<double> analytic = net.gradients();
  return check_gradients(net, X, Y, analytic, options);
}

}  // namespace mlp
