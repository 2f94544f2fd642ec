# frozen_string_literal: true

require_relative 'test_helper'

# Subscribers: delivery, failure counting, re-entrancy, unsubscribing, and the
# release of their blocks when a subscription ends.
class SubscriberTest < Minitest::Test
  include TestHelper

  def setup
    @live_before = AuditLogger::Subscribers.size
    @logger = AuditLogger.new(capacity: 100)
  end

  def teardown
    @logger.close
    assert_equal @live_before, AuditLogger::Subscribers.size, 'every block is released once its logger is closed'
  end

  def test_block_gets_each_event_on_the_logging_thread_after_it_is_stored
    log_event(@logger, actor: 'before')
    seen = []
    @logger.subscribe do |event|
      seen << [event.seq, event.actor, event.details, Thread.current, @logger.get(event.seq) == event]
    end
    log_event(@logger, actor: 'after', details: { 'k' => [1] })
    assert_equal [[2, 'after', { 'k' => [1] }, Thread.current, true]], seen
  end

  def test_raising_block_counts_as_failure_and_others_still_run
    failing = @logger.subscribe { |event| raise ArgumentError, "bad #{event.seq}" if event.seq.odd? }
    received = []
    healthy = @logger.subscribe { |event| received << event.seq }
    4.times { |i| assert_equal i + 1, log_event(@logger) }

    assert_equal [1, 2, 3, 4], received
    assert_equal AuditLogger::Subscription::Stats.new(delivered: 4, failed: 2, dropped: 0), failing.stats
    assert_equal AuditLogger::Subscription::Stats.new(delivered: 4, failed: 0, dropped: 0), healthy.stats
    assert_kind_of ArgumentError, failing.last_error
    assert_equal 'bad 3', failing.last_error.message
    assert_nil healthy.last_error
  end

  def test_block_may_log_reentrantly
    received = []
    @logger.subscribe do |event|
      received << event.seq
      log_event(@logger, action: 'follow-up', details: { 'cause' => event.seq }) if event.action == 'trigger'
    end
    within(10) { assert_equal 1, log_event(@logger, action: 'trigger') }
    assert_equal [1, 2], received
    assert_equal({ 'cause' => 1 }, @logger.get(2).details)
  end

  def test_block_may_unsubscribe_itself
    received = []
    subscription = @logger.subscribe do |event|
      received << event.seq
      received << subscription.unsubscribe
    end
    live = AuditLogger::Subscribers.size
    within(10) { 3.times { log_event(@logger) } }
    assert_equal [1, true], received
    assert_equal live - 1, AuditLogger::Subscribers.size, 'free_ctx released the block'
    refute subscription.unsubscribe
    assert_status_error('NOT_FOUND') { subscription.stats }
  end

  def test_block_may_unsubscribe_another
    received = []
    victim = @logger.subscribe { |event| received << [:victim, event.seq] }
    @logger.subscribe { |event| received << [:killer, event.seq, victim.unsubscribe] }
    2.times { log_event(@logger) }
    assert_equal [[:victim, 1], [:killer, 1, true], [:killer, 2, false]], received
  end

  def test_ending_subscriptions_releases_their_blocks
    subscriptions = Array.new(3) { @logger.subscribe { |_event| nil } }
    assert_equal @live_before + 3, AuditLogger::Subscribers.size
    assert subscriptions.first.unsubscribe
    assert_equal @live_before + 2, AuditLogger::Subscribers.size
    refute @logger.unsubscribe(subscriptions.first.id)
    @logger.close
    assert_equal @live_before, AuditLogger::Subscribers.size
    refute subscriptions.last.unsubscribe, 'closing the logger ended it'
  end

  def test_close_from_inside_a_block_is_refused
    subscription = @logger.subscribe { |_event| @logger.close }
    within(10) { log_event(@logger) }
    refute @logger.closed?
    assert_kind_of AuditLogger::Error, subscription.last_error
    assert_equal 1, subscription.stats.failed
  end

  def test_callable_objects_and_missing_block
    received = []
    @logger.subscribe(->(event) { received << event.seq })
    log_event(@logger)
    assert_equal [1], received
    assert_raises(ArgumentError) { @logger.subscribe }
    assert_raises(ArgumentError) { @logger.subscribe(42) }
  end

  def test_ruby_threads_logging_concurrently
    counts = Hash.new(0)
    lock = Mutex.new
    @logger.subscribe { |event| lock.synchronize { counts[event.actor] += 1 } }
    within(30) do
      Array.new(4) { |t| Thread.new { 500.times { log_event(@logger, actor: "ruby-#{t}") } } }.each(&:join)
    end
    assert_equal({ 'ruby-0' => 500, 'ruby-1' => 500, 'ruby-2' => 500, 'ruby-3' => 500 }, counts)
    assert_equal 2000, @logger.appended
  end
end
