// The schedule domain rules (kernel/domain/schedule.*): the promise id
// template, the promise a run creates, and the create decision.

#include "kernel/domain/schedule.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace resonate::kernel::domain {
namespace {

TEST(ScheduleTemplate, ValidTemplates) {
  EXPECT_FALSE(promise_id_template_error("plain"));
  EXPECT_FALSE(promise_id_template_error("{{.id}}.{{.timestamp}}"));
  EXPECT_FALSE(promise_id_template_error("{{ .id }}-{{- .timestamp -}}"));
  EXPECT_FALSE(promise_id_template_error("a}}b"));  // a lone }} is text, as in Go
}

TEST(ScheduleTemplate, InvalidTemplatesAreRejected) {
  EXPECT_TRUE(promise_id_template_error("{{.id"));
  EXPECT_TRUE(promise_id_template_error("{{.other}}"));
  EXPECT_TRUE(promise_id_template_error("{{}}"));
  EXPECT_TRUE(promise_id_template_error("{{.id | printf \"%s\"}}"));
}

TEST(ScheduleTemplate, RendersAndEscapesTheIdAsHtmlTemplate) {
  EXPECT_EQ(render_promise_id("{{.id}}.{{.timestamp}}", "s", 1000), "s.1000");
  EXPECT_EQ(render_promise_id("{{.id}}", "a<b>&'\"", 0), "a&lt;b&gt;&amp;&#39;&#34;");
  EXPECT_EQ(render_promise_id("x {{- .id -}} y", "s", 0), "xsy");
  EXPECT_EQ(render_promise_id("lit<&", "s", 0), "lit<&");  // template text is not escaped
}

TEST(ScheduledPromise, TagsTimeoutAndParam) {
  queues::schedule_record s;
  s.id = "sch";
  s.promise_id = "p.{{.timestamp}}";
  s.promise_timeout = 500;
  s.next_run_time = 2000;
  s.promise_tags = {{"resonate:invoke", "poll://any@g"}};
  s.promise_param.data = "d";
  auto p = scheduled_promise(s);
  EXPECT_EQ(p.id, "p.2000");
  EXPECT_EQ(p.timeout, 2500);
  EXPECT_EQ(p.param.data, "d");
  EXPECT_EQ(p.tags.at("resonate:schedule"), "sch");
  EXPECT_EQ(p.tags.at("resonate:invocation"), "true");
  EXPECT_EQ(p.tags.at("resonate:invoke"), "poll://any@g");
  EXPECT_FALSE(p.idempotency_key);

  s.promise_timeout = std::numeric_limits<int64_t>::max();
  EXPECT_EQ(scheduled_promise(s).timeout, std::numeric_limits<int64_t>::max());  // clamped
}

// A schedule of protocol 2026-04-01 (its promise tags carry resonate:target,
// which that protocol's schedule.create requires) fires with that protocol's
// tags (spec 2.10, as the SDK 0.11.5's own server): the promise tags plus
// resonate:schedule. resonate:invocation is REST v1's (its spec 4.8).
TEST(ScheduledPromise, A2026ScheduleGetsThatProtocolsTags) {
  queues::schedule_record s;
  s.id = "sch";
  s.promise_id = "{{.id}}-{{.timestamp}}";
  s.promise_timeout = 500;
  s.next_run_time = 2000;
  s.promise_tags = {{"resonate:target", "poll://any@g"}, {"k", "v"}};
  EXPECT_EQ(protocol_of(s), schedule_protocol::v2026);
  auto p = scheduled_promise(s);
  EXPECT_EQ(p.id, "sch-2000");
  EXPECT_EQ(p.timeout, 2500);
  EXPECT_EQ(p.tags,
            (queues::tag_map{
              {"resonate:target", "poll://any@g"}, {"k", "v"}, {"resonate:schedule", "sch"}}));
  s.promise_tags = {{"resonate:invoke", "poll://any@g"}};
  EXPECT_EQ(protocol_of(s), schedule_protocol::rest_v1);
}

// Both protocols' runs follow the cron in the one configured zone (a prefix in
// the cron still wins): 09:00 in New York is 14:00Z in January.
TEST(ScheduleNextRun, TheRunAfterIsInTheConfiguredZone) {
  auto new_york = time_zone::load("America/New_York");
  ASSERT_TRUE(new_york);
  queues::schedule_record s;
  s.cron = "0 9 * * *";
  s.next_run_time = 1736949600000;  // 2025-01-15T14:00:00Z
  EXPECT_EQ(run_after(s, *new_york), 1736949600000 + 86400000);
  EXPECT_EQ(run_after(s, time_zone::utc()), 1737018000000);  // 2025-01-16T09:00:00Z
  s.cron = "CRON_TZ=UTC 0 9 * * *";
  EXPECT_EQ(run_after(s, *new_york), 1737018000000);
  s.cron = "not a cron";  // it was checked at creation; one that no longer parses never runs
  EXPECT_EQ(run_after(s, *new_york), std::numeric_limits<int64_t>::max());
}

TEST(ScheduleCreate, DeduplicatesOnlyOnEqualNonNullKeys) {
  queues::schedule_record s;
  EXPECT_FALSE(same_schedule_create(s, std::nullopt));
  EXPECT_FALSE(same_schedule_create(s, "k"));
  s.idempotency_key = "k";
  EXPECT_TRUE(same_schedule_create(s, "k"));
  EXPECT_FALSE(same_schedule_create(s, "j"));
  EXPECT_FALSE(same_schedule_create(s, std::nullopt));
  s.idempotency_key = "";
  EXPECT_TRUE(same_schedule_create(s, ""));  // the empty key is non-null
}

TEST(ScheduleNextRun, FromThePreviousRunAndNeverWhenNone) {
  auto every_second = cron_schedule::parse("* * * * * *", time_zone::utc());
  ASSERT_TRUE(every_second);
  EXPECT_EQ(next_run_time(*every_second, 5000), 6000);
  auto never = cron_schedule::parse("0 0 30 2 *", time_zone::utc());
  ASSERT_TRUE(never);
  EXPECT_EQ(next_run_time(*never, 0), std::numeric_limits<int64_t>::max());
}

}  // namespace
}  // namespace resonate::kernel::domain
