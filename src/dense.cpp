#include "mlp/dense.hpp"

namespace mlp {

template <class Scalar>
void dense_forward(ConstMatrixRef<Scalar> X, ConstMatrixRef<Scalar> W,
                   Eigen::Ref<const RowVector<Scalar>> b, MatrixRef<Scalar> Z) {
  Z.noalias() = X * W;
  Z.rowwise() += b;
}

template <class Scalar>
void dense_backward_weights(ConstMatrixRef<Scalar> X, ConstMatrixRef<Scalar> dZ,
                            MatrixRef<Scalar> dW, Eigen::Ref<RowVector<Scalar>> db) {
  dW.noalias() = X.transpose() * dZ;
  db = dZ.colwise().sum();
}

template <class Scalar>
void dense_backward_input(ConstMatrixRef<Scalar> dZ, ConstMatrixRef<Scalar> W,
                          MatrixRef<Scalar> dX) {
  dX.noalias() = dZ * W.transpose();
}

#define MLP_INSTANTIATE(Scalar)                                                                   \
  template void dense_forward<Scalar>(ConstMatrixRef<Scalar>, ConstMatrixRef<Scalar>,             \
                                      Eigen::Ref<const RowVector<Scalar>>, MatrixRef<Scalar>);    \
  template void dense_backward_weights<Scalar>(ConstMatrixRef<Scalar>, ConstMatrixRef<Scalar>,    \
                                               MatrixRef<Scalar>, Eigen::Ref<RowVector<Scalar>>); \
  template void dense_backward_input<Scalar>(ConstMatrixRef<Scalar>, ConstMatrixRef<Scalar>,      \
                                             MatrixRef<Scalar>);
MLP_INSTANTIATE(float)
MLP_INSTANTIATE(double)
#undef MLP_INSTANTIATE

}  // namespace mlp
