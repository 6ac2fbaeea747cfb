// Each rank reads its shard of IDX images (mpirun; docs/distributed.md): the records of its
// stripes (nn/stripes.hpp), with the classes every rank's labels hold, for train_model with
// FitOptions::stripe_rows.
//
//   mlp::IdxShard<float> shard = mlp::read_idx_shard<float>(images, labels, comm, 128, 32);
//   options.communicator = &comm;
//   options.stripe_rows = shard.stripe_rows;
//   auto result = mlp::train_model<float>(std::move(shard.data), settings, nullptr, options);
#pragma once

#include <string>
#include <vector>

#include "mlp/data/dataset.hpp"
#include "mlp/nn/communicator.hpp"

namespace mlp {

template <class Scalar>
struct IdxShard {
  Dataset<Scalar> data;            // this rank's records (its stripes', one after the other)
  std::vector<Index> stripe_rows;  // (G) every stripe's records, the same on every rank
  Index records = 0;               // in the whole file
};

// The file of n records cut into G = stripe_count(batch, block_rows) stripes (batch: the global
// batch, at most n; 0: n), stripe g records [n g / G, n (g + 1) / G); this rank's stripes' records
// read from both files (read_idx_images: a raw file from their first byte on, a gzip file
// decompressed past the records before them), the classes the label values present on any rank
// (one allreduce), so that every rank has the same. A collective call; throws DataError as
// dataset_from_idx, naming the file.
template <class Scalar>
IdxShard<Scalar> read_idx_shard(const std::string& images_path, const std::string& labels_path,
                                Communicator& comm, Index batch, Index block_rows);

}  // namespace mlp
