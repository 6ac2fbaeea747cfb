// Fewer points to draw for a long series (a 100,000-epoch history) that look the same as all of
// them at the chart's resolution. Only the drawing is thinned: the data are not touched.
#pragma once

#include <cstddef>
#include <vector>

namespace mlp::svg {

// The indices of the points of the series (x[i], y[i]) to draw at `buckets` columns: the x range
// is cut into `buckets` equal columns and, in each, the first, lowest, highest and last finite
// points are kept, so the line's envelope, start and end are exact. A NaN y (a gap in the line)
// is kept once per run of NaNs so that the gap stays. Returns every index when the series has no
// more than 4 * buckets points; indices are increasing. x must not decrease; x and y must have
// the same length (else InvalidArgument).
std::vector<std::size_t> downsample_indices(const std::vector<double>& x,
                                            const std::vector<double>& y, std::size_t buckets);

}  // namespace mlp::svg
