// Sharded training data (mpirun, each rank given only its stripes of the table;
// docs/distributed.md): the parts of the training recipe that need every row, computed over all the
// stripes by one collective call each, whose parts are combined in stripe order, so that every
// rank, and every number of ranks, gets the same bits. Internal to the library: train_model uses it
// when FitOptions::stripe_rows describes the table's stripes.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "mlp/data/dataset.hpp"
#include "mlp/data/metrics.hpp"
#include "mlp/data/preprocessing.hpp"
#include "mlp/model/checkpoint.hpp"
#include "mlp/nn/communicator.hpp"
#include "mlp/nn/stripes.hpp"

namespace mlp {

// Where this rank's rows are among the table's stripes.
struct ShardLayout {
  Communicator* comm = nullptr;
  std::vector<Index> table_rows;  // (G) each stripe's rows of the table, the same on every rank
  StripeRange mine;               // this rank's stripes
};

// The layout for `table_rows` on comm; throws DataError when `held` (the rows this rank was
// given) is not what its stripes hold.
ShardLayout shard_layout(Communicator& comm, std::vector<Index> table_rows, Index held);

// Every stripe's training and validation rows after split_stripes.
struct StripeSplit {
  std::vector<Index> train, validation;   // (G) each
  Index my_train = 0, my_validation = 0;  // this rank's
  std::vector<Index> order;               // this rank's rows: new row i was row order[i]
};

// The validation split within each stripe: round(fraction x its rows) of them held out, stratified
// by class for classification (stratified_split), at random by the seed and the stripe (never by
// the rank); this rank's rows reordered in place, its stripes' training rows first (stripe after
// stripe), then their validation rows. Returns every stripe's counts (one allgather).
template <class Scalar>
StripeSplit split_stripes(Dataset<Scalar>& data, const ShardLayout& layout, double fraction,
                          std::uint64_t seed);

// The standardisation of each column over every stripe's training rows (X_train: this rank's,
// stripe after stripe): each stripe's count, mean and sum of squared deviations M2 (Welford's
// updates), merged in stripe order by Chan's rule
//   n = na + nb,  mean = ma + d nb / n,  M2 = M2a + M2b + d^2 na nb / n,  d = mb - ma,
// the scale the population deviation sqrt(M2 / n) (1 for a constant column), as StandardScaler.
template <class Scalar>
StandardScaler<double> sharded_scaler(ConstMatrixRef<Scalar> X_train, const StripeSplit& split,
                                      const ShardLayout& layout);

// scikit-learn's balanced class weights (balanced_class_weights: class c weighs n / (k count(c)))
// over every rank's training labels, the counts summed over the ranks (exact integers), as the
// sample weights of this rank's `labels`. A collective call.
std::vector<double> sharded_balanced_weights(Communicator& comm, std::span<const int> labels,
                                             int n_classes);

// The regression metrics (regression_metrics) of one part of the rows, training or validation,
// over every stripe: `truth` and `predicted` this rank's rows of the part (stripe after stripe),
// `rows` every stripe's rows of the part. The sums are made per stripe and added in stripe order
// (two allgathers: the mean of the truth, then the squared deviations from it), so that they are
// the same bits on any number of ranks. A collective call.
RegressionMetrics sharded_regression_metrics(std::span<const double> truth,
                                             std::span<const double> predicted,
                                             const std::vector<Index>& rows,
                                             const ShardLayout& layout);

// The data's fingerprint (data_fingerprint) made by stripes: each of this rank's stripes' rows
// fingerprinted alone, every stripe's hash gathered and the hashes combined in stripe order
// (FNV-1a over their bytes), so that it is the same on any number of ranks (and not the one of the
// whole table read by one process). A collective call.
// `sample_weight`: one per row of `data` (this rank's), or empty.
template <class Scalar>
DataFingerprint sharded_fingerprint(const Dataset<Scalar>& data,
                                    std::span<const double> sample_weight,
                                    const ShardLayout& layout);

// The label values 0..255 present on any rank, increasing (one allreduce of exact counts).
std::vector<int> merged_label_values(Communicator& comm, const std::vector<int>& values);

}  // namespace mlp
