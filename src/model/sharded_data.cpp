#include "model/sharded_data.hpp"

#include <array>
#include <cmath>
#include <numeric>
#include <span>
#include <string>

#include "mlp/core/error.hpp"
#include "mlp/core/random.hpp"
#include "mlp/data/idx.hpp"
#include "mlp/data/read_dataset.hpp"
#include "mlp/model/idx_shard.hpp"
#include "mlp/nn/class_weight.hpp"

namespace mlp {

namespace {

// The rows data.features holds reordered: new row i is old row order[i].
template <class Scalar>
void reorder_shard_rows(Dataset<Scalar>& data, const std::vector<Index>& order) {
  Eigen::PermutationMatrix<Eigen::Dynamic, Eigen::Dynamic, int> permutation(data.size());
  for (Index i = 0; i < data.size(); ++i)
    permutation.indices()(order[static_cast<std::size_t>(i)]) = static_cast<int>(i);
  data.features = permutation * data.features;  // Eigen permutes in place
  if (data.task == Task::classification) {
    std::vector<int> labels(data.labels.size());
    for (std::size_t i = 0; i < labels.size(); ++i)
      labels[i] = data.labels[static_cast<std::size_t>(order[i])];
    data.labels = std::move(labels);
  } else {
    data.targets = permutation * data.targets;
  }
}

// The seed of stripe g's validation split: the seed and g mixed (splitmix64's finaliser).
std::uint64_t stripe_split_seed(std::uint64_t seed, Index g) {
  std::uint64_t x = seed + 0x9e3779b97f4a7c15ull * static_cast<std::uint64_t>(g + 1);
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// Every stripe's `per_stripe` values (this rank's in `mine`, stripe after stripe), in stripe
// order, on every rank.
std::vector<double> gather_stripe_values(const ShardLayout& layout, const std::vector<double>& mine,
                                         Index per_stripe) {
  Communicator& comm = *layout.comm;
  const auto G = static_cast<Index>(layout.table_rows.size());
  std::vector<Index> counts(static_cast<std::size_t>(comm.size()));
  for (int r = 0; r < comm.size(); ++r) {
    const StripeRange theirs = stripes_of_rank(G, comm.size(), r);
    counts[static_cast<std::size_t>(r)] = per_stripe * (theirs.last - theirs.first);
  }
  std::vector<double> all(static_cast<std::size_t>(per_stripe * G));
  comm.allgather(mine, all, counts);
  return all;
}

}  // namespace

ShardLayout shard_layout(Communicator& comm, std::vector<Index> table_rows, Index held) {
  ShardLayout layout;
  layout.comm = &comm;
  layout.mine = stripes_of_rank(static_cast<Index>(table_rows.size()), comm.size(), comm.rank());
  const Index mine = std::accumulate(table_rows.begin() + layout.mine.first,
                                     table_rows.begin() + layout.mine.last, Index(0));
  if (mine != held)
    throw DataError("rank " + std::to_string(comm.rank()) + " was given " + std::to_string(held) +
                    " rows, but its stripes hold " + std::to_string(mine));
  layout.table_rows = std::move(table_rows);
  return layout;
}

template <class Scalar>
StripeSplit split_stripes(Dataset<Scalar>& data, const ShardLayout& layout, double fraction,
                          std::uint64_t seed) {
  std::vector<Index> train, validation;
  std::vector<double> counts;  // (2 per stripe of this rank) its training and validation rows
  Index at = 0;
  for (Index g = layout.mine.first; g < layout.mine.last; ++g) {
    const Index rows = layout.table_rows[static_cast<std::size_t>(g)];
    Split split;
    if (fraction > 0.0 && rows > 0) {
      Random rng(stripe_split_seed(seed, g));
      split = data.task == Task::classification
                  ? stratified_split(
                        std::vector<int>(data.labels.begin() + at, data.labels.begin() + at + rows),
                        fraction, rng)
                  : random_split(rows, fraction, rng);
    } else {
      split.train.resize(static_cast<std::size_t>(rows));
      std::iota(split.train.begin(), split.train.end(), Index(0));
    }
    for (Index row : split.train) train.push_back(at + row);
    for (Index row : split.test) validation.push_back(at + row);
    counts.push_back(static_cast<double>(split.train.size()));
    counts.push_back(static_cast<double>(split.test.size()));
    at += rows;
  }
  StripeSplit result;
  result.my_train = static_cast<Index>(train.size());
  result.my_validation = static_cast<Index>(validation.size());
  train.insert(train.end(), validation.begin(), validation.end());
  reorder_shard_rows(data, train);
  result.order = std::move(train);
  const std::vector<double> all = gather_stripe_values(layout, counts, 2);
  for (std::size_t g = 0; g < layout.table_rows.size(); ++g) {
    result.train.push_back(static_cast<Index>(all[2 * g]));
    result.validation.push_back(static_cast<Index>(all[2 * g + 1]));
  }
  return result;
}

template <class Scalar>
StandardScaler<double> sharded_scaler(ConstMatrixRef<Scalar> X_train, const StripeSplit& split,
                                      const ShardLayout& layout) {
  const Index cols = X_train.cols();
  // (stripe, column): count, mean, M2, by Welford's updates over the stripe's rows.
  std::vector<double> mine;
  Index at = 0;
  for (Index g = layout.mine.first; g < layout.mine.last; ++g) {
    const Index rows = split.train[static_cast<std::size_t>(g)];
    for (Index j = 0; j < cols; ++j) {
      double mean = 0.0, m2 = 0.0;
      for (Index i = 0; i < rows; ++i) {
        const double x = static_cast<double>(X_train(at + i, j));
        const double delta = x - mean;
        mean += delta / static_cast<double>(i + 1);
        m2 += delta * (x - mean);
      }
      mine.insert(mine.end(), {static_cast<double>(rows), mean, m2});
    }
    at += rows;
  }
  const std::vector<double> all = gather_stripe_values(layout, mine, 3 * cols);
  StandardScaler<double> scaler;
  scaler.mean.setZero(cols);
  scaler.scale.setOnes(cols);
  const auto G = static_cast<Index>(layout.table_rows.size());
  for (Index j = 0; j < cols; ++j) {
    double n = 0.0, mean = 0.0, m2 = 0.0;
    for (Index g = 0; g < G; ++g) {  // Chan's merge, in stripe order
      const double* s = all.data() + 3 * (g * cols + j);
      if (s[0] == 0.0) continue;
      const double total = n + s[0], delta = s[1] - mean;
      mean += delta * s[0] / total;
      m2 += s[2] + delta * delta * n * s[0] / total;
      n = total;
    }
    if (!std::isfinite(mean) || !std::isfinite(m2))
      throw DataError("column " + std::to_string(j) + " holds a value that is not finite");
    scaler.mean(j) = mean;
    const double deviation = n > 0.0 ? std::sqrt(m2 / n) : 0.0;
    if (deviation > 0.0 && std::isfinite(deviation)) scaler.scale(j) = deviation;
  }
  return scaler;
}

std::vector<double> sharded_balanced_weights(Communicator& comm, std::span<const int> labels,
                                             int n_classes) {
  std::vector<double> count(static_cast<std::size_t>(n_classes), 0.0);
  for (int label : labels) count[static_cast<std::size_t>(label)] += 1.0;
  comm.allreduce_sum(count);  // sums of counts: exact in any order
  const double n = std::accumulate(count.begin(), count.end(), 0.0);
  double k = 0.0;  // classes that occur
  for (double c : count) k += c > 0.0 ? 1.0 : 0.0;
  std::vector<double> weights(count.size(), 0.0);
  for (std::size_t c = 0; c < count.size(); ++c)
    if (count[c] > 0.0) weights[c] = n / (k * count[c]);
  return class_sample_weights(labels, weights);
}

RegressionMetrics sharded_regression_metrics(std::span<const double> truth,
                                             std::span<const double> predicted,
                                             const std::vector<Index>& rows,
                                             const ShardLayout& layout) {
  const auto G = static_cast<Index>(layout.table_rows.size());
  // Per stripe of this rank: the sums of the squared and absolute errors and of the truth.
  std::vector<double> sums;
  std::size_t at = 0;
  for (Index g = layout.mine.first; g < layout.mine.last; ++g) {
    double squared = 0.0, absolute = 0.0, total = 0.0;
    for (Index i = 0; i < rows[static_cast<std::size_t>(g)]; ++i, ++at) {
      const double error = truth[at] - predicted[at];
      squared += error * error;
      absolute += std::abs(error);
      total += truth[at];
    }
    sums.insert(sums.end(), {squared, absolute, total});
  }
  const std::vector<double> all = gather_stripe_values(layout, sums, 3);
  double ss_res = 0.0, abs_sum = 0.0, sum = 0.0, n = 0.0;
  for (Index g = 0; g < G; ++g) {
    ss_res += all[static_cast<std::size_t>(3 * g)];
    abs_sum += all[static_cast<std::size_t>(3 * g + 1)];
    sum += all[static_cast<std::size_t>(3 * g + 2)];
    n += static_cast<double>(rows[static_cast<std::size_t>(g)]);
  }
  const double mean = sum / n;
  std::vector<double> deviations;
  at = 0;
  for (Index g = layout.mine.first; g < layout.mine.last; ++g) {
    double squares = 0.0;
    for (Index i = 0; i < rows[static_cast<std::size_t>(g)]; ++i, ++at)
      squares += (truth[at] - mean) * (truth[at] - mean);
    deviations.push_back(squares);
  }
  const std::vector<double> all_deviations = gather_stripe_values(layout, deviations, 1);
  double ss_tot = 0.0;
  for (const double d : all_deviations) ss_tot += d;
  RegressionMetrics m;
  m.mse = ss_res / n;
  m.mae = abs_sum / n;
  m.r2 = ss_tot > 0.0 ? 1.0 - ss_res / ss_tot : ss_res == 0.0 ? 1.0 : 0.0;
  return m;
}

template <class Scalar>
DataFingerprint sharded_fingerprint(const Dataset<Scalar>& data,
                                    std::span<const double> sample_weight,
                                    const ShardLayout& layout) {
  if (!sample_weight.empty() && sample_weight.size() != static_cast<std::size_t>(data.size()))
    throw InvalidArgument(std::to_string(sample_weight.size()) + " sample weights for " +
                          std::to_string(data.size()) + " samples");
  // Each stripe's hash as two exact doubles (its high and low 32 bits).
  std::vector<double> mine;
  Index at = 0;
  for (Index g = layout.mine.first; g < layout.mine.last; ++g) {
    const Index rows = layout.table_rows[static_cast<std::size_t>(g)];
    Dataset<Scalar> stripe;
    stripe.task = data.task;
    stripe.features = data.features.middleRows(at, rows);
    if (data.task == Task::classification)
      stripe.labels.assign(data.labels.begin() + at, data.labels.begin() + at + rows);
    else
      stripe.targets = data.targets.segment(at, rows);
    stripe.feature_names = data.feature_names;
    stripe.class_names = data.class_names;
    const auto weights =
        sample_weight.empty()
            ? sample_weight
            : sample_weight.subspan(static_cast<std::size_t>(at), static_cast<std::size_t>(rows));
    const std::uint64_t hash = data_fingerprint(stripe, weights).hash;
    mine.insert(mine.end(),
                {static_cast<double>(hash >> 32), static_cast<double>(hash & 0xffffffffu)});
    at += rows;
  }
  const std::vector<double> all = gather_stripe_values(layout, mine, 2);
  std::uint64_t combined = 14695981039346656037ull;  // FNV-1a over the stripes' hashes
  for (double half : all) {
    const auto bits = static_cast<std::uint32_t>(half);
    for (int shift = 0; shift < 32; shift += 8)
      combined = (combined ^ ((bits >> shift) & 0xffu)) * 1099511628211ull;
  }
  Index rows = 0;
  for (Index r : layout.table_rows) rows += r;
  return {rows, data.features.cols(), combined};
}

std::vector<int> merged_label_values(Communicator& comm, const std::vector<int>& values) {
  std::vector<double> present(256, 0.0);
  for (int v : values) present[static_cast<std::size_t>(v & 255)] = 1.0;
  comm.allreduce_sum(present);  // sums of 0 and 1: exact in any order
  std::vector<int> merged;
  for (int v = 0; v < 256; ++v)
    if (present[static_cast<std::size_t>(v)] > 0.0) merged.push_back(v);
  return merged;
}

namespace {

// Every rank must read the same images: each rank's image count and size gathered (a collective
// call of a fixed size, safe whatever the files hold); one that differs from rank 0's fails on
// every rank, naming that rank and its file.
void check_same_idx_files(Communicator& comm, Index images, Index pixels, const std::string& path) {
  const std::vector<double> mine{static_cast<double>(images), static_cast<double>(pixels)};
  std::vector<double> all(2 * static_cast<std::size_t>(comm.size()));
  const std::vector<Index> counts(static_cast<std::size_t>(comm.size()), 2);
  comm.allgather(mine, all, counts);
  auto described = [&](int r) {
    const auto i = 2 * static_cast<std::size_t>(r);
    return std::to_string(static_cast<long long>(all[i])) + " images of " +
           std::to_string(static_cast<long long>(all[i + 1])) + " pixels";
  };
  for (int r = 1; r < comm.size(); ++r)
    if (described(r) != described(0))
      throw DataError("rank " + std::to_string(r) + " of " + std::to_string(comm.size()) +
                      " reads " + described(r) + (r == comm.rank() ? " from " + path : "") +
                      ", rank 0 " + described(0) + (comm.rank() == 0 ? " from " + path : "") +
                      ": every process must be given the same IDX files");
}

}  // namespace

template <class Scalar>
IdxShard<Scalar> read_idx_shard(const std::string& images_path, const std::string& labels_path,
                                Communicator& comm, Index batch, Index block_rows) {
  IdxShard<Scalar> shard;
  shard.records = read_idx_image_count(images_path);
  const Index n = shard.records;
  const Index G = stripe_count(batch <= 0 || batch > n ? n : batch, block_rows);
  for (Index g = 0; g < G; ++g)
    shard.stripe_rows.push_back(stripe_start(n, G, g + 1) - stripe_start(n, G, g));
  const StripeRange mine = stripes_of_rank(G, comm.size(), comm.rank());
  const IdxRecords records{stripe_start(n, G, mine.first),
                           stripe_start(n, G, mine.last) - stripe_start(n, G, mine.first)};
  const std::vector<int> classes = merged_label_values(comm, read_idx_labels(labels_path, records));
  if (classes.size() < 2)
    throw DataError(labels_path + ": " + std::to_string(classes.size()) +
                    " distinct label in all; classification needs at least two");
  shard.data = dataset_from_idx<Scalar>(images_path, labels_path, records, classes);
  shard.data.format = DataFormat::idx;
  check_same_idx_files(comm, n, shard.data.features.cols(), images_path);
  return shard;
}

#define MLP_INSTANTIATE(Scalar)                                                                   \
  template StripeSplit split_stripes<Scalar>(Dataset<Scalar>&, const ShardLayout&, double,        \
                                             std::uint64_t);                                      \
  template StandardScaler<double> sharded_scaler<Scalar>(ConstMatrixRef<Scalar>,                  \
                                                         const StripeSplit&, const ShardLayout&); \
  template DataFingerprint sharded_fingerprint<Scalar>(                                           \
      const Dataset<Scalar>&, std::span<const double>, const ShardLayout&);                       \
  template IdxShard<Scalar> read_idx_shard<Scalar>(const std::string&, const std::string&,        \
                                                   Communicator&, Index, Index);
MLP_INSTANTIATE(float)
MLP_INSTANTIATE(double)
#undef MLP_INSTANTIATE

}  // namespace mlp
