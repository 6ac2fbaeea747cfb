#include "mlp/nn/network.hpp"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <type_traits>

#include "kernels/thread_pool.hpp"
#include "mlp/core/error.hpp"
#include "mlp/nn/dense.hpp"
#include "mlp/nn/output.hpp"
#include "nn/gradient_progress.hpp"
#include "nn/sparse_input.hpp"

namespace mlp {

template <class Scalar>
Sequential<Scalar>::Sequential(Index n_inputs) : n_inputs_(n_inputs) {
  if (n_inputs <= 0)
    throw InvalidArgument("a network needs at least one input, got " + std::to_string(n_inputs));
}

template <class Scalar>
Sequential<Scalar>& Sequential<Scalar>::add(Index units, Activation activation) {
  const LayerSpec layer{units, activation};
  return add(std::span<const LayerSpec>(&layer, 1));
}

// Every layer is checked before any is appended, so a bad one leaves the network as it was.
template <class Scalar>
Sequential<Scalar>& Sequential<Scalar>::add(std::span<const LayerSpec> layers) {
  for (std::size_t i = 0; i < layers.size(); ++i)
    if (layers[i].units <= 0)
      throw InvalidArgument("layer " + std::to_string(layers_.size() + i + 1) +
                            ": a layer needs at least one unit, got " +
                            std::to_string(layers[i].units));
  layers_.reserve(layers_.size() + layers.size());
  const Index old_count = parameters_.size();
  Index offset = old_count;
  for (const LayerSpec& spec : layers) {
    layers_.push_back(DenseLayer{n_outputs(), spec.units, spec.activation, offset});
    offset += layers_.back().parameter_count();
  }
  parameters_.conservativeResize(offset);
  parameters_.tail(offset - old_count).setZero();
  gradients_.setZero(offset);
  return *this;
}

template <class Scalar>
Activation Sequential<Scalar>::output_activation() const {
  if (layers_.empty()) throw InvalidArgument("the network has no layers");
  return layers_.back().activation;
}

template <class Scalar>
ConstMatrixView<Scalar> Sequential<Scalar>::weight_gradients(std::size_t l) const {
  const auto& layer = layers_.at(l);
  return {gradients_.data() + layer.offset, layer.n_in, layer.n_out};
}

template <class Scalar>
ConstRowVectorView<Scalar> Sequential<Scalar>::bias_gradients(std::size_t l) const {
  const auto& layer = layers_.at(l);
  return {gradients_.data() + layer.bias_offset(), layer.n_out};
}

template <class Scalar>
void Sequential<Scalar>::initialize(const Initializer& init, std::uint64_t seed) {
  Random rng(seed);
  for (std::size_t l = 0; l < layers_.size(); ++l)
    initialize_layer<Scalar>(init, rng, weights(l), bias(l));
  training_state_.started = false;
}

template <class Scalar>
void Sequential<Scalar>::compile(Loss loss, const OptimizerSpec& optimizer) {
  check_loss_matches_output(loss, output_activation());
  validate(optimizer);
  loss_ = loss;
  optimizer_spec_ = optimizer;
  training_state_.started = false;
}

template <class Scalar>
void Sequential<Scalar>::check_shapes(ConstMatrixRef<Scalar> X, const char* what) const {
  if (layers_.empty()) throw InvalidArgument("the network has no layers");
  if (X.cols() != n_inputs_)
    throw InvalidArgument(std::string(what) + " has " + std::to_string(X.cols()) +
                          " columns but the network takes " + std::to_string(n_inputs_) +
                          " inputs");
}

template <class Scalar>
void Sequential<Scalar>::check_shapes(ConstMatrixRef<Scalar> X, ConstMatrixRef<Scalar> Y,
                                      const char* what) const {
  check_shapes(X, what);
  if (Y.cols() != n_outputs())
    throw InvalidArgument(std::string(what) + ": targets have " + std::to_string(Y.cols()) +
                          " columns but the network has " + std::to_string(n_outputs()) +
                          " outputs");
  if (Y.rows() != X.rows())
    throw InvalidArgument(std::string(what) + ": " + std::to_string(X.rows()) + " samples but " +
                          std::to_string(Y.rows()) + " targets");
}

template <class Scalar>
bool Sequential<Scalar>::index_if_sparse(ConstMatrixRef<Scalar> X,
                                         SparseBatch<Scalar>& sparse) const {
  if (!sparse_input_worthwhile(X.rows(), n_inputs_, layers_.front().n_out)) {
    sparse.clear();
    return false;
  }
  return sparse.index(X, kSparseInputDensity);
}

template <class Scalar>
void Sequential<Scalar>::forward_layer(std::size_t l, ConstMatrixRef<Scalar> input,
                                       const SparseBatch<Scalar>* sparse_input, MatrixRef<Scalar> Z,
                                       MatrixRef<Scalar> A) const {
  const Activation activation = layers_[l].activation;
  if (sparse_input != nullptr) {
    if (activation == Activation::relu) {
      sparse_dense_forward_relu<Scalar>(*sparse_input, input, weights(l), bias(l), Z, A);
    } else {
      sparse_dense_forward<Scalar>(*sparse_input, input, weights(l), bias(l), Z);
      activate<Scalar>(activation, Z, A);
    }
  } else if (activation == Activation::relu) {
    dense_forward_relu<Scalar>(input, weights(l), bias(l), Z, A);  // one pass: Z and A
  } else {
    dense_forward<Scalar>(input, weights(l), bias(l), Z);
    activate<Scalar>(activation, Z, A);
  }
}

template <class Scalar>
void Sequential<Scalar>::check_workspace(const Workspace<Scalar>& ws, Index rows,
                                         const char* what) const {
  if (!ws.fits(layers_, rows))
    throw InvalidArgument(std::string(what) +
                          ": the workspace is not planned for this network and " +
                          std::to_string(rows) + " samples; call ws.plan(net.layers(), " +
                          std::to_string(rows) + ") first");
}

template <class Scalar>
void Sequential<Scalar>::forward(ConstMatrixRef<Scalar> X, Workspace<Scalar>& ws) const {
  check_shapes(X, "forward input");
  check_workspace(ws, X.rows(), "forward");
  forward_impl(X, ws);
}

template <class Scalar>
void Sequential<Scalar>::backward(ConstMatrixRef<Scalar> X, ConstMatrixRef<Scalar> Y,
                                  Workspace<Scalar>& ws) {
  check_shapes(X, Y, "backward input");
  check_workspace(ws, X.rows(), "backward");
  backward_impl(X, Y, ws);
}

template <class Scalar>
void Sequential<Scalar>::forward_impl(ConstMatrixRef<Scalar> X, Workspace<Scalar>& ws) const {
  const Index rows = X.rows();
  SparseBatch<Scalar>& sparse = ws.sparse_inputs();
  const bool sparse_input = index_if_sparse(X, sparse);
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    auto Z = ws.Z(l, rows);  // (rows, n_out)
    auto A = ws.A(l, rows);  // (rows, n_out)
    const ConstMatrixRef<Scalar> input = l == 0 ? X : ConstMatrixRef<Scalar>(ws.A(l - 1, rows));
    forward_layer(l, input, l == 0 && sparse_input ? &sparse : nullptr, Z, A);
  }
}

template <class Scalar>
void Sequential<Scalar>::backward_impl(ConstMatrixRef<Scalar> X, ConstMatrixRef<Scalar> Y,
                                       Workspace<Scalar>& ws, const Scalar* r, Scalar l2_over_S,
                                       Scalar* into, GradientProgress* progress) {
  const Index rows = X.rows();
  Scalar* gradients = into != nullptr ? into : gradients_.data();
  const std::size_t last = layers_.size() - 1;
  const Activation out = layers_[last].activation;

  // Output layer: dE/dZ(L) = dE/dA(L) * dA(L)/dZ(L), or the fused A - Y.
  auto A_out = ws.A(last, rows);
  auto dZ_out = ws.dZ(last, rows);
  if (has_fused_output_gradient(loss_, out)) {
    fused_output_gradient<Scalar>(loss_, A_out, Y, dZ_out);
  } else {
    auto dA = ws.dA(rows, layers_[last].n_out);
    loss_gradient<Scalar>(loss_, A_out, Y, dA);
    activation_backward<Scalar>(out, ws.Z(last, rows), A_out, dA, dZ_out);
  }
  // Sample weights: sample n's term of E is multiplied by r_n, and so is row n of dE/dZ(L).
  if (r != nullptr) dZ_out.array().colwise() *= Eigen::Map<const Vector<Scalar>>(r, rows).array();

  for (std::size_t l = last + 1; l-- > 0;) {
    const DenseLayer& layer = layers_[l];
    auto dZ = ws.dZ(l, rows);  // (rows, n_out)
    MatrixView<Scalar> dW(gradients + layer.offset, layer.n_in, layer.n_out);
    RowVectorView<Scalar> db(gradients + layer.bias_offset(), layer.n_out);
    // The L2 penalty l2 / (2 S) ||W||^2 adds (l2 / S) W to dE/dW once the data's part is in.
    auto add_l2 = [&] {
      if (l2_over_S != Scalar(0)) dW += l2_over_S * weights(l);
    };
    if (l == 0) {
      if (ws.sparse_inputs().indexed())  // forward(X) indexed X's nonzero entries
        sparse_dense_backward_weights<Scalar>(ws.sparse_inputs(), X, dZ, dW, db);
      else
        dense_backward_weights<Scalar>(X, dZ, dW, db);
      add_l2();
      if (progress != nullptr) progress->final_from(layer.offset);
      break;  // the input's gradient is not needed
    }
    const auto A_prev = ws.A(l - 1, rows);  // (rows, n_in)
    dense_backward_weights<Scalar>(A_prev, dZ, dW, db);
    add_l2();
    if (progress != nullptr) progress->final_from(layer.offset);
    const Activation previous = layers_[l - 1].activation;
    if (previous == Activation::relu) {
      // dE/dZ(l-1) = (dE/dZ(l) W(l)^T) * [A(l-1) > 0], in one pass.
      dense_backward_input_relu<Scalar>(dZ, weights(l), A_prev, ws.dZ(l - 1, rows));
    } else {
      auto dA_prev = ws.dA(rows, layer.n_in);
      dense_backward_input<Scalar>(dZ, weights(l), dA_prev);
      activation_backward<Scalar>(previous, ws.Z(l - 1, rows), A_prev, dA_prev, ws.dZ(l - 1, rows));
    }
  }
}

template <class Scalar>
Scalar Sequential<Scalar>::compute_gradients(ConstMatrixRef<Scalar> X, ConstMatrixRef<Scalar> Y,
                                             Workspace<Scalar>& ws, const LossTerms& terms) {
  check_shapes(X, Y, "compute_gradients");
  check_loss_terms(terms, X.rows(), "compute_gradients");
  ws.plan(layers_, X.rows());
  std::vector<Scalar> r(terms.sample_weight.size());
  const double S = r.empty() ? static_cast<double>(X.rows())
                             : row_weights<Scalar>(terms.sample_weight, r.data());
  const Scalar* weights_or_null = r.empty() ? nullptr : r.data();
  forward_impl(X, ws);
  backward_impl(X, Y, ws, weights_or_null, static_cast<Scalar>(terms.l2 / S));
  const Scalar E =
      loss_value<Scalar>(loss_, ws.A(layers_.size() - 1, X.rows()), Y, weights_or_null);
  return E + static_cast<Scalar>(l2_penalty(terms.l2, S));
}

template <class Scalar>
double Sequential<Scalar>::l2_penalty(double l2, double S) const {
  if (l2 == 0.0) return 0.0;
  double squares = 0.0;
  for (std::size_t l = 0; l < layers_.size(); ++l)
    squares += static_cast<double>(weights(l).squaredNorm());
  return l2 / (2.0 * S) * squares;
}

namespace {

// The buffers of one block of predict_proba's rows: hidden layers ping-pong between two halves of
// `buffers`. One per thread of the pool; a block claims a free one while it runs.
template <class Scalar>
struct PredictSlot {
  Vector<Scalar> buffers;
  SparseBatch<Scalar> sparse;
  std::atomic<bool> busy{false};
};

template <class Scalar>
PredictSlot<Scalar>& claim_slot(std::unique_ptr<PredictSlot<Scalar>[]>& slots, int count) {
  for (;;)
    for (int i = 0; i < count; ++i)
      if (!slots[i].busy.exchange(true, std::memory_order_acquire)) return slots[i];
}

// True when no value of the rows is NaN or infinite: a value is not finite exactly when its
// exponent bits are all ones (IEEE 754). Bit tests only, which the compiler vectorises, raising no
// floating-point flag.
template <class Scalar>
bool predict_rows_are_finite(ConstMatrixRef<Scalar> X) {
  using Bits = std::conditional_t<sizeof(Scalar) == 4, std::uint32_t, std::uint64_t>;
  constexpr Bits exponent =
      static_cast<Bits>(sizeof(Scalar) == 4 ? 0x7f800000u : 0x7ff0000000000000u);
  Bits not_finite = 0;
  for (Index i = 0; i < X.rows(); ++i) {
    const Scalar* x = X.data() + i * X.outerStride();
    for (Index j = 0; j < X.cols(); ++j) {
      Bits bits;
      std::memcpy(&bits, x + j, sizeof bits);
      not_finite |= static_cast<Bits>((bits & exponent) == exponent);
    }
  }
  return not_finite == 0;
}

}  // namespace

template <class Scalar>
Matrix<Scalar> Sequential<Scalar>::predict_proba(ConstMatrixRef<Scalar> X) const {
  check_shapes(X, "predict input");
  Matrix<Scalar> out;
  predict_blocks(X, false, out);
  return out;
}

template <class Scalar>
std::optional<Matrix<Scalar>> Sequential<Scalar>::predict_proba_if_finite(
    ConstMatrixRef<Scalar> X) const {
  check_shapes(X, "predict input");
  Matrix<Scalar> out;
  if (!predict_blocks(X, true, out)) return std::nullopt;
  return out;
}

template <class Scalar>
bool Sequential<Scalar>::predict_blocks(ConstMatrixRef<Scalar> X, bool check_finite,
                                        Matrix<Scalar>& out) const {
  // In blocks of `block` rows, spread over the library's threads: each block runs through the
  // whole network in buffers of its own, and its last layer writes into the result, so memory
  // stays bounded for any number of samples. The blocks depend on the number of rows only, and a
  // row's outputs on its block only, so the result is the same for any thread count.
  constexpr Index block = 256;
  const Index n = X.rows();
  out.resize(n, n_outputs());
  if (n == 0) return true;
  Index widest = 0;
  for (std::size_t l = 0; l + 1 < layers_.size(); ++l) widest = std::max(widest, layers_[l].n_out);
  const Index block_rows = std::min(block, n);
  const Index blocks = (n + block - 1) / block;
  detail::ThreadPool& pool = detail::ThreadPool::global();
  const int slot_count = static_cast<int>(std::min<Index>(pool.size(), blocks));
  auto slots = std::make_unique<PredictSlot<Scalar>[]>(static_cast<std::size_t>(slot_count));
  // The first layer's weights in panels for its sparse kernel, packed by the first block that
  // takes it (dense inputs never pay for the copy). A block of a few rows takes gemm's few-rows
  // kernel instead, which skips zero inputs too and gives the same bits: a one-row call copying
  // all of W (800 KB for MNIST's first layer) took 26 us where the product takes 3.5, and it
  // needs no sparse index either (whose 9 buffers' allocations were 7 % of a 2.3 us call).
  constexpr Index kPanelMinRows = 5;
  for (int i = 0; i < slot_count; ++i) {
    slots[i].buffers.resize(2 * block_rows * widest);  // 2 x (block, widest)
    if (block_rows >= kPanelMinRows) slots[i].sparse.reserve(block_rows, n_inputs_);
  }
  WeightPanels<Scalar> panels;
  std::once_flag packed;
  std::atomic<bool> not_finite{false};
  Index first_block = 0;  // of the current pool job (a job has fewer than 65536 chunks)
  auto run_block = [&](int c) {
    PredictSlot<Scalar>& slot = claim_slot(slots, slot_count);
    const Index start = (first_block + c) * block;
    const Index rows = std::min(block, n - start);
    Scalar* buffers = slot.buffers.data();
    // With check_finite, a block's check brings its rows into the cache for indexing.
    if (check_finite && (not_finite.load(std::memory_order_relaxed) ||
                         !predict_rows_are_finite<Scalar>(X.middleRows(start, rows)))) {
      not_finite.store(true, std::memory_order_relaxed);
      slot.busy.store(false, std::memory_order_release);
      return;
    }
    const bool sparse_input =
        rows >= kPanelMinRows && index_if_sparse(X.middleRows(start, rows), slot.sparse);
    for (std::size_t l = 0; l < layers_.size(); ++l) {
      const DenseLayer& layer = layers_[l];
      const bool last = l + 1 == layers_.size();
      const ConstMatrixRef<Scalar> input =
          l == 0 ? ConstMatrixRef<Scalar>(X.middleRows(start, rows))
                 : ConstMatrixRef<Scalar>(ConstMatrixView<Scalar>(
                       buffers + ((l - 1) % 2) * block_rows * widest, rows, layer.n_in));
      MatrixRef<Scalar> output =
          last ? MatrixRef<Scalar>(out.middleRows(start, rows))
               : MatrixRef<Scalar>(MatrixView<Scalar>(buffers + (l % 2) * block_rows * widest, rows,
                                                      layer.n_out));
      if (l == 0 && sparse_input) {
        std::call_once(packed, [&] { panels.pack(weights(0)); });
        sparse_dense_forward_panels<Scalar>(slot.sparse, panels, bias(0),
                                            layer.activation == Activation::relu, output);
        if (layer.activation != Activation::relu)
          activate<Scalar>(layer.activation, output, output);
      } else {
        forward_layer(l, input, nullptr, output, output);
      }
    }
    slot.busy.store(false, std::memory_order_release);
  };
  constexpr Index max_job = 65535;
  for (; first_block < blocks; first_block += max_job)
    pool.run(static_cast<int>(std::min(max_job, blocks - first_block)), run_block);
  return !not_finite.load();
}

template <class Scalar>
Matrix<Scalar> Sequential<Scalar>::predict(ConstMatrixRef<Scalar> X) const {
  return apply_output_rule<Scalar>(output_activation(), predict_proba(X));
}

template <class Scalar>
History Sequential<Scalar>::fit(ConstMatrixRef<Scalar> X, ConstMatrixRef<Scalar> Y,
                                const FitOptions& options) {
  return fit_impl(X, Y, nullptr, nullptr, options);
}

template <class Scalar>
History Sequential<Scalar>::fit(ConstMatrixRef<Scalar> X, ConstMatrixRef<Scalar> Y,
                                ConstMatrixRef<Scalar> X_val, ConstMatrixRef<Scalar> Y_val,
                                const FitOptions& options) {
  return fit_impl(X, Y, &X_val, &Y_val, options);
}

template <class Scalar>
History Sequential<Scalar>::partial_fit(ConstMatrixRef<Scalar> X, ConstMatrixRef<Scalar> Y,
                                        const FitOptions& options) {
  FitOptions one_epoch = options;
  one_epoch.epochs = 1;
  one_epoch.keep_training_state = true;
  return fit_impl(X, Y, nullptr, nullptr, one_epoch);
}

template class Sequential<float>;
template class Sequential<double>;

}  // namespace mlp
