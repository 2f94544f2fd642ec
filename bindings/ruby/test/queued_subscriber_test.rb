# frozen_string_literal: true

require_relative 'test_helper'

# Queued subscribers (subscribe(queue: n)): order, overflow policies, producers
# that never wait beyond the policy, flush, and ending a subscription while its
# block runs or events are queued. A block held at a "gate" (a Queue it pops)
# stands for a stuck subscriber; closing the gate lets it go.
class QueuedSubscriberTest < Minitest::Test
  include TestHelper

  # Counts the library's releases (free_ctx) of each subscription's block.
  module CountReleases
    RELEASES = Hash.new(0)

    def release(key)
      RELEASES[key] += 1
      super
    end
  end
  AuditLogger::Subscribers.singleton_class.prepend(CountReleases)

  def setup
    @live_before = AuditLogger::Subscribers.size
    @logger = AuditLogger.new(capacity: 20_000)
    @gates = []
  end

  def teardown
    @logger.close
    @gates.each(&:close) # lets stuck blocks finish
    wait_for('every block to be released') { AuditLogger::Subscribers.size == @live_before }
  end

  def test_block_gets_every_event_in_order_on_its_own_thread
    received = []
    subscription = @logger.subscribe(queue: 1000) { |event| received << [event, Thread.current] }
    assert subscription.queued?
    seqs = Array.new(500) { |i| log_event(@logger, actor: "user-#{i}", details: { 'i' => i }) }
    within(30) { assert_nil @logger.flush(timeout: 30) }

    assert_equal seqs, received.map { |event, _| event.seq }
    assert_equal @logger.query, received.map(&:first)
    refute_includes received.map(&:last), Thread.current
    assert_equal AuditLogger::Subscription::Stats.new(delivered: 500, failed: 0, dropped: 0), subscription.stats
  end

  def test_drop_oldest_keeps_the_newest
    received, subscription = slow_subscriber(queue: 8, overflow: :drop_oldest)
    within(30) do
      99.times { log_event(@logger) }
      # Event 1 is in the block, 8 wait in the queue, the other 91 were dropped.
      assert_equal AuditLogger::Subscription::Stats.new(delivered: 0, failed: 0, dropped: 91), subscription.stats
      open_gates
      @logger.flush(timeout: 30)
    end
    assert_equal [1, *93..100], received
    stats = subscription.stats
    assert_equal [9, 91], [stats.delivered, stats.dropped]
    assert_equal 100, stats.delivered + stats.dropped
    assert_equal 100, @logger.appended
  end

  def test_drop_newest_keeps_the_oldest
    received, subscription = slow_subscriber(queue: 8, overflow: :drop_newest)
    within(30) do
      99.times { log_event(@logger) }
      open_gates
      @logger.flush(timeout: 30)
    end
    assert_equal [1, *2..9], received
    assert_equal AuditLogger::Subscription::Stats.new(delivered: 9, failed: 0, dropped: 91), subscription.stats
  end

  def test_order_under_four_producer_threads
    seqs = []
    subscription = @logger.subscribe(queue: 10_000) { |event| seqs << event.seq }
    within(60) do
      Array.new(4) { |t| Thread.new { 500.times { log_event(@logger, actor: "t#{t}") } } }.each(&:join)
      @logger.flush(timeout: 30)
    end
    assert_equal (1..2000).to_a, seqs, 'strictly increasing seqs, none missing'
    assert_equal AuditLogger::Subscription::Stats.new(delivered: 2000, failed: 0, dropped: 0), subscription.stats
  end

  def test_unsubscribe_with_stats_counts_what_was_queued_as_dropped
    _received, subscription = slow_subscriber(queue: 100)
    final = within(30) do
      49.times { log_event(@logger) }
      subscription.unsubscribe_with_stats
    end
    # Event 1 is inside the block (counted once the call returns), 49 were queued.
    assert_equal 49, final.dropped
    assert_includes [0, 1], final.delivered
    assert_equal 0, final.failed
    assert_nil subscription.unsubscribe_with_stats, 'already ended'
    assert_nil @logger.unsubscribe_with_stats(subscription.id)
    refute subscription.unsubscribe
    open_gates
  end

  def test_unsubscribe_with_stats_of_a_synchronous_subscription
    seen = []
    subscription = @logger.subscribe { |event| seen << event.seq }
    3.times { log_event(@logger) }
    assert_equal AuditLogger::Subscription::Stats.new(delivered: 3, failed: 0, dropped: 0),
                 @logger.unsubscribe_with_stats(subscription)
    log_event(@logger)
    assert_equal [1, 2, 3], seen
  end

  def test_producer_never_waits_for_a_stuck_subscriber
    %i[drop_oldest drop_newest].each do |overflow|
      AuditLogger.open(capacity: 10_000) do |logger|
        gate = new_gate
        calls = Queue.new
        subscription = logger.subscribe(queue: 16, overflow: overflow) do |event|
          calls << event.seq
          gate.pop
        end
        within(30) do
          log_event(logger)
          calls.pop # event 1 is in the block, which waits at the gate
          9_999.times { log_event(logger) }
          assert_equal 10_000, logger.count, "#{overflow}: every event is stored"
          assert calls.empty?, "#{overflow}: the block is still in its first call"
          gate.close
          logger.flush(timeout: 30)
        end
        stats = subscription.stats
        assert_equal 10_000, stats.delivered + stats.dropped, overflow
        assert_equal 17, stats.delivered, overflow # the stuck event and a full queue
      end
    end
  end

  def test_block_policy_waits_for_room
    received = []
    subscription = @logger.subscribe(queue: 2, overflow: :block, block_timeout: 30) do |event|
      sleep 0.001
      received << event.seq
    end
    within(30) do
      assert_equal (1..50).to_a, Array.new(50) { log_event(@logger) }
      @logger.flush(timeout: 30)
    end
    assert_equal (1..50).to_a, received
    assert_equal AuditLogger::Subscription::Stats.new(delivered: 50, failed: 0, dropped: 0), subscription.stats
  end

  def test_block_policy_drops_after_its_timeout
    received, subscription = slow_subscriber(queue: 2, overflow: :block, block_timeout: 0.01)
    within(30) do
      9.times { log_event(@logger) } # 1 in the block, 2 queued, 7 waited 10 ms each, then dropped
      assert_equal 10, @logger.count
      assert_equal 7, subscription.stats.dropped
      open_gates
      @logger.flush(timeout: 30)
    end
    assert_equal [1, 2, 3], received
  end

  def test_flush_times_out_while_a_block_is_stuck
    received, = slow_subscriber(queue: 8)
    within(30) do
      2.times { log_event(@logger) }
      error = assert_status_error('TIMEOUT') { @logger.flush(timeout: 0.05) }
      assert_match(/50 ms/, error.message)
      open_gates
      assert_nil @logger.flush(timeout: 30)
    end
    assert_equal [1, 2, 3], received
  end

  def test_flush_is_refused_inside_a_queued_block
    errors = []
    other = AuditLogger.new
    @logger.subscribe(queue: 4) do |_event|
      [@logger, other].each do |logger|
        logger.flush(timeout: 5)
      rescue AuditLogger::Error => e
        errors << e
      end
    end
    within(30) do
      log_event(@logger)
      @logger.flush(timeout: 30)
    end
    assert_equal [AuditLogger::InvalidArgumentError] * 2, errors.map(&:class)
    assert_equal [6, 6], errors.map(&:code)
  ensure
    other&.close
  end

  def test_synchronous_block_may_flush
    received = []
    @logger.subscribe(queue: 4) { |event| received << event.seq }
    @logger.subscribe { |event| received << [:flushed, @logger.flush(timeout: 30)] if event.seq == 2 }
    within(30) { 2.times { log_event(@logger) } }
    assert_equal [1, 2, [:flushed, nil]], received
  end

  def test_failures_and_reentrant_logging
    subscription = @logger.subscribe(queue: 16) do |event|
      log_event(@logger, action: 'follow-up', details: { 'cause' => event.seq }) if event.action == 'trigger'
      raise ArgumentError, "bad #{event.seq}" if event.seq.odd?
    end
    within(30) do
      log_event(@logger, action: 'trigger')
      log_event(@logger)
      log_event(@logger)
      @logger.flush(timeout: 30) # also waits for the follow-up the block logged
    end
    assert_equal({ 'cause' => 1 }, @logger.query(action: 'follow-up').first.details)
    assert_equal AuditLogger::Subscription::Stats.new(delivered: 4, failed: 2, dropped: 0), subscription.stats
    assert_kind_of ArgumentError, subscription.last_error
  end

  def test_unsubscribe_from_inside_its_own_block
    calls = []
    results = []
    subscription = @logger.subscribe(queue: 100) do |event|
      calls << [event.seq, subscription.released?]
      results << subscription.unsubscribe
    end
    within(30) do
      5.times { log_event(@logger) }
      wait_for('the release') { subscription.released? }
      5.times { log_event(@logger) }
    end
    assert_equal [[1, false]], calls, 'one call, none after the release'
    assert_equal [true], results
    refute subscription.unsubscribe
    assert_status_error('NOT_FOUND') { subscription.stats }
    assert_released_once subscription
  end

  def test_unsubscribe_from_outside_while_the_block_runs
    calls = []
    subscription = nil
    gate = new_gate
    started = Queue.new
    subscription = @logger.subscribe(queue: 100) do |event|
      started << event.seq
      gate.pop
      calls << [event.seq, subscription.released?]
    end
    within(30) do
      3.times { log_event(@logger) }
      started.pop
      assert subscription.unsubscribe, 'returns without waiting for the running block'
      refute subscription.released?, 'the block is still running'
      refute subscription.unsubscribe
      gate.close
      wait_for('the release') { subscription.released? }
      3.times { log_event(@logger) }
    end
    assert_equal [[1, false]], calls, 'the running call finished; the queued events were discarded'
    assert_released_once subscription
  end

  def test_close_while_events_are_queued
    logger = AuditLogger.new
    calls = []
    after_close = []
    gate = new_gate
    started = Queue.new
    subscription = logger.subscribe(queue: 100) do |event|
      started << event.seq
      gate.pop
      calls << [event.seq, subscription.released?]
      begin
        log_event(logger)
      rescue AuditLogger::Error => e
        after_close << e.class
      end
    end
    within(30) do
      10.times { log_event(logger) }
      started.pop
      assert_nil logger.close, 'close does not wait for the running block'
      refute subscription.released?
      gate.close
      wait_for('the release') { subscription.released? }
    end
    assert_equal [[1, false]], calls
    assert_equal [AuditLogger::ClosedError], after_close
    refute subscription.unsubscribe
    assert_released_once subscription
  end

  def test_ending_an_idle_subscription_releases_its_block
    subscription = @logger.subscribe(queue: 4) { |_event| flunk 'no event was logged' }
    assert subscription.unsubscribe
    wait_for('the release') { subscription.released? }
    assert_released_once subscription
  end

  def test_arguments
    live = AuditLogger::Subscribers.size
    assert_status_error('INVALID_CAPACITY') { @logger.subscribe(queue: 0) { nil } }
    assert_status_error('INVALID_CAPACITY') { @logger.subscribe(queue: -1) { nil } }
    assert_raises(TypeError) { @logger.subscribe(queue: '8') { nil } }
    assert_raises(ArgumentError) { @logger.subscribe(queue: 8, overflow: :drop) { nil } }
    assert_raises(ArgumentError) { @logger.subscribe(queue: 8, overflow: 'block', block_timeout: 1) { nil } }
    assert_raises(ArgumentError) { @logger.subscribe(queue: 8, overflow: :block) { nil } }
    assert_raises(ArgumentError) { @logger.subscribe(queue: 8, overflow: :block, block_timeout: -0.5) { nil } }
    assert_raises(ArgumentError) { @logger.subscribe(queue: 8, overflow: :block, block_timeout: 2**32) { nil } }
    assert_raises(TypeError) { @logger.subscribe(queue: 8, overflow: :block, block_timeout: '1') { nil } }
    assert_raises(ArgumentError) { @logger.subscribe(overflow: :drop_newest) { nil } }
    assert_raises(ArgumentError) { @logger.subscribe(block_timeout: 1) { nil } }
    assert_equal live, AuditLogger::Subscribers.size, 'nothing registered'

    refute @logger.subscribe { nil }.queued?
    assert @logger.subscribe(queue: 8, overflow: :drop_newest, block_timeout: 0.05) { nil }.queued?
    assert_nil @logger.flush(timeout: 0)
    assert_raises(ArgumentError) { @logger.flush(timeout: -1) }
    assert_raises(ArgumentError) { @logger.flush(timeout: Float::INFINITY) }
    assert_raises(ArgumentError) { @logger.flush }
    @logger.close
    assert_raises(AuditLogger::ClosedError) { @logger.flush(timeout: 1) }
    assert_raises(AuditLogger::ClosedError) { @logger.subscribe(queue: 8) { nil } }
  end

  def test_overflow_policies_follow_the_header
    assert_equal TestHelper.overflow_policies.transform_keys { |name| name.downcase.to_sym },
                 AuditLogger::Subscription::OVERFLOW
  end

  private

  # A queued subscriber whose first call waits at a gate and whose later
  # calls are slow; returns the seqs it received and the Subscription, once
  # event 1 (logged here) is in its block.
  def slow_subscriber(**queue)
    received = []
    gate = new_gate
    started = Queue.new
    subscription = @logger.subscribe(**queue) do |event|
      if event.seq == 1
        started << true
        gate.pop
      end
      sleep 0.001
      received << event.seq
    end
    within(10) do
      log_event(@logger)
      started.pop
    end
    [received, subscription]
  end

  def new_gate
    Queue.new.tap { |gate| @gates << gate }
  end

  def open_gates
    @gates.each(&:close)
  end

  def assert_released_once(subscription)
    assert_equal 1, CountReleases::RELEASES[subscription.instance_variable_get(:@key)], 'free_ctx ran exactly once'
  end
end
