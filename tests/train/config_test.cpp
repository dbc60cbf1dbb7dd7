#include "dbm/train/config.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "dbm/core/error.hpp"

namespace dbm::train {
namespace {

std::string usage_message(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const UsageError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(ParseDimensions, AcceptsCommaSeparatedSizes) {
  EXPECT_EQ(parse_dimensions("784,500,1000"), (std::vector<int>{784, 500, 1000}));
  EXPECT_EQ(parse_dimensions("16,8"), (std::vector<int>{16, 8}));
}

TEST(ParseDimensions, RejectsBadInputWithTheFlagName) {
  EXPECT_NE(usage_message([] { parse_dimensions("784"); }).find("one size"), std::string::npos);
  EXPECT_NE(usage_message([] { parse_dimensions("784,0"); }).find("between 1 and"), std::string::npos);
  EXPECT_NE(usage_message([] { parse_dimensions("784,abc"); }).find("'abc'"), std::string::npos);
  EXPECT_NE(usage_message([] { parse_dimensions("784,,5"); }).find("whole number"), std::string::npos);
  EXPECT_NE(usage_message([] { parse_dimensions("784,-5"); }).find("--dimensions"), std::string::npos);
  EXPECT_NE(usage_message([] { parse_dimensions("784,5x"); }).find("--dimensions"), std::string::npos);
}

TEST(TrainConfig, DefaultsMatchTheOriginalTool) {
  const TrainConfig c;
  EXPECT_EQ(c.data, "mnist");
  EXPECT_FLOAT_EQ(c.learning_rate, 0.01f);
  EXPECT_EQ(c.k1, 1);
  EXPECT_EQ(c.k2, 5);
  EXPECT_EQ(c.k3, 5);
  EXPECT_EQ(c.epochs, 1);
  EXPECT_EQ(c.batch_size, 5);
  EXPECT_EQ(c.effective_finetune_epochs(), 1);
  EXPECT_EQ(c.effective_cd_epochs(), 1);
  EXPECT_FALSE(c.binarize_data);
}

TEST(TrainConfig, CdEpochsDefaultToTheFirstHalfOfThePasses) {
  TrainConfig c;
  c.epochs = 5;
  EXPECT_EQ(c.effective_cd_epochs(), 3);
  c.epochs = 100;
  EXPECT_EQ(c.effective_cd_epochs(), 50);
  c.cd_epochs = 100;  // CD only
  EXPECT_EQ(c.effective_cd_epochs(), 100);
  c.cd_epochs = 0;  // PCD only
  EXPECT_EQ(c.effective_cd_epochs(), 0);
}

TEST(TrainConfig, ValidateNamesTheBadFlag) {
  auto with = [](auto change) {
    TrainConfig c;
    c.dimensions = {784, 500};
    change(c);
    return usage_message([&] { c.validate(); });
  };
  EXPECT_EQ(with([](TrainConfig&) {}), "(no error)");
  EXPECT_NE(with([](TrainConfig& c) { c.batch_size = 0; }).find("--batch-size"), std::string::npos);
  EXPECT_NE(with([](TrainConfig& c) { c.k1 = -1; }).find("--k1"), std::string::npos);
  EXPECT_NE(with([](TrainConfig& c) { c.k2 = 0; }).find("--k2"), std::string::npos);
  EXPECT_NE(with([](TrainConfig& c) { c.k3 = -2; }).find("--k3"), std::string::npos);
  EXPECT_NE(with([](TrainConfig& c) { c.k2 = kMaxGibbsSteps + 1; }).find("--k2"),
            std::string::npos);
  EXPECT_NE(with([](TrainConfig& c) { c.k1 = 16711685; }).find("--k1"), std::string::npos);
  EXPECT_EQ(with([](TrainConfig& c) { c.k2 = kMaxGibbsSteps; c.k3 = 0; }), "(no error)");
  EXPECT_NE(with([](TrainConfig& c) { c.learning_rate = std::nanf(""); }).find("--learning-rate"),
            std::string::npos);
  EXPECT_NE(with([](TrainConfig& c) { c.learning_rate = -0.1f; }).find("--learning-rate"),
            std::string::npos);
  EXPECT_NE(with([](TrainConfig& c) { c.data = "cifar"; }).find("--data"), std::string::npos);
  EXPECT_NE(with([](TrainConfig& c) { c.epochs = 0; }).find("--epochs"), std::string::npos);
  EXPECT_NE(with([](TrainConfig& c) { c.particles = 0; }).find("--particles"), std::string::npos);
  EXPECT_NE(with([](TrainConfig& c) { c.finetune_epochs = -3; }).find("--finetune-epochs"),
            std::string::npos);
  EXPECT_NE(with([](TrainConfig& c) { c.cd_epochs = -2; }).find("--cd-epochs"), std::string::npos);
  EXPECT_NE(with([](TrainConfig& c) { c.cd_epochs = 2; }).find("--cd-epochs"), std::string::npos);
  EXPECT_EQ(with([](TrainConfig& c) { c.cd_epochs = 1; }), "(no error)");
  EXPECT_EQ(with([](TrainConfig& c) { c.cd_epochs = 0; }), "(no error)");
}

}  // namespace
}  // namespace dbm::train
