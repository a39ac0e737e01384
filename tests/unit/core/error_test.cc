#include "gpuadv/core/error.h"

#include <gtest/gtest.h>

namespace gpuadv {
namespace {

TEST(InputError, MessageNamesFieldValueAndAccepted) {
  InputError e("training.micro_batch", "-1", "a whole number from 1 to 100000000", "out of range");
  EXPECT_STREQ(
      e.what(),
      "training.micro_batch: out of range '-1'; accepted: a whole number from 1 to 100000000");
  EXPECT_EQ(e.field(), "training.micro_batch");
}

TEST(EditDistance, CountsEditsCaseInsensitively) {
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3);
  EXPECT_EQ(EditDistance("RTX-4090", "rtx-4090"), 0);
  EXPECT_EQ(EditDistance("", "abc"), 3);
}

TEST(Suggest, FindsNearestAndSubstring) {
  std::vector<std::string> c = {"rtx-4090", "rtx-4080super", "h100-sxm", "a100-80gb-sxm"};
  auto s = Suggest("rtx-4909", c);
  ASSERT_FALSE(s.empty());
  EXPECT_EQ(s.front(), "rtx-4090");
  EXPECT_EQ(Suggest("h100", c).front(), "h100-sxm");
  EXPECT_TRUE(Suggest("zzzzzzzzzz", c).empty());
  EXPECT_EQ(DidYouMean("h100-sx", c), "did you mean 'h100-sxm'?");
}

}  // namespace
}  // namespace gpuadv
