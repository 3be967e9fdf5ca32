#include <gtest/gtest.h>

#include <mutex>
#include <thread>
#include <vector>

#include "config/log.hpp"

namespace resonate::log {
namespace {

using namespace std::chrono;

// 2026-11-24T10:00:00.123Z
system_clock::time_point fixed_time() {
  return sys_days{year{2026} / November / 24} + hours{10} + milliseconds{123};
}

// Restores the global level and sink after each test.
class log_test : public ::testing::Test {
 protected:
  void SetUp() override {
    saved_ = current_level();
    set_sink([this](std::string_view line) {
      std::lock_guard<std::mutex> lock(m_);
      lines_.emplace_back(line);
    });
  }
  void TearDown() override {
    set_sink({});
    set_level(saved_);
  }
  std::vector<std::string> lines() {
    std::lock_guard<std::mutex> lock(m_);
    return lines_;
  }

  level saved_ = level::info;
  std::mutex m_;
  std::vector<std::string> lines_;
};

TEST(log_format, logfmt_line) {
  const std::string addr = ":8001";
  EXPECT_EQ(format(fixed_time(), level::info, "listening", {{"addr", addr}, {"port", std::to_string(8001)}}),
            "ts=2026-11-24T10:00:00.123Z level=info msg=\"listening\" addr=:8001 port=8001");
  EXPECT_EQ(format(sys_days{year{1999} / January / 2} + hours{3} + minutes{4} + seconds{5} + milliseconds{6},
                   level::warn, "", {}),
            "ts=1999-01-02T03:04:05.006Z level=warn msg=\"\"");
}

TEST(log_format, quoting_and_escaping) {
  EXPECT_EQ(format(fixed_time(), level::error, "say \"hi\"\n",
                   {{"empty", ""},
                    {"space", "a b"},
                    {"eq", "a=b"},
                    {"quote", "a\"b"},
                    {"slash", "a\\b"},
                    {"ctl", std::string_view("a\x01", 2)},
                    {"tab", "\t"},
                    {"bad key", "v"},
                    {"", "v"},
                    {"utf8", "caf\xC3\xA9"}}),
            "ts=2026-11-24T10:00:00.123Z level=error msg=\"say \\\"hi\\\"\\n\" empty=\"\" "
            "space=\"a b\" eq=\"a=b\" quote=\"a\\\"b\" slash=\"a\\\\b\" ctl=\"a\\u0001\" "
            "tab=\"\\t\" bad_key=v _=v utf8=caf\xC3\xA9");
}

TEST(log_levels, parse_and_names) {
  for (level l : {level::debug, level::info, level::warn, level::error, level::off}) {
    EXPECT_EQ(parse_level(level_name(l)), l);
  }
  EXPECT_EQ(parse_level("warning"), level::warn);
  EXPECT_EQ(parse_level("loud"), std::nullopt);
}

TEST_F(log_test, threshold_filters_events) {
  set_level(level::warn);
  EXPECT_FALSE(enabled(level::debug));
  EXPECT_FALSE(enabled(level::info));
  EXPECT_TRUE(enabled(level::warn));
  EXPECT_TRUE(enabled(level::error));
  EXPECT_FALSE(enabled(level::off));
  debug("d");
  info("i");
  warn("w", {{"k", "v"}});
  error("e");
  auto got = lines();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_NE(got[0].find("level=warn msg=\"w\" k=v\n"), std::string::npos) << got[0];
  EXPECT_NE(got[1].find("level=error msg=\"e\"\n"), std::string::npos) << got[1];

  set_level(level::off);
  error("nothing");
  EXPECT_EQ(lines().size(), 2u);
  set_level(level::debug);
  debug("now");
  EXPECT_EQ(lines().size(), 3u);
}

TEST_F(log_test, concurrent_writers_produce_whole_lines) {
  set_level(level::info);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t] {
      for (int i = 0; i < 200; ++i) info("tick", {{"thread", std::to_string(t)}, {"i", std::to_string(i)}});
    });
  }
  for (auto& th : threads) th.join();
  const auto got = lines();
  ASSERT_EQ(got.size(), 800u);
  for (const auto& l : got) {
    EXPECT_EQ(l.rfind("ts=", 0), 0u) << l;
    EXPECT_EQ(l.find('\n'), l.size() - 1) << l;
  }
}

}  // namespace
}  // namespace resonate::log
