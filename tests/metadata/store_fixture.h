// The shared fixture of the store tests. Every test in this suite runs once per backend
// (parameter: the backend name), so a new backend only adds an instantiation.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "lathe/metadata/metadata_store.h"
#include "testing/postgres_server.h"
#include "testing/temp_dir.h"

namespace lathe::metadata {

#define ASSERT_OK(expr)                                                             \
  do {                                                                              \
    auto&& lathe_st_ = (expr);                                                      \
    ASSERT_TRUE(lathe_st_.ok()) << ::lathe::detail::ToStatus(lathe_st_).ToString(); \
  } while (0)
#define EXPECT_OK(expr)                                                             \
  do {                                                                              \
    auto&& lathe_st_ = (expr);                                                      \
    EXPECT_TRUE(lathe_st_.ok()) << ::lathe::detail::ToStatus(lathe_st_).ToString(); \
  } while (0)

class StoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    uri_ = GetParam() == "postgresql" ? testing::NewTestPostgresDatabaseUri()
                                      : "sqlite://" + (tmp_ / "metadata.db").string();
    auto s = MetadataStore::Open(Uri());
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
  }
  void TearDown() override {
    store_.reset();
    if (GetParam() == "postgresql") testing::DropTestPostgresDatabase(uri_);
  }

  bool IsPostgres() const { return GetParam() == "postgresql"; }
  // The store every test starts with, empty; other processes may open it too.
  const std::string& Uri() const { return uri_; }

  // Types most tests use: Dataset/Model artifacts, Trainer execution, Pipeline/Run contexts.
  void RegisterTypes() {
    Type dataset{.kind = TypeKind::kArtifact,
                 .name = "Dataset",
                 .properties = {{"span", PropertyType::kInt}, {"split", PropertyType::kString}}};
    Type model{.kind = TypeKind::kArtifact,
               .name = "Model",
               .properties = {{"accuracy", PropertyType::kDouble},
                              {"blessed", PropertyType::kBool},
                              {"config", PropertyType::kStruct}}};
    Type trainer{.kind = TypeKind::kExecution,
                 .name = "Trainer",
                 .properties = {{"epochs", PropertyType::kInt}}};
    Type pipeline{.kind = TypeKind::kContext, .name = "Pipeline"};
    Type run{.kind = TypeKind::kContext,
             .name = "Run",
             .properties = {{"owner", PropertyType::kString}}};
    for (const Type* t : {&dataset, &model, &trainer, &pipeline, &run})
      ASSERT_OK(store_->PutType(*t));
  }

  Artifact NewArtifact(const std::string& type, const std::string& name) {
    Artifact a;
    a.type = type;
    a.name = name;
    a.uri = "/data/" + name;
    a.state = ArtifactState::kLive;
    return a;
  }

  int64_t PutArtifact(const Artifact& a) {
    auto ids = store_->PutArtifacts({a});
    EXPECT_TRUE(ids.ok()) << ids.status().ToString();
    return ids.ok() ? ids->at(0) : 0;
  }

  testing::TempDir tmp_;
  std::string uri_;
  std::unique_ptr<MetadataStore> store_;
};

}  // namespace lathe::metadata
