// Matrix types. Shapes follow the chapter's code: X is samples x features, W is n_in x n_out,
// Z = X W + b. Everything is row-major so that one sample is one contiguous row.
#pragma once

#include <Eigen/Core>
#include <cstddef>

namespace mlp {

using Index = Eigen::Index;

template <class Scalar>
using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

template <class Scalar>
using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;

template <class Scalar>
using RowVector = Eigen::Matrix<Scalar, 1, Eigen::Dynamic>;

// Non-owning views: layers and workspaces see slices of one contiguous buffer through these.
template <class Scalar>
using MatrixView = Eigen::Map<Matrix<Scalar>>;
template <class Scalar>
using ConstMatrixView = Eigen::Map<const Matrix<Scalar>>;
template <class Scalar>
using RowVectorView = Eigen::Map<RowVector<Scalar>>;
template <class Scalar>
using ConstRowVectorView = Eigen::Map<const RowVector<Scalar>>;

// Read-only reference to any row-major matrix expression with contiguous rows (a Matrix, a view,
// or a block of consecutive rows), so functions take both owned data and slices without copies.
template <class Scalar>
using ConstMatrixRef = Eigen::Ref<const Matrix<Scalar>>;
template <class Scalar>
using MatrixRef = Eigen::Ref<Matrix<Scalar>>;

}  // namespace mlp
