// Model metadata: the column encoder and the CSV dialect survive the JSON round trip, and the
// metadata of a file written before them still loads.
#include "mlp/model/model_metadata.hpp"

#include <gtest/gtest.h>

#include "mlp/core/error.hpp"

namespace {

mlp::ModelMetadata with_columns() {
  mlp::CsvOptions dialect;
  dialect.delimiter = ';';
  dialect.decimal = ',';
  const auto table = mlp::parse_csv("x;colour;y\n1,5;red;a\n2;blue;b\n;red;a\n", "t.csv", dialect);
  mlp::ModelMetadata meta;
  meta.target = std::string("y");  // not = "y": GCC 12 warns falsely (-Wrestrict, bug 105329)
  meta.columns = mlp::ColumnEncoder::fit(table, "y", {});
  meta.feature_names = meta.columns->feature_names();
  meta.csv_dialect = dialect;
  meta.class_names = {"a", "b"};
  return meta;
}

TEST(ModelMetadata, ColumnsAndDialectRoundTrip) {
  const mlp::ModelMetadata meta = with_columns();
  const auto back = mlp::ModelMetadata::from_json(meta.to_json());
  ASSERT_TRUE(back.columns.has_value());
  EXPECT_EQ(back.columns->to_json(), meta.columns->to_json());
  EXPECT_EQ(back.feature_names, (std::vector<std::string>{"x", "colour=blue", "colour=red"}));
  ASSERT_TRUE(back.csv_dialect.has_value());
  EXPECT_EQ(back.csv_dialect->delimiter, ';');
  EXPECT_EQ(back.csv_dialect->decimal, ',');
  EXPECT_EQ(back.to_json(), meta.to_json());
}

TEST(ModelMetadata, FilesWithoutColumnsStillLoad) {
  const auto old = mlp::ModelMetadata::from_json(
      R"({"format_version": 1, "task": "classification", "input_format": "csv", "target": "y",
          "feature_names": ["a", "b"], "class_names": ["0", "1"]})");
  EXPECT_FALSE(old.columns.has_value());
  EXPECT_FALSE(old.csv_dialect.has_value());
  EXPECT_EQ(old.feature_names, (std::vector<std::string>{"a", "b"}));
}

TEST(ModelMetadata, InconsistentColumnsAreRejected) {
  mlp::ModelMetadata meta = with_columns();
  meta.feature_names = {"x", "colour=blue", "colour=green"};
  EXPECT_THROW(mlp::ModelMetadata::from_json(meta.to_json()), mlp::ModelFileError);
  std::string text = with_columns().to_json();
  text.replace(text.find(R"("delimiter":";")"), 15, R"("delimiter":"\"")");
  EXPECT_THROW(mlp::ModelMetadata::from_json(text), mlp::ModelFileError);
}

}  // namespace
