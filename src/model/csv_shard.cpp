#include "mlp/model/csv_shard.hpp"

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <span>

#include "data/csv_dataset.hpp"
#include "data/csv_row_scan.hpp"
#include "mlp/core/error.hpp"
#include "mlp/data/csv_reader.hpp"
#include "mlp/nn/stripes.hpp"

namespace mlp {

namespace {

// Rows between two entries of the scan's index: a rank finds its first row by scanning at most
// this many rows from the entry before it.
constexpr std::size_t kCsvIndexEvery = 4096;

// The header's names and the dialect hashed (FNV-1a over their bytes), as two exact doubles.
std::pair<double, double> csv_header_hash(const std::vector<std::string>& header,
                                          const CsvOptions& dialect) {
  std::uint64_t hash = 14695981039346656037ull;
  const auto add = [&](char c) {
    hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  };
  for (const auto& name : header) {
    for (const char c : name) add(c);
    add('\0');
  }
  add(dialect.delimiter);
  add(dialect.decimal);
  return {static_cast<double>(hash >> 32), static_cast<double>(hash & 0xffffffffu)};
}

// Every rank must read the same table: each rank's row count, column count and header hash
// gathered (a collective call of a fixed size, safe whatever the files hold); one that differs
// from rank 0's fails on every rank, naming that rank (and, on itself, its file and header).
void check_same_csv_files(Communicator& comm, std::size_t rows, const detail::RowSource& table) {
  const auto [high, low] = csv_header_hash(table.header(), table.dialect());
  const std::vector<double> mine{static_cast<double>(rows),
                                 static_cast<double>(table.header().size()), high, low};
  std::vector<double> all(4 * static_cast<std::size_t>(comm.size()));
  const std::vector<Index> counts(static_cast<std::size_t>(comm.size()), 4);
  comm.allgather(mine, all, counts);
  const auto at = [&](int r, int k) { return all[4 * static_cast<std::size_t>(r) + k]; };
  const auto described = [&](int r) {
    std::string text = std::to_string(static_cast<long long>(at(r, 0))) + " rows of " +
                       std::to_string(static_cast<long long>(at(r, 1))) + " columns";
    if (r == comm.rank())
      text += " from " + table.source() + " (" + quoted_column_list(table.header()) + ")";
    return text;
  };
  for (int r = 1; r < comm.size(); ++r) {
    if (at(r, 0) == at(0, 0) && at(r, 1) == at(0, 1) && at(r, 2) == at(0, 2) &&
        at(r, 3) == at(0, 3))
      continue;
    const bool header = at(r, 2) != at(0, 2) || at(r, 3) != at(0, 3);
    throw DataError("rank " + std::to_string(r) + " of " + std::to_string(comm.size()) + " reads " +
                    described(r) + ", rank 0 " + described(0) +
                    (header ? ", under another header or dialect" : "") +
                    ": every process must be given the same CSV file");
  }
}

// Every stripe's tallies (this rank's in `mine`, one per stripe of `layout`), in stripe order on
// every rank: their sizes gathered, then their values.
std::vector<double> gather_stripe_tallies(Communicator& comm, Index stripes,
                                          const std::vector<std::vector<double>>& mine,
                                          std::vector<std::size_t>& sizes) {
  const auto ranks = static_cast<std::size_t>(comm.size());
  std::vector<Index> counts(ranks);
  for (int r = 0; r < comm.size(); ++r) {
    const StripeRange theirs = stripes_of_rank(stripes, comm.size(), r);
    counts[static_cast<std::size_t>(r)] = theirs.last - theirs.first;
  }
  std::vector<double> my_sizes, all_sizes(static_cast<std::size_t>(stripes));
  for (const auto& tally : mine) my_sizes.push_back(static_cast<double>(tally.size()));
  comm.allgather(my_sizes, all_sizes, counts);
  std::vector<double> my_values;
  for (const auto& tally : mine) my_values.insert(my_values.end(), tally.begin(), tally.end());
  std::vector<Index> value_counts(ranks, 0);
  sizes.clear();
  for (std::size_t r = 0, g = 0; r < ranks; ++r)
    for (Index k = 0; k < counts[r]; ++k, ++g) {
      sizes.push_back(static_cast<std::size_t>(all_sizes[g]));
      value_counts[r] += static_cast<Index>(sizes.back());
    }
  std::vector<double> all(std::accumulate(sizes.begin(), sizes.end(), std::size_t(0)));
  comm.allgather(my_values, all, value_counts);
  return all;
}

// Refuses sample weights that are all 0 over every rank (one collective call).
template <class Scalar>
void check_some_weight(Communicator& comm, const Dataset<Scalar>& data, const ReadOptions& options,
                       const std::string& source) {
  const bool positive = std::any_of(data.sample_weight.begin(), data.sample_weight.end(),
                                    [](double w) { return w > 0.0; });
  if (!options.columns.sample_weight.empty() && !comm.any(positive))
    throw DataError(source + ": column '" + options.columns.sample_weight +
                    "': every sample weight is 0 (at least one must be positive)");
}

}  // namespace

template <class Scalar>
CsvShard<Scalar> read_csv_shard(const std::string& path, const ReadOptions& options,
                                Communicator& comm, Index batch, Index block_rows) {
  if (!options.labels_path.empty())
    throw InvalidArgument("a labels file is for IDX images; " + path + " is read as CSV");
  if (options.target.empty())
    throw InvalidArgument(path + " is read as CSV: name its target column (the column to predict)");
  CsvReader reader(path);
  detail::ReaderRows table = detail::start_csv_table(reader, options);
  const detail::CsvRowIndex index = detail::index_csv_rows(
      path, reader.dialect().delimiter, {reader.data_offset(), reader.data_line()}, kCsvIndexEvery);
  check_same_csv_files(comm, index.rows, table);
  const auto n = static_cast<Index>(index.rows);
  if (n == 0) throw DataError(table.source() + ": no data rows (only a header line)");
  const Index G = stripe_count(batch <= 0 || batch > n ? n : batch, block_rows);
  const StripeRange mine = stripes_of_rank(G, comm.size(), comm.rank());
  const auto row_at = [&](Index g) {
    return detail::find_csv_row(path, reader.dialect().delimiter, index,
                                static_cast<std::size_t>(stripe_start(n, G, g)));
  };
  const detail::CsvRowStart begin = row_at(mine.first), end = row_at(mine.last);
  reader.read_range(begin.offset, begin.line, end.offset);
  std::vector<std::size_t> my_rows;
  for (Index g = mine.first; g < mine.last; ++g)
    my_rows.push_back(static_cast<std::size_t>(stripe_start(n, G, g + 1) - stripe_start(n, G, g)));

  detail::TrainingShard shard(table, options.target, options.columns, options.task);
  // Every stripe's tallies, held until they are merged; a second time when columns must be
  // counted past their numbers (TrainingShard::merge: the same on every rank).
  std::vector<std::size_t> past_numbers, again;
  do {
    std::vector<std::size_t> sizes;
    const std::vector<double> all =
        gather_stripe_tallies(comm, G, shard.tally_stripes(my_rows, past_numbers), sizes);
    std::vector<std::span<const double>> stripes;
    for (std::size_t g = 0, at = 0; g < sizes.size(); at += sizes[g++])
      stripes.push_back(std::span<const double>(all).subspan(at, sizes[g]));
    again = shard.merge(stripes, static_cast<std::size_t>(mine.first),
                        [&comm](std::span<double> values) { comm.allreduce_sum(values); });
    past_numbers.insert(past_numbers.end(), again.begin(), again.end());
  } while (!again.empty());

  CsvShard<Scalar> result;
  result.data = shard.read<Scalar>();
  result.data.format = DataFormat::csv;
  check_some_weight(comm, result.data, options, table.source());
  for (const std::size_t rows : shard.stripe_rows()) {
    result.stripe_rows.push_back(static_cast<Index>(rows));
    result.rows += static_cast<Index>(rows);
  }
  return result;
}

template CsvShard<float> read_csv_shard<float>(const std::string&, const ReadOptions&,
                                               Communicator&, Index, Index);
template CsvShard<double> read_csv_shard<double>(const std::string&, const ReadOptions&,
                                                 Communicator&, Index, Index);

}  // namespace mlp
