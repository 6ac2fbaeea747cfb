#include "mlp/nn/dense.hpp"

#include <cassert>

#include "kernels/gemm.hpp"

namespace mlp {

template <class Scalar>
void dense_backward_bias(ConstMatrixRef<Scalar> dZ, Eigen::Ref<RowVector<Scalar>> db) {
  const Index rows = dZ.rows(), cols = dZ.cols();
  Scalar* out = db.data();
  if (rows == 0) {
    for (Index j = 0; j < cols; ++j) out[j] = Scalar(0);
    return;
  }
  const Scalar* first = dZ.data();
  for (Index j = 0; j < cols; ++j) out[j] = first[j];
  for (Index i = 1; i < rows; ++i) {
    const Scalar* row = dZ.data() + i * dZ.outerStride();
    for (Index j = 0; j < cols; ++j) out[j] = out[j] + row[j];
  }
}

template <class Scalar>
void dense_forward(ConstMatrixRef<Scalar> X, ConstMatrixRef<Scalar> W,
                   Eigen::Ref<const RowVector<Scalar>> b, MatrixRef<Scalar> Z) {
  assert(X.cols() == W.rows() && Z.rows() == X.rows() && Z.cols() == W.cols());
  GemmEpilogue<Scalar> epilogue;
  epilogue.bias = b.data();
  gemm<Scalar>(Transpose::no, Transpose::no, X.rows(), W.cols(), X.cols(), X.data(),
               X.outerStride(), W.data(), W.outerStride(), Z.data(), Z.outerStride(), epilogue);
}

template <class Scalar>
void dense_forward_relu(ConstMatrixRef<Scalar> X, ConstMatrixRef<Scalar> W,
                        Eigen::Ref<const RowVector<Scalar>> b, MatrixRef<Scalar> Z,
                        MatrixRef<Scalar> A) {
  assert(X.cols() == W.rows() && Z.rows() == X.rows() && Z.cols() == W.cols());
  assert(A.rows() == Z.rows() && A.cols() == Z.cols());
  GemmEpilogue<Scalar> epilogue;
  epilogue.bias = b.data();
  epilogue.relu_out = A.data();
  epilogue.ld_relu_out = A.outerStride();
  gemm<Scalar>(Transpose::no, Transpose::no, X.rows(), W.cols(), X.cols(), X.data(),
               X.outerStride(), W.data(), W.outerStride(), Z.data(), Z.outerStride(), epilogue);
}

template <class Scalar>
void dense_backward_weights(ConstMatrixRef<Scalar> X, ConstMatrixRef<Scalar> dZ,
                            MatrixRef<Scalar> dW, Eigen::Ref<RowVector<Scalar>> db) {
  assert(X.rows() == dZ.rows() && dW.rows() == X.cols() && dW.cols() == dZ.cols());
  gemm<Scalar>(Transpose::yes, Transpose::no, X.cols(), dZ.cols(), X.rows(), X.data(),
               X.outerStride(), dZ.data(), dZ.outerStride(), dW.data(), dW.outerStride());
  dense_backward_bias<Scalar>(dZ, db);
}

template <class Scalar>
void dense_backward_input(ConstMatrixRef<Scalar> dZ, ConstMatrixRef<Scalar> W,
                          MatrixRef<Scalar> dX) {
  assert(dZ.cols() == W.cols() && dX.rows() == dZ.rows() && dX.cols() == W.rows());
  gemm<Scalar>(Transpose::no, Transpose::yes, dZ.rows(), W.rows(), dZ.cols(), dZ.data(),
               dZ.outerStride(), W.data(), W.outerStride(), dX.data(), dX.outerStride());
}

template <class Scalar>
void dense_backward_input_relu(ConstMatrixRef<Scalar> dZ, ConstMatrixRef<Scalar> W,
                               ConstMatrixRef<Scalar> A_prev, MatrixRef<Scalar> dZ_prev) {
  assert(dZ.cols() == W.cols() && dZ_prev.rows() == dZ.rows() && dZ_prev.cols() == W.rows());
  assert(A_prev.rows() == dZ_prev.rows() && A_prev.cols() == dZ_prev.cols());
  GemmEpilogue<Scalar> epilogue;
  epilogue.gate = A_prev.data();
  epilogue.ld_gate = A_prev.outerStride();
  gemm<Scalar>(Transpose::no, Transpose::yes, dZ.rows(), W.rows(), dZ.cols(), dZ.data(),
               dZ.outerStride(), W.data(), W.outerStride(), dZ_prev.data(), dZ_prev.outerStride(),
               epilogue);
}

namespace reference {

template <class Scalar>
void dense_forward(ConstMatrixRef<Scalar> X, ConstMatrixRef<Scalar> W,
                   Eigen::Ref<const RowVector<Scalar>> b, MatrixRef<Scalar> Z) {
  for (Index i = 0; i < X.rows(); ++i)
    for (Index m = 0; m < W.cols(); ++m) {
      Scalar z = X.cols() == 0 ? Scalar(0) : X(i, 0) * W(0, m);
      for (Index n = 1; n < X.cols(); ++n) z = z + X(i, n) * W(n, m);
      Z(i, m) = z + b(m);
    }
}

template <class Scalar>
void dense_forward_relu(ConstMatrixRef<Scalar> X, ConstMatrixRef<Scalar> W,
                        Eigen::Ref<const RowVector<Scalar>> b, MatrixRef<Scalar> Z,
                        MatrixRef<Scalar> A) {
  reference::dense_forward<Scalar>(X, W, b, Z);
  for (Index i = 0; i < Z.rows(); ++i)
    for (Index m = 0; m < Z.cols(); ++m) A(i, m) = Z(i, m) < Scalar(0) ? Scalar(0) : Z(i, m);
}

template <class Scalar>
void dense_backward_weights(ConstMatrixRef<Scalar> X, ConstMatrixRef<Scalar> dZ,
                            MatrixRef<Scalar> dW, Eigen::Ref<RowVector<Scalar>> db) {
  for (Index n = 0; n < X.cols(); ++n)
    for (Index m = 0; m < dZ.cols(); ++m) {
      Scalar g = X.rows() == 0 ? Scalar(0) : X(0, n) * dZ(0, m);
      for (Index i = 1; i < X.rows(); ++i) g = g + X(i, n) * dZ(i, m);
      dW(n, m) = g;
    }
  for (Index m = 0; m < dZ.cols(); ++m) {
    Scalar g = dZ.rows() == 0 ? Scalar(0) : dZ(0, m);
    for (Index i = 1; i < dZ.rows(); ++i) g = g + dZ(i, m);
    db(m) = g;
  }
}

template <class Scalar>
void dense_backward_input(ConstMatrixRef<Scalar> dZ, ConstMatrixRef<Scalar> W,
                          MatrixRef<Scalar> dX) {
  for (Index i = 0; i < dZ.rows(); ++i)
    for (Index k = 0; k < W.rows(); ++k) {
      Scalar d = W.cols() == 0 ? Scalar(0) : dZ(i, 0) * W(k, 0);
      for (Index j = 1; j < W.cols(); ++j) d = d + dZ(i, j) * W(k, j);
      dX(i, k) = d;
    }
}

template <class Scalar>
void dense_backward_input_relu(ConstMatrixRef<Scalar> dZ, ConstMatrixRef<Scalar> W,
                               ConstMatrixRef<Scalar> A_prev, MatrixRef<Scalar> dZ_prev) {
  reference::dense_backward_input<Scalar>(dZ, W, dZ_prev);
  for (Index i = 0; i < dZ_prev.rows(); ++i)
    for (Index k = 0; k < dZ_prev.cols(); ++k)
      dZ_prev(i, k) = A_prev(i, k) > Scalar(0) ? dZ_prev(i, k) : Scalar(0);
}

}  // namespace reference

#define MLP_INSTANTIATE_IN(ns, Scalar)                                                             \
  template void ns::dense_forward<Scalar>(ConstMatrixRef<Scalar>, ConstMatrixRef<Scalar>,          \
                                          Eigen::Ref<const RowVector<Scalar>>, MatrixRef<Scalar>); \
  template void ns::dense_forward_relu<Scalar>(ConstMatrixRef<Scalar>, ConstMatrixRef<Scalar>,     \
                                               Eigen::Ref<const RowVector<Scalar>>,                \
                                               MatrixRef<Scalar>, MatrixRef<Scalar>);              \
  template void ns::dense_backward_weights<Scalar>(ConstMatrixRef<Scalar>, ConstMatrixRef<Scalar>, \
                                                   MatrixRef<Scalar>,                              \
                                                   Eigen::Ref<RowVector<Scalar>>);                 \
  template void ns::dense_backward_input<Scalar>(ConstMatrixRef<Scalar>, ConstMatrixRef<Scalar>,   \
                                                 MatrixRef<Scalar>);                               \
  template void ns::dense_backward_input_relu<Scalar>(                                             \
      ConstMatrixRef<Scalar>, ConstMatrixRef<Scalar>, ConstMatrixRef<Scalar>, MatrixRef<Scalar>);
MLP_INSTANTIATE_IN(mlp, float)
MLP_INSTANTIATE_IN(mlp, double)
template void dense_backward_bias<float>(ConstMatrixRef<float>, Eigen::Ref<RowVector<float>>);
template void dense_backward_bias<double>(ConstMatrixRef<double>, Eigen::Ref<RowVector<double>>);
MLP_INSTANTIATE_IN(mlp::reference, float)
MLP_INSTANTIATE_IN(mlp::reference, double)
#undef MLP_INSTANTIATE_IN

}  // namespace mlp
