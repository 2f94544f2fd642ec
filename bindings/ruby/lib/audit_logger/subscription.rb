# frozen_string_literal: true

class AuditLogger
  # A subscriber registered with AuditLogger#subscribe: synchronous, or
  # queued (`subscribe(queue: n)`).
  class Subscription
    # Counters of one subscription: events handed to the block, how many of
    # those raised, and events never handed to it (discarded by a queue's
    # overflow policy; always 0 for synchronous subscriptions).
    Stats = Struct.new(:delivered, :failed, :dropped, keyword_init: true)

    # Queue overflow policies (AUDIT_OVERFLOW_*): what a full queue does with
    # a new event.
    OVERFLOW = {
      drop_oldest: 1, # discard the oldest queued event; producers never wait
      drop_newest: 2, # discard the new event; producers never wait
      block: 3        # the producer waits up to block_timeout for room, then discards it
    }.freeze

    # The library's subscription id.
    attr_reader :id

    def initialize(logger, id, key, queued)
      @logger = logger
      @id = id
      @key = key
      @queued = queued
    end

    # True for a queued subscription (its block runs on a thread of its own).
    def queued?
      @queued
    end

    # Ends the subscription: the block is not called for events logged after
    # this returns, and a queued subscription discards what it still holds
    # (AuditLogger#flush first to deliver it). True if it was active, false if
    # it had already ended. May be called from inside the block itself. A
    # queued block already running on its own thread is not waited for: see
    # #released?.
    def unsubscribe
      @logger.unsubscribe(self)
    end

    # Like #unsubscribe, returning the final Stats (events still queued
    # counted as dropped), or nil if it had already ended.
    def unsubscribe_with_stats
      @logger.unsubscribe_with_stats(self)
    end

    # The subscription's counters (a Stats); raises NotFoundError once it has ended.
    def stats
      @logger.subscription_stats(self)
    end

    # The last exception the block raised (counted in stats.failed), or nil;
    # forgotten once the subscription has ended.
    def last_error
      Subscribers.last_error(@key)
    end

    # True once the library has released the block: the subscription has
    # ended and no call of the block is still running, nor will be. For a
    # synchronous subscription that is as soon as it ends; a queued one's
    # block may still be finishing a call when unsubscribe or close returns.
    def released?
      !Subscribers.live?(@key)
    end
  end

  # The blocks of every live subscription, keyed by the `ctx` given to the
  # library. One pair of C entry points serves them all: CALLBACK finds the
  # block for `ctx` and calls it with an Event; FREE_CTX, which the library
  # runs exactly once when a subscription ends, drops the entry, and with it
  # the last reference that kept the block from the garbage collector.
  #
  # Entries are read and removed without a Mutex (single Hash operations are
  # atomic under the GVL), because FREE_CTX may run inside a GC finalizer.
  module Subscribers
    Entry = Struct.new(:block, :owner, :queued, :last_error)
    ENTRIES = {}
    RUNNING = :__audit_logger_running_entries

    # ctx is the entry's key; returns 0 when the block returns, 1 when it raises.
    CALLBACK = FFI::Function.new(:int32, %i[pointer pointer]) do |ctx, event|
      deliver(ctx.address, event)
    end

    FREE_CTX = FFI::Function.new(:void, [:pointer]) do |ctx|
      release(ctx.address)
    end

    module_function

    # Registers `block` for a logger (identified by `owner`); returns the key
    # to pass as ctx. Object ids are never reused, so keys are unique.
    def add(block, owner, queued: false)
      entry = Entry.new(block, owner, queued, nil)
      ENTRIES[entry.object_id] = entry
      entry.object_id
    end

    def remove(key)
      ENTRIES.delete(key)
    end

    # The library ended subscription `key` and will not call its block again.
    def release(key)
      ENTRIES.delete(key)
    end

    def live?(key)
      ENTRIES.key?(key)
    end

    # Live subscriptions of all loggers.
    def size
      ENTRIES.size
    end

    def last_error(key)
      ENTRIES[key]&.last_error
    end

    # True while the current thread runs a block subscribed to `owner`'s logger.
    def running?(owner)
      Thread.current[RUNNING]&.any? { |entry| entry.owner.equal?(owner) } || false
    end

    # True while the current thread runs a queued subscription's block (of
    # any logger). The library cannot tell: ruby-ffi runs the block on a Ruby
    # thread while the library's delivery thread waits for it.
    def running_queued?
      Thread.current[RUNNING]&.any?(&:queued) || false
    end

    def deliver(key, event)
      entry = ENTRIES[key] or return 1
      running = (Thread.current[RUNNING] ||= [])
      running.push(entry)
      begin
        entry.block.call(Event.from_native(event))
        0
      rescue StandardError => e
        entry.last_error = e
        1
      ensure
        running.pop
      end
    end
  end
end
