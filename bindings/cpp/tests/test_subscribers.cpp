// audit::Subscription: delivery, RAII, exceptions counted as failures,
// re-entrant logging, self-unsubscribe, and delivery from many threads.
// ctest runs this under a timeout, so a deadlock fails instead of hanging.

#include <audit_logger.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

using audit::Event;
using audit::Logger;
using audit::Severity;
using audit::Subscription;

namespace {

static_assert(!std::is_copy_constructible_v<Subscription> && !std::is_copy_assignable_v<Subscription>);
static_assert(std::is_nothrow_move_constructible_v<Subscription> && std::is_nothrow_move_assignable_v<Subscription>);

TEST(Subscription, DeliversEachEventOnceInOrder) {
  Logger log;
  log.log({"before", "login", "app", "success"});
  std::vector<Event> seen;
  auto sub = log.subscribe([&](const Event& e) { seen.push_back(e); });
  EXPECT_NE(sub.id(), 0u);
  log.log({"alice", "login", "app", "success", Severity::Warning, R"({"ip":"10.0.0.1"})"});
  log.log({"bob", "logout", "app", "success"});

  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].seq, 2u);
  EXPECT_EQ(seen[0].actor, "alice");
  EXPECT_EQ(seen[0].severity, Severity::Warning);
  EXPECT_EQ(seen[0].details, R"({"ip":"10.0.0.1"})");
  EXPECT_EQ(seen[0].timestamp, log.get(2)->timestamp);
  EXPECT_EQ(seen[1].seq, 3u);
  EXPECT_EQ(seen[1].action, "logout");

  auto stats = sub.stats();
  EXPECT_EQ(stats.delivered, 2u);
  EXPECT_EQ(stats.failed, 0u);
  EXPECT_EQ(stats.dropped, 0u);
}

TEST(Subscription, DestructorUnsubscribesAndReleasesTheFunction) {
  Logger log;
  auto token = std::make_shared<int>(0);
  int calls = 0;
  {
    auto sub = log.subscribe([token, &calls](const Event&) { ++calls; });
    EXPECT_EQ(token.use_count(), 2);
    log.log({"a", "b", "c", "d"});
  }
  EXPECT_EQ(token.use_count(), 1);  // free_ctx ran: the std::function is gone
  log.log({"a", "b", "c", "d"});
  EXPECT_EQ(calls, 1);
}

TEST(Subscription, UnsubscribeSaysWhetherItWasActive) {
  Logger log;
  int calls = 0;
  auto sub = log.subscribe([&](const Event&) { ++calls; });
  log.log({"a", "b", "c", "d"});
  EXPECT_TRUE(sub.unsubscribe());
  EXPECT_FALSE(sub.unsubscribe());
  EXPECT_EQ(sub.id(), 0u);
  log.log({"a", "b", "c", "d"});
  EXPECT_EQ(calls, 1);
  try {
    sub.stats();
    ADD_FAILURE() << "stats() of an ended subscription did not throw";
  } catch (const audit::Error& e) {
    EXPECT_EQ(e.status(), AUDIT_ERR_NOT_FOUND);
  }
}

TEST(Subscription, ExceptionsAreCaughtAndCountedAsFailures) {
  Logger log;
  int calls = 0;
  auto thrower = log.subscribe([&](const Event& e) {
    ++calls;
    if (e.seq % 3 == 1) throw std::runtime_error("subscriber failed");
    if (e.seq % 3 == 2) throw 42;  // not a std::exception
  });
  std::vector<std::uint64_t> other;
  auto healthy = log.subscribe([&](const Event& e) { other.push_back(e.seq); });

  for (int i = 0; i < 6; ++i) EXPECT_NO_THROW(log.log({"a", "b", "c", "d"}));
  EXPECT_EQ(calls, 6);
  EXPECT_EQ(other, (std::vector<std::uint64_t>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(log.count(), 6u);
  auto stats = thrower.stats();
  EXPECT_EQ(stats.delivered, 6u);
  EXPECT_EQ(stats.failed, 4u);
  EXPECT_EQ(healthy.stats().failed, 0u);
}

TEST(Subscription, SubscriberMayLogReentrantly) {
  Logger log;
  std::vector<std::string> actors;
  auto sub = log.subscribe([&](const Event& e) {
    actors.push_back(e.actor);
    if (e.actor == "user") log.log({"echo", "saw", std::to_string(e.seq), "success"});
  });
  log.log({"user", "login", "app", "success"});
  log.log({"user", "logout", "app", "success"});
  EXPECT_EQ(actors, (std::vector<std::string>{"user", "echo", "user", "echo"}));
  EXPECT_EQ(log.count(), 4u);
  EXPECT_EQ(log.get(2)->resource, "1");
  EXPECT_EQ(log.get(4)->resource, "3");
}

TEST(Subscription, SubscriberMayUnsubscribeItself) {
  Logger log;
  auto token = std::make_shared<int>(0);
  int calls = 0;
  bool removed = false;
  Subscription sub;
  sub = log.subscribe([&, token](const Event&) {
    ++calls;
    removed = sub.unsubscribe();
  });
  log.log({"a", "b", "c", "d"});
  EXPECT_TRUE(removed);
  EXPECT_EQ(token.use_count(), 1);  // released once the call returned
  log.log({"a", "b", "c", "d"});
  EXPECT_EQ(calls, 1);
  EXPECT_FALSE(sub.unsubscribe());
}  // ~Subscription of an ended subscription: nothing happens

TEST(Subscription, SubscriberMayEndAnother) {
  Logger log;
  int second_calls = 0;
  Subscription second;
  auto first = log.subscribe([&](const Event&) { second.unsubscribe(); });
  second = log.subscribe([&](const Event&) { ++second_calls; });
  log.log({"a", "b", "c", "d"});
  log.log({"a", "b", "c", "d"});
  EXPECT_EQ(second_calls, 0);  // ended before the dispatch reached it
  EXPECT_EQ(second.id(), 0u);
}

TEST(Subscription, MayOutliveItsLogger) {
  auto token = std::make_shared<int>(0);
  Subscription sub;
  {
    Logger log;
    sub = log.subscribe([token](const Event&) {});
    EXPECT_EQ(token.use_count(), 2);
  }
  EXPECT_EQ(token.use_count(), 1);  // the logger ended it
  EXPECT_NE(sub.id(), 0u);
  EXPECT_THROW(sub.stats(), audit::Error);
  EXPECT_FALSE(sub.unsubscribe());
}

TEST(Subscription, MoveTransfersOwnership) {
  Logger log;
  int a_calls = 0, b_calls = 0;
  auto a = log.subscribe([&](const Event&) { ++a_calls; });
  const auto id = a.id();
  Subscription moved(std::move(a));
  EXPECT_EQ(moved.id(), id);
  EXPECT_EQ(a.id(), 0u);  // NOLINT(bugprone-use-after-move): testing the moved-from state
  EXPECT_FALSE(a.unsubscribe());
  log.log({"a", "b", "c", "d"});
  EXPECT_EQ(a_calls, 1);

  auto b = log.subscribe([&](const Event&) { ++b_calls; });
  moved = std::move(b);  // ends a's subscription, takes over b's
  log.log({"a", "b", "c", "d"});
  EXPECT_EQ(a_calls, 1);
  EXPECT_EQ(b_calls, 1);
  EXPECT_EQ(moved.stats().delivered, 1u);
}

TEST(Subscription, EmptyFunctionIsRefused) {
  Logger log;
  try {
    auto sub = log.subscribe(nullptr);
    ADD_FAILURE() << "an empty function was accepted";
  } catch (const audit::Error& e) {
    EXPECT_EQ(e.status(), AUDIT_ERR_NULL_ARGUMENT);
  }
}

// The actor the current thread logs as (at namespace scope: GCC binds a
// function-local thread_local used in a lambda to the creating thread's copy).
thread_local std::string current_actor;

// 4 std::threads x 25,000 events: every event reaches the subscriber once, on
// the thread that logged it.
TEST(Subscription, DeliversEverythingFromManyThreads) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 25000;
  Logger log(1000);
  std::mutex mu;
  std::map<std::string, int> per_actor;
  std::atomic<int> wrong_thread{0};
  auto sub = log.subscribe([&](const Event& e) {
    if (e.actor != current_actor) ++wrong_thread;
    std::lock_guard<std::mutex> lock(mu);
    ++per_actor[e.actor];
  });

  std::vector<std::thread> threads;
  std::atomic<int> not_increasing{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      current_actor = "thread-" + std::to_string(t);
      std::uint64_t last = 0;
      for (int i = 0; i < kPerThread; ++i) {
        std::uint64_t seq = log.log({current_actor, "tick", "bench", "success", Severity::Info,
                                     R"({"i":)" + std::to_string(i) + "}"});
        if (seq <= last) ++not_increasing;
        last = seq;
      }
    });
  }
  for (auto& t : threads) t.join();

  EXPECT_EQ(per_actor.size(), static_cast<std::size_t>(kThreads));
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(per_actor["thread-" + std::to_string(t)], kPerThread);
  EXPECT_EQ(wrong_thread.load(), 0);
  EXPECT_EQ(not_increasing.load(), 0);
  auto stats = sub.stats();
  EXPECT_EQ(stats.delivered, static_cast<std::uint64_t>(kThreads * kPerThread));
  EXPECT_EQ(stats.failed, 0u);
  EXPECT_EQ(log.appended(), static_cast<std::uint64_t>(kThreads * kPerThread));
}

// Ending a subscription while other threads log: no crash, no deadlock, and
// once unsubscribe() has returned and the loggers have stopped, the function
// has been released.
TEST(Subscription, UnsubscribeWhileOtherThreadsLog) {
  Logger log;
  auto token = std::make_shared<int>(0);
  std::atomic<int> calls{0};
  auto sub = log.subscribe([&calls, token](const Event&) { ++calls; });
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      while (!stop) log.log({"t", "tick", "bench", "success"});
    });
  }
  while (calls.load() < 1000) std::this_thread::yield();
  EXPECT_TRUE(sub.unsubscribe());
  stop = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(token.use_count(), 1);
  const int after = calls.load();
  log.log({"t", "tick", "bench", "success"});
  EXPECT_EQ(calls.load(), after);
}

}  // namespace
