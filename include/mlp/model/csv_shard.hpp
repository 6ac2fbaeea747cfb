// Each rank reads its shard of a CSV table (mpirun; docs/distributed.md): the rows of its stripes
// (nn/stripes.hpp), found by a scan of the file that builds no field, with the columns' encoding,
// the task and the classes of all the rows (every stripe's tallies gathered and merged in stripe
// order), so that every rank has the same, for train_model with FitOptions::stripe_rows.
//
//   mlp::ReadOptions read;
//   read.target = "y";
//   mlp::CsvShard<float> shard = mlp::read_csv_shard<float>("data.csv", read, comm, 128, 32);
//   options.communicator = &comm;
//   options.stripe_rows = shard.stripe_rows;
//   settings.sample_weight = std::move(shard.data.sample_weight);
//   auto result = mlp::train_model<float>(std::move(shard.data), settings, nullptr, options);
#pragma once

#include <string>
#include <vector>

#include "mlp/data/dataset.hpp"
#include "mlp/data/read_dataset.hpp"
#include "mlp/nn/communicator.hpp"

namespace mlp {

template <class Scalar>
struct CsvShard {
  Dataset<Scalar> data;            // this rank's rows with a target (its stripes', in file order)
  std::vector<Index> stripe_rows;  // (G) every stripe's rows with a target, the same on every rank
  Index rows = 0;                  // the rows with a target in the whole file
};

// The CSV file at `path` (a regular file) read as read_dataset reads data to train on (the
// options' target, columns, dialect, task; no model), by shards: its n data rows cut into G =
// stripe_count(batch, block_rows) stripes (batch: the global batch, at most n; 0: n), stripe g
// rows [n g / G, n (g + 1) / G); this rank reads its stripes' rows only. A collective call. Throws
// DataError as read_dataset, naming the file, and on every rank when the ranks' files differ in
// their rows or header, naming the rank that differs.
template <class Scalar>
CsvShard<Scalar> read_csv_shard(const std::string& path, const ReadOptions& options,
                                Communicator& comm, Index batch, Index block_rows);

}  // namespace mlp
