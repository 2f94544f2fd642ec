# frozen_string_literal: true

require_relative 'test_helper'

# Events logged by pthreads Ruby did not create (tests/fixtures/producer.c):
# ruby-ffi runs the block on a Ruby thread while the producer thread waits.
class ForeignThreadTest < Minitest::Test
  include TestHelper

  THREADS = 4
  PER_THREAD = 25_000

  # The producer fixture, loaded with ruby-ffi: $AUDIT_PRODUCER_LIB, else built here with cc.
  module Producer
    extend FFI::Library

    def self.library_path
      path = ENV.fetch('AUDIT_PRODUCER_LIB', '')
      return path unless path.empty?

      out = File.join(Dir.mktmpdir('audit-producer'), 'libaudit_test_producer.so')
      built = system('cc', '-shared', '-fPIC', '-O2', "-I#{TestHelper::REPO}/include",
                     "#{TestHelper::REPO}/tests/fixtures/producer.c", '-o', out, '-lpthread')
      built or raise "cannot build the producer fixture (set AUDIT_PRODUCER_LIB)"
      out
    end

    # The fixture calls audit_log without linking the library: load it globally first.
    ffi_lib_flags :now, :global
    ffi_lib AuditLogger::Native.library_path, library_path

    attach_function :audit_producer_start, %i[pointer uint uint], :pointer
    attach_function :audit_producer_finished, [:pointer], :int
    # Joins the threads; releases the GVL so any callback still running can finish.
    attach_function :audit_producer_join, [:pointer], :ulong, blocking: true
  end

  def test_callbacks_from_foreign_threads
    logger = AuditLogger.new(capacity: 1000)
    counts = Hash.new(0)
    delivered = 0
    lock = Mutex.new
    subscription = logger.subscribe do |event|
      lock.synchronize do
        counts[event.actor] += 1
        delivered += 1
      end
    end

    within(60) do
      producer = Producer.audit_producer_start(logger, THREADS, PER_THREAD)
      refute producer.null?
      # Poll with sleep, which releases the GVL for ruby-ffi's callback threads.
      sleep 0.01 until Producer.audit_producer_finished(producer) != 0 &&
                       lock.synchronize { delivered } == THREADS * PER_THREAD
      assert_equal 0, Producer.audit_producer_join(producer)
    end
    joined = true

    assert_equal THREADS * PER_THREAD, delivered
    assert_equal Array.new(THREADS) { |t| ["thread-#{t}", PER_THREAD] }.to_h, counts
    assert_equal AuditLogger::Subscription::Stats.new(delivered: THREADS * PER_THREAD, failed: 0, dropped: 0),
                 subscription.stats
    assert_equal THREADS * PER_THREAD, logger.appended
  ensure
    # After a timeout the producer threads may still use the logger: leave it open.
    logger&.close if joined
  end

  # The same producers with a queued subscriber: they never wait for Ruby;
  # the block gets the events of each thread in the order they were logged,
  # and every event is either delivered or counted as dropped.
  def test_queued_callbacks_from_foreign_threads
    logger = AuditLogger.new(capacity: 1000)
    joined = false
    counts = Hash.new(0)
    last_i = Hash.new(-1)
    out_of_order = 0
    subscription = logger.subscribe(queue: 10_000, overflow: :drop_oldest) do |event|
      i = event.details.fetch('i')
      out_of_order += 1 if i <= last_i[event.actor]
      last_i[event.actor] = i
      counts[event.actor] += 1
    end

    within(60) do
      producer = Producer.audit_producer_start(logger, THREADS, PER_THREAD)
      refute producer.null?
      sleep 0.01 until Producer.audit_producer_finished(producer) != 0
      assert_equal 0, Producer.audit_producer_join(producer)
      joined = true
      logger.flush(timeout: 50)
    end

    stats = subscription.stats
    assert_equal THREADS * PER_THREAD, stats.delivered + stats.dropped
    assert_operator stats.delivered, :>=, 10_000, 'drop-oldest delivers at least the newest queue-full'
    assert_equal 0, stats.failed
    assert_equal stats.delivered, counts.values.sum
    assert_equal 0, out_of_order, 'each thread\'s events arrive in the order logged'
    assert_operator counts.size, :<=, THREADS
    assert counts.keys.all? { |actor| actor.match?(/\Athread-[0-3]\z/) }, counts.keys.inspect
    assert counts.values.all? { |n| n <= PER_THREAD }, counts.inspect
    assert_equal THREADS * PER_THREAD, logger.appended
  ensure
    logger&.close if joined
  end
end
