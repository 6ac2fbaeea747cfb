// Stripes: how data-parallel training cuts its data so that each rank reads only its shard and the
// model is still the same bits on any number of ranks (docs/distributed.md,
// FitOptions::stripe_rows).
//
// The training data is cut into G stripes, G = ceil(B / block_rows) for the global batch B: the
// number of gradient blocks of a full batch, which depends on B and block_rows, never on the number
// of ranks N (fit takes any G from that up to B: more stripes, smaller blocks). Block g of every
// batch is drawn from stripe g, and rank r of N computes blocks [G r / N, G (r + 1) / N)
// (src/nn/block_sum.hpp): so it only ever touches the rows of those stripes, which is all it needs
// to read. With the rows of a file cut in file order, stripe g is rows [n g / G, n (g + 1) / G)
// (stripe_start), and a rank's stripes are one contiguous range.
//
//   const mlp::Index G = mlp::stripe_count(batch, options.gradient_block_rows);
//   const mlp::StripeRange mine = mlp::stripes_of_rank(G, comm.size(), comm.rank());
//   // read rows [stripe_start(n, G, mine.first), stripe_start(n, G, mine.last)) of the file
#pragma once

#include "mlp/core/matrix.hpp"

namespace mlp {

// Stripes [first, last).
struct StripeRange {
  Index first = 0, last = 0;
};

// G = ceil(batch / block_rows): the stripes for global batches of `batch` rows (>= 1) cut into
// blocks of at most block_rows (>= 1) rows.
Index stripe_count(Index batch, Index block_rows);

// The first row of stripe g of `rows` rows cut into `stripes` stripes: rows * g / stripes (g may be
// `stripes`: the end).
Index stripe_start(Index rows, Index stripes, Index g);

// The stripes rank `rank` of `ranks` computes the blocks of: [G r / N, G (r + 1) / N), the
// blocks block_sum.hpp gives it (empty for ranks beyond G).
StripeRange stripes_of_rank(Index stripes, int ranks, int rank);

// The rows block g of every full batch of `batch` rows takes from stripe g: its block of the
// batch, batch (g + 1) / G - batch g / G (block_sum.hpp's blocks).
Index stripe_block_rows(Index batch, Index stripes, Index g);

}  // namespace mlp
