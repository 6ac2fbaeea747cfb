#include "mlp/nn/stripes.hpp"

namespace mlp {

Index stripe_count(Index batch, Index block_rows) {
  return (batch + block_rows - 1) / block_rows;
}

Index stripe_start(Index rows, Index stripes, Index g) {
  return rows * g / stripes;
}

StripeRange stripes_of_rank(Index stripes, int ranks, int rank) {
  return {stripes * rank / ranks, stripes * (rank + 1) / ranks};
}

Index stripe_block_rows(Index batch, Index stripes, Index g) {
  return stripe_start(batch, stripes, g + 1) - stripe_start(batch, stripes, g);
}

}  // namespace mlp
