// Reading IDX files, the format of the MNIST database (http://yann.lecun.com/exdb/mnist/), raw
// or gzip-compressed (recognised by the gzip magic bytes 1f 8b).
//
// An IDX file is a 4-byte magic number 00 00 TT NN (TT = element type, 08 for unsigned bytes;
// NN = number of dimensions), NN big-endian 32-bit dimension sizes, then the elements in row-major
// order. Images are magic 2051 (00 00 08 03: count, rows, columns); labels are magic 2049
// (00 00 08 01: count).
//
//   auto X = mlp::read_idx_images<float>("t10k-images-idx3-ubyte.gz");  // 10000 x 784, in [0, 1]
//   auto y = mlp::read_idx_labels("t10k-labels-idx1-ubyte.gz");         // 10000 digits
//
// Every problem is reported as mlp::DataError "FILE: what": a missing or unreadable file, a
// wrong magic number or element type, a zero or implausible dimension, data shorter or longer
// than the header declares, corrupt gzip data. Memory grows only with the data actually read,
// so a damaged header cannot make the reader allocate more than the file holds.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "mlp/core/matrix.hpp"
#include "mlp/data/dataset.hpp"

namespace mlp {

// A range of records (images, labels): [first, first + count) (count may be 0). count -1: every
// record.
struct IdxRecords {
  Index first = 0, count = -1;
};

// Reads an IDX image file (magic 2051): one image per row, rows*columns pixels in row-major
// order, each byte v converted to v / 255 (so values are in [0, 1]). With `records`, only those
// images (a shard, docs/distributed.md): a raw file is read from their first byte on (a seek), a
// gzip file is decompressed from its start, the images before them passing through zlib without
// being kept; the check for data after the last image is made only when the records include it.
// Throws DataError.
template <class Scalar>
Matrix<Scalar> read_idx_images(const std::string& path, IdxRecords records = {});

// Reads an IDX label file (magic 2049): one value 0..255 per sample (of `records` only, as
// read_idx_images). Throws DataError.
std::vector<int> read_idx_labels(const std::string& path, IdxRecords records = {});

// The number of images an IDX image file's header declares (its header alone is read).
Index read_idx_image_count(const std::string& path);

// A classification dataset from an image file and a label file of the same length: features
// as read_idx_images, feature names "pixel0", "pixel1", ..., class names the distinct label
// values present, in increasing order, as decimal strings ("0".."9" for MNIST), and labels the
// index of each sample's value in class_names. Throws DataError when either file is bad, when
// the counts differ or when fewer than two distinct labels are present.
// With `records`, those records of both files (a shard); with `class_values` (label values,
// increasing, such as every shard's merged), those are the classes, not the values present,
// and a label outside them is a DataError.
template <class Scalar>
Dataset<Scalar> dataset_from_idx(const std::string& images_path, const std::string& labels_path,
                                 IdxRecords records = {}, std::span<const int> class_values = {});

}  // namespace mlp
