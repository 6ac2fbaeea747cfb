#include "mlp/nn/output.hpp"

namespace mlp {

template <class Scalar>
Matrix<Scalar> apply_output_rule(Activation output, ConstMatrixRef<Scalar> A) {
  if (output == Activation::sigmoid) {
    return (A.array() >= Scalar(0.5)).template cast<Scalar>().matrix();
  }
  if (output == Activation::softmax) {
    Matrix<Scalar> classes(A.rows(), 1);
    for (Index i = 0; i < A.rows(); ++i) {
      Index best = 0;
      A.row(i).maxCoeff(&best);
      classes(i, 0) = static_cast<Scalar>(best);
    }
    return classes;
  }
  return A;
}

bool output_is_classification(Activation output) {
  return output == Activation::sigmoid || output == Activation::softmax;
}

template <class Scalar>
Index count_correct(Activation output, ConstMatrixRef<Scalar> A, ConstMatrixRef<Scalar> Y) {
  Index correct = 0;
  if (output == Activation::softmax) {
    for (Index i = 0; i < A.rows(); ++i) {
      Index predicted = 0, expected = 0;
      A.row(i).maxCoeff(&predicted);
      Y.row(i).maxCoeff(&expected);
      correct += predicted == expected;
    }
  } else if (output == Activation::sigmoid) {
    for (Index i = 0; i < A.rows(); ++i) {
      bool right = true;
      for (Index j = 0; j < A.cols(); ++j)
        right = right && ((A(i, j) >= Scalar(0.5)) == (Y(i, j) >= Scalar(0.5)));
      correct += right;
    }
  }
  return correct;
}

#define MLP_INSTANTIATE(Scalar)                                                          \
  template Matrix<Scalar> apply_output_rule<Scalar>(Activation, ConstMatrixRef<Scalar>); \
  template Index count_correct<Scalar>(Activation, ConstMatrixRef<Scalar>, ConstMatrixRef<Scalar>);
MLP_INSTANTIATE(float)
MLP_INSTANTIATE(double)
#undef MLP_INSTANTIATE

}  // namespace mlp
