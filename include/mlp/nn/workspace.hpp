// Scratch memory for forward and backward passes, planned from the layer shapes and the largest
// batch once, before training, and reused for every step: training allocates nothing per step.
#pragma once

#include <memory>
#include <vector>

#include "mlp/core/matrix.hpp"
#include "mlp/nn/layer.hpp"

namespace mlp {

// The first layer's index of a sparse batch's nonzero entries: internal to the library
// (src/nn/sparse_input.hpp).
template <class Scalar>
class SparseBatch;

template <class Scalar>
class Workspace {
 public:
  Workspace();
  ~Workspace();
  Workspace(Workspace&&) noexcept;
  Workspace& operator=(Workspace&&) noexcept;

  // Sizes the buffers for batches of up to max_batch rows. Does nothing when already large enough
  // for these layers.
  void plan(const std::vector<DenseLayer>& layers, Index max_batch);

  Index capacity() const { return capacity_; }
  // Whether plan(layers, rows) would have nothing to do: the buffers fit these layers and rows.
  bool fits(const std::vector<DenseLayer>& layers, Index rows) const;

  // Layer l's linear outputs Z (rows, n_out) and activations A (rows, n_out) of the last forward
  // pass, for its first `rows` samples.
  MatrixView<Scalar> Z(std::size_t l, Index rows) { return view(z_offsets_[l], rows, widths_[l]); }
  MatrixView<Scalar> A(std::size_t l, Index rows) { return view(a_offsets_[l], rows, widths_[l]); }
  // Layer l's dE/dZ (rows, n_out) of the last backward pass.
  MatrixView<Scalar> dZ(std::size_t l, Index rows) {
    return view(dz_offsets_[l], rows, widths_[l]);
  }
  // dE/dA of a hidden layer, (rows, width): one buffer shared by all layers.
  MatrixView<Scalar> dA(Index rows, Index width) { return view(da_offset_, rows, width); }

  // Gathered rows of a shuffled minibatch: inputs (rows, n_in) and targets (rows, n_out).
  MatrixView<Scalar> batch_inputs(Index rows) { return view(x_offset_, rows, n_in_); }
  MatrixView<Scalar> batch_targets(Index rows) { return view(y_offset_, rows, n_out_); }

  // The nonzero entries of the last forward pass's input, when it was sparse enough to index
  // (indexed() is then true): the first layer's products then skip the zeros.
  SparseBatch<Scalar>& sparse_inputs() { return *sparse_inputs_; }

 private:
  MatrixView<Scalar> view(Index offset, Index rows, Index cols) {
    return MatrixView<Scalar>(storage_.data() + offset, rows, cols);
  }

  Vector<Scalar> storage_;
  Index capacity_ = 0;
  Index n_in_ = 0, n_out_ = 0;
  std::vector<Index> widths_, z_offsets_, a_offsets_, dz_offsets_;
  Index da_offset_ = 0, x_offset_ = 0, y_offset_ = 0;
  std::vector<DenseLayer> planned_for_;
  std::unique_ptr<SparseBatch<Scalar>> sparse_inputs_;
};

}  // namespace mlp
