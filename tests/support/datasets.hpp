// The shared datasets (iris, diabetes, tips, taxis, planets, MNIST), read where they are: the
// folder is MLP_DATASETS_DIR, set by tests/CMakeLists.txt.
#pragma once

#include <string>

namespace mlp::test {

inline const std::string datasets = MLP_DATASETS_DIR;
inline const std::string iris_csv = datasets + "/iris.csv";

}  // namespace mlp::test
