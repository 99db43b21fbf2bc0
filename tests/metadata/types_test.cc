#include "metadata/store_fixture.h"

namespace lathe::metadata {
namespace {

TEST_P(StoreTest, RegisterAndGetType) {
  Type t{.kind = TypeKind::kArtifact,
         .name = "Model",
         .version = "v1",
         .description = "trained model",
         .properties = {{"accuracy", PropertyType::kDouble}, {"config", PropertyType::kStruct}}};
  auto id = store_->PutType(t);
  ASSERT_OK(id);
  auto again = store_->PutType(t);
  ASSERT_OK(again);
  EXPECT_EQ(*id, *again);  // idempotent
  auto got = store_->GetType(TypeKind::kArtifact, "Model", "v1");
  ASSERT_OK(got);
  EXPECT_EQ(got->id, *id);
  EXPECT_EQ(got->description, "trained model");
  EXPECT_EQ(got->properties, t.properties);
  EXPECT_EQ(store_->GetTypeById(*id)->name, "Model");
  EXPECT_EQ(store_->GetType(TypeKind::kArtifact, "Model", "v2").status().code(),
            StatusCode::kNotFound);
  // The same name as another kind is a different type.
  EXPECT_EQ(store_->GetType(TypeKind::kExecution, "Model", "v1").status().code(),
            StatusCode::kNotFound);
}

TEST_P(StoreTest, ExtraPropertiesExtendFewerAreAnError) {
  Type t{.kind = TypeKind::kExecution,
         .name = "Trainer",
         .properties = {{"epochs", PropertyType::kInt}}};
  auto id = store_->PutType(t);
  ASSERT_OK(id);
  t.properties["learning_rate"] = PropertyType::kDouble;
  ASSERT_OK(store_->PutType(t));
  EXPECT_EQ(store_->GetType(TypeKind::kExecution, "Trainer")->properties.size(), 2u);

  Type fewer{.kind = TypeKind::kExecution,
             .name = "Trainer",
             .properties = {{"epochs", PropertyType::kInt}}};
  auto r = store_->PutType(fewer);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kAlreadyExists);
  EXPECT_NE(r.status().message().find("learning_rate"), std::string::npos);
  EXPECT_OK(store_->PutType(fewer, {.can_omit_fields = true}));

  Type retyped = t;
  retyped.properties["epochs"] = PropertyType::kString;
  r = store_->PutType(retyped);
  EXPECT_EQ(r.status().code(), StatusCode::kAlreadyExists);
  EXPECT_NE(r.status().message().find("'epochs' is INT and cannot become STRING"),
            std::string::npos);

  Type more = t;
  more.properties["seed"] = PropertyType::kInt;
  EXPECT_EQ(store_->PutType(more, {.can_add_fields = false}).status().code(),
            StatusCode::kAlreadyExists);
  EXPECT_EQ(store_->GetType(TypeKind::kExecution, "Trainer")->properties.size(), 2u);
}

TEST_P(StoreTest, ListTypesByKind) {
  RegisterTypes();
  EXPECT_EQ(store_->ListTypes()->size(), 5u);
  EXPECT_EQ(store_->ListTypes(TypeKind::kArtifact)->size(), 2u);
  EXPECT_EQ(store_->ListTypes(TypeKind::kContext)->size(), 2u);
}

TEST_P(StoreTest, InvalidTypes) {
  EXPECT_EQ(store_->PutType(Type{.kind = TypeKind::kArtifact}).status().code(),
            StatusCode::kInvalidArgument);
  Type t{.kind = TypeKind::kArtifact, .name = "X", .properties = {{"p", PropertyType::kUnknown}}};
  EXPECT_EQ(store_->PutType(t).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace lathe::metadata
