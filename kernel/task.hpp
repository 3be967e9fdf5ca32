#pragma once

// The kernel's coroutine type: a lazily started C++20 coroutine that produces a T.
// A task can be awaited by another task (the child runs at once and the parent
// continues when it finishes, by symmetric transfer) or owned by the scheduler as
// the root of one request or background job.
//
// g++ 12 miscompiles co_await on temporaries that own non-trivial members (see
// shared/notes/stack.md 1.11). House rule: bind every task and awaiter to a named
// local before awaiting it:  `auto t = child(c, x); auto r = co_await std::move(t);`

#include <coroutine>
#include <exception>
#include <optional>
#include <utility>

namespace resonate::kernel {

template <class T>
class [[nodiscard]] task {
public:
  struct promise_type {
    std::optional<T> result;
    std::coroutine_handle<> continuation;

    task get_return_object() {
      return task{std::coroutine_handle<promise_type>::from_promise(*this)};
    }
    std::suspend_always initial_suspend() noexcept { return {}; }

    struct final_awaiter {
      bool await_ready() noexcept { return false; }
      std::coroutine_handle<> await_suspend(std::coroutine_handle<promise_type> h) noexcept {
        auto next = h.promise().continuation;
        return next ? next : std::noop_coroutine();
      }
      void await_resume() noexcept {}
    };
    final_awaiter final_suspend() noexcept { return {}; }

    template <class U>
    void return_value(U&& v) {
      result.emplace(std::forward<U>(v));
    }
    // Kernel code reports failures as values; an exception here is a bug.
    void unhandled_exception() noexcept { std::terminate(); }
  };

  task() = default;
  explicit task(std::coroutine_handle<promise_type> h) : h_(h) {}
  task(task&& other) noexcept : h_(std::exchange(other.h_, {})) {}
  task& operator=(task&& other) noexcept {
    if (this != &other) {
      if (h_) h_.destroy();
      h_ = std::exchange(other.h_, {});
    }
    return *this;
  }
  task(const task&) = delete;
  task& operator=(const task&) = delete;
  ~task() {
    if (h_) h_.destroy();
  }

  /// Awaiting a task starts it; the awaiting coroutine resumes with its result.
  bool await_ready() const noexcept { return false; }
  std::coroutine_handle<> await_suspend(std::coroutine_handle<> parent) noexcept {
    h_.promise().continuation = parent;
    return h_;
  }
  T await_resume() { return std::move(*h_.promise().result); }

  // -- for the scheduler, which owns root tasks --------------------------------

  bool valid() const { return static_cast<bool>(h_); }
  bool done() const { return h_.done(); }
  void start() { h_.resume(); }
  T take_result() { return std::move(*h_.promise().result); }

private:
  std::coroutine_handle<promise_type> h_;
};

}  // namespace resonate::kernel
