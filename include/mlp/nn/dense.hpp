// The fully connected ("Dense") layer's kernels, as free functions with explicit shapes.
// The layer's weights W are n_in x n_out and its bias b is 1 x n_out, as in the chapter's
// init_parameters; a batch X holds one sample per row.
//
// Each kernel exists twice: the optimised one here, one matrix product (gemm.hpp) with the bias
// and ReLU applied in the same pass over its output, and a naive one in mlp::reference, plain
// loops over the equation's indices. tests/kernels/dense_kernels_test.cpp checks that they agree.
#pragma once

#include "mlp/core/matrix.hpp"

namespace mlp {

// The chapter's linear function: z_m = b_m + sum_n x_n w_nm, for a batch at once:
//   Z = X W + b          X (batch, n_in), W (n_in, n_out), b (1, n_out), Z (batch, n_out)
template <class Scalar>
void dense_forward(ConstMatrixRef<Scalar> X, ConstMatrixRef<Scalar> W,
                   Eigen::Ref<const RowVector<Scalar>> b, MatrixRef<Scalar> Z);

// The same with ReLU fused:  Z = X W + b,  A = max(Z, 0)   (A (batch, n_out); A may be Z).
template <class Scalar>
void dense_forward_relu(ConstMatrixRef<Scalar> X, ConstMatrixRef<Scalar> W,
                        Eigen::Ref<const RowVector<Scalar>> b, MatrixRef<Scalar> Z,
                        MatrixRef<Scalar> A);

// Gradients of E with respect to the layer's parameters, given dE/dZ:
//   dE/dw_nm = sum over samples of x_n dE/dz_m   (dz/dw = a(L-1), the chapter's third factor)
//   dW = X^T dZ          (n_in, n_out)
//   dE/db_m  = sum over samples of dE/dz_m       (dz/db = 1)
//   db = column sums of dZ   (1, n_out), summed in sample order
template <class Scalar>
void dense_backward_weights(ConstMatrixRef<Scalar> X, ConstMatrixRef<Scalar> dZ,
                            MatrixRef<Scalar> dW, Eigen::Ref<RowVector<Scalar>> db);

// The bias part alone (dense_backward_weights computes it too):
//   db = column sums of dZ   (1, n_out), summed in sample order
template <class Scalar>
void dense_backward_bias(ConstMatrixRef<Scalar> dZ, Eigen::Ref<RowVector<Scalar>> db);

// Gradient of E with respect to the layer's input, the chapter's sum over output units:
//   dE/da_k(L-1) = sum_j dE/dz_j(L) w_kj(L)
//   dX = dZ W^T          (batch, n_in)
template <class Scalar>
void dense_backward_input(ConstMatrixRef<Scalar> dZ, ConstMatrixRef<Scalar> W,
                          MatrixRef<Scalar> dX);

// The same followed by the previous layer's ReLU derivative, in one pass:
//   dZ_prev = (dZ W^T) * [A_prev > 0]      A_prev, dZ_prev (batch, n_in)
template <class Scalar>
void dense_backward_input_relu(ConstMatrixRef<Scalar> dZ, ConstMatrixRef<Scalar> W,
                               ConstMatrixRef<Scalar> A_prev, MatrixRef<Scalar> dZ_prev);

// The naive kernels: every sum taken term by term in index order, no fused multiply-add.
namespace reference {

template <class Scalar>
void dense_forward(ConstMatrixRef<Scalar> X, ConstMatrixRef<Scalar> W,
                   Eigen::Ref<const RowVector<Scalar>> b, MatrixRef<Scalar> Z);
template <class Scalar>
void dense_forward_relu(ConstMatrixRef<Scalar> X, ConstMatrixRef<Scalar> W,
                        Eigen::Ref<const RowVector<Scalar>> b, MatrixRef<Scalar> Z,
                        MatrixRef<Scalar> A);
template <class Scalar>
void dense_backward_weights(ConstMatrixRef<Scalar> X, ConstMatrixRef<Scalar> dZ,
                            MatrixRef<Scalar> dW, Eigen::Ref<RowVector<Scalar>> db);
template <class Scalar>
void dense_backward_input(ConstMatrixRef<Scalar> dZ, ConstMatrixRef<Scalar> W,
                          MatrixRef<Scalar> dX);
template <class Scalar>
void dense_backward_input_relu(ConstMatrixRef<Scalar> dZ, ConstMatrixRef<Scalar> W,
                               ConstMatrixRef<Scalar> A_prev, MatrixRef<Scalar> dZ_prev);

}  // namespace reference

}  // namespace mlp
