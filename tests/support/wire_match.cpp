#include "tests/support/wire_match.hpp"

#include <boost/json/serialize.hpp>

#include <chrono>
#include <map>

namespace resonate::test {

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

namespace {

std::string context(std::string_view s, size_t at) {
  size_t from = at < 40 ? 0 : at - 40;
  return std::string(s.substr(from, 80));
}

}  // namespace

::testing::AssertionResult body_matches(std::string_view actual, std::string_view tmpl,
                                        int64_t now_lo, int64_t now_hi) {
  size_t a = 0, t = 0;
  auto fail = [&](const std::string& why) {
    return ::testing::AssertionFailure()
           << why << " at body offset " << a << " (near `" << context(actual, a)
           << "`, template near `" << context(tmpl, t) << "`)\n  actual:   " << actual
           << "\n  expected: " << tmpl;
  };
  while (t < tmpl.size()) {
    if (tmpl.compare(t, 5, "{now}") == 0 || tmpl.compare(t, 5, "{int}") == 0) {
      bool is_now = tmpl.compare(t, 5, "{now}") == 0;
      size_t start = a;
      if (a < actual.size() && actual[a] == '-') ++a;
      while (a < actual.size() && actual[a] >= '0' && actual[a] <= '9') ++a;
      if (a == start) return fail("expected an integer");
      if (is_now) {
        long long v = std::stoll(std::string(actual.substr(start, a - start)));
        if (v < now_lo || v > now_hi) {
          return fail("time " + std::to_string(v) + " outside [" + std::to_string(now_lo) + ", " +
                      std::to_string(now_hi) + "]");
        }
      }
      t += 5;
      continue;
    }
    if (tmpl.compare(t, 5, "{str}") == 0) {
      while (a < actual.size() && actual[a] != '"') {
        if (actual[a] == '\\') ++a;
        ++a;
      }
      t += 5;
      continue;
    }
    if (a >= actual.size()) return fail("body too short");
    if (actual[a] != tmpl[t]) return fail("mismatch");
    ++a;
    ++t;
  }
  if (a != actual.size()) return fail("body too long");
  return ::testing::AssertionSuccess();
}

std::string str(const boost::json::value& v) {
  if (v.is_string()) return std::string(v.get_string().data(), v.get_string().size());
  return "<not a string: " + boost::json::serialize(v) + ">";
}

std::string base64(std::string_view data) {
  static constexpr char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  const size_t n = data.size();
  for (size_t k = 0; k < n; k += 3) {
    uint32_t v = static_cast<uint32_t>(static_cast<unsigned char>(data[k])) << 16;
    if (k + 1 < n) v |= static_cast<uint32_t>(static_cast<unsigned char>(data[k + 1])) << 8;
    if (k + 2 < n) v |= static_cast<unsigned char>(data[k + 2]);
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += k + 1 < n ? alphabet[(v >> 6) & 63] : '=';
    out += k + 2 < n ? alphabet[v & 63] : '=';
  }
  return out;
}

std::string substitute(std::string s, std::string_view key, std::string_view value) {
  std::string pat = "{" + std::string(key) + "}";
  size_t pos = 0;
  while ((pos = s.find(pat, pos)) != std::string::npos) {
    s.replace(pos, pat.size(), value);
    pos += value.size();
  }
  return s;
}

namespace {

const std::map<int, std::string>& status_texts() {
  static const std::map<int, std::string> m = {
    {40000, "The request is invalid"},
    {40301, "The promise has already been resolved"},
    {40302, "The promise has already been rejected"},
    {40303, "The promise has already been canceled"},
    {40304, "The promise has already timedout"},
    {40400, "The specified promise was not found"},
    {40900, "The specified promise already exists"},
    {41200, "The task precondition failed"},
  };
  return m;
}

std::string head(int code) {
  auto it = status_texts().find(code);
  std::string text = it == status_texts().end() ? "{str}" : it->second;
  return R"({"error":{"code":)" + std::to_string(code) + R"(,"message":")" + text +
         R"(","details":[)";
}

std::string url(int code) {
  return R"("metadata":{"url":"https://docs.resonatehq.io/operate/errors#)" +
         std::to_string(code) + R"("}})";
}

}  // namespace

std::string error_body(int code) {
  int http = code / 100;
  if (http == 403 || http == 404 || http == 409) {
    return head(code) +
           R"({"@type":"RequestError","message":"Request errors are not retryable since they are caused by invalid client requests","domain":"request",)" +
           url(code) + "]}}";
  }
  return head(code) + R"({"@type":"ServerError","message":"{str}","domain":"server",)" +
         url(code) + "]}}";
}

std::string validation_body(std::string_view message) { return validation_body({message}); }

std::string validation_body(std::initializer_list<std::string_view> messages) {
  std::string out = head(40000);
  for (auto m : messages) {
    if (out.back() == '}') out.push_back(',');
    out += R"({"@type":"FieldValidationError","message":")" + std::string(m) +
           R"(","domain":"request",)" + url(40000);
  }
  return out + "]}}";
}

}  // namespace resonate::test
