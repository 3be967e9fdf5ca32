#include "aio_adapters/sender/sender.hpp"

#include "aio_adapters/sender/message_body.hpp"
#include "codecs/protocol_2026/records.hpp"

namespace resonate::sender {

namespace metrics = queues::metrics;

namespace {

metrics::counter& messages(const char* type, const char* outcome) {
  return metrics::global().get_counter(
    "messages_total", std::string("type=\"") + type + "\",outcome=\"" + outcome + "\"");
}

/// Holds a send's callback so that it runs exactly once, even if the io loop is
/// torn down before the queued work ran (then: a failure, from the destroying thread).
struct pending_done {
  sender::done_fn fn;
  explicit pending_done(sender::done_fn f) : fn(std::move(f)) {}
  pending_done(const pending_done&) = delete;
  pending_done& operator=(const pending_done&) = delete;
  ~pending_done() {
    if (fn) fn(queues::send_completion{false, pre_plugin_retry_ms, 0, "sender stopped"});
  }
};

}  // namespace

sender::sender(sender_options options)
  : options_(std::move(options)),
    resolver_(options_.targets),
    poll_sent_(messages("poll", "sent")),
    poll_failed_(messages("poll", "failed")),
    http_sent_(messages("http", "sent")),
    http_failed_(messages("http", "failed")),
    unsent_(messages("none", "failed")),
    depth_(metrics::global().get_gauge("sender_queue_depth")) {
  metrics::global().set_help("messages_total", "counter",
                             "Task messages handed to a plugin (sent) or not (failed)");
  metrics::global().set_help("sender_queue_depth", "gauge",
                             "Send submissions accepted and not yet processed");
  if (options_.poll_enabled) poll_ = std::make_unique<poll_server>(io_, options_.poll);
  if (options_.http_enabled) http_ = std::make_unique<http_push>(io_, options_.http);
}

sender::~sender() {
  stop();
}

std::string sender::start() {
  std::lock_guard lock(lifecycle_mu_);
  if (running_) return {};
  if (poll_) {
    if (auto error = poll_->start(); !error.empty()) return error;
  }
  io_.start();
  running_ = true;
  return {};
}

void sender::stop() {
  {
    std::lock_guard lock(lifecycle_mu_);
    if (!running_.exchange(false)) return;
  }
  // Queued sends still run (and fail or deliver) before the plugins go.
  io_.run_sync([] {});
  if (poll_) poll_->stop();
  if (http_) http_->stop();
  io_.stop();
}

uint16_t sender::poll_port() const {
  return poll_ ? poll_->port() : 0;
}

void sender::fail(done_fn& done, std::string error) {
  unsent_.inc();
  done(queues::send_completion{false, pre_plugin_retry_ms, 0, std::move(error)});
}

void sender::send(queues::send_submission submission, done_fn done) {
  std::unique_lock lock(lifecycle_mu_);
  if (!running_) {
    lock.unlock();
    fail(done, "sender not running");
    return;
  }
  auto holder = std::make_shared<pending_done>(std::move(done));
  if (queued_.fetch_add(1) >= options_.queue_size) {
    queued_.fetch_sub(1);
    io_.post([this, holder] {
      fail(holder->fn, "sender queue full");
      holder->fn = nullptr;
    });
    return;
  }
  depth_.add(1);
  io_.post([this, holder, s = std::move(submission)] {
    queued_.fetch_sub(1);
    depth_.add(-1);
    done_fn fn = std::move(holder->fn);
    holder->fn = nullptr;
    process(s, fn);
  });
}

void sender::deliver_poll(const poll_address& poll, std::string body, done_fn& done) {
  const auto& o = poll_->options();
  queues::send_completion outcome{false, o.time_to_retry_ms, o.time_to_claim_ms, {}};
  if (!options_.forward) {
    outcome.success = poll_->deliver(poll.cast, poll.group, poll.id, std::move(body));
    (outcome.success ? poll_sent_ : poll_failed_).inc();
    return done(std::move(outcome));
  }
  // Several nodes: the stream may be on another one. The body is kept for that.
  if (poll_->deliver(poll.cast, poll.group, poll.id, body)) {
    poll_sent_.inc();
    outcome.success = true;
    return done(std::move(outcome));
  }
  options_.forward(
    forward_request{poll.cast == cast_kind::any, poll.group, poll.id, std::move(body)},
    // The counters are the process's (metrics::global()), not this sender's:
    // a late answer may come after the sender is gone.
    [&sent = poll_sent_, &failed = poll_failed_, outcome,
     done = std::move(done)](bool delivered) mutable {
      (delivered ? sent : failed).inc();
      outcome.success = delivered;
      done(std::move(outcome));
    });
}

void sender::process(const queues::send_submission& submission, done_fn& done) {
  if (submission.raw) return process_raw(*submission.raw, done);
  auto res = resolver_.resolve(submission.task.recv);
  if (!res.addr) return fail(done, std::move(res.error));

  if (const auto* poll = std::get_if<poll_address>(&*res.addr)) {
    if (!poll_) return fail(done, "unknown plugin poll");
    std::string error;
    auto body = message_body(submission, options_.system_url, true, error);
    if (!body) return fail(done, std::move(error));
    return deliver_poll(*poll, std::move(*body), done);
  }

  const auto& http = std::get<http_address>(*res.addr);
  if (!http_) return fail(done, "unknown plugin http");
  std::string error;
  auto body = message_body(submission, options_.system_url, false, error);
  if (!body) return fail(done, std::move(error));
  // Spec 3.5: the message head first, then the address headers (Content-Type is forced last).
  header_list headers(submission.task.mesg.head.begin(), submission.task.mesg.head.end());
  headers.insert(headers.end(), http.headers.begin(), http.headers.end());
  auto shared = std::make_shared<done_fn>(std::move(done));
  const auto& o = http_->options();
  bool queued = http_->push(
    http.url, std::move(headers), std::move(*body),
    [this, shared, ttr = o.time_to_retry_ms, ttc = o.time_to_claim_ms](bool ok, std::string) {
      (ok ? http_sent_ : http_failed_).inc();
      (*shared)(queues::send_completion{ok, ttr, ttc, {}});
    });
  if (!queued) fail(*shared, "http plugin queue full");
}

// Protocol 2026-04-01 (spec 2.7, 3.1, 3.3, 3.4): the address is a URL; the
// body is the same for poll and HTTP push (an execute's head names this
// server, system.url, which the kernel's settings.server_url is too), and the
// plugins treat it as they treat a task message.
void sender::process_raw(const queues::outbox_message& m, done_fn& done) {
  // The store skips an unblock whose promise is gone; one that came anyway
  // has nothing to say.
  if (m.version < 0 && !m.promise) {
    return fail(done, "unblock of " + m.id + " without its promise");
  }
  auto res = resolve_url(m.address);
  if (!res.addr) return fail(done, std::move(res.error));
  auto body = codecs::protocol_2026::message_body(m, options_.system_url);
  if (const auto* poll = std::get_if<poll_address>(&*res.addr)) {
    if (!poll_) return fail(done, "unknown plugin poll");
    return deliver_poll(*poll, std::move(body), done);
  }
  const auto& http = std::get<http_address>(*res.addr);
  if (!http_) return fail(done, "unknown plugin http");
  auto shared = std::make_shared<done_fn>(std::move(done));
  const auto& o = http_->options();
  bool queued = http_->push(
    http.url, {}, std::move(body),
    [this, shared, ttr = o.time_to_retry_ms, ttc = o.time_to_claim_ms](bool ok, std::string) {
      (ok ? http_sent_ : http_failed_).inc();
      (*shared)(queues::send_completion{ok, ttr, ttc, {}});
    });
  if (!queued) fail(*shared, "http plugin queue full");
}

}  // namespace resonate::sender
