# frozen_string_literal: true

require 'json'
require_relative 'audit_logger/version'
require_relative 'audit_logger/native'
require_relative 'audit_logger/errors'
require_relative 'audit_logger/strings'
require_relative 'audit_logger/severity'
require_relative 'audit_logger/event'
require_relative 'audit_logger/subscription'
require_relative 'audit_logger/journal'
require_relative 'audit_logger/forwarder'

# An in-memory audit log keeping the newest events, backed by libaudit_logger.
#
#   logger = AuditLogger.new(capacity: 1000)
#   logger.log(actor: 'admin', action: 'user.delete', resource: 'user:42',
#              outcome: 'success', severity: :warning, details: { reason: 'GDPR request' })
#   logger.query(actor: 'admin', min_severity: :warning).each { |event| puts event.action }
#   logger.close
#
# Every method may be called from any thread. Subscriber blocks run
# synchronously on the thread that logged the event (or, for events logged by
# threads Ruby did not create, on a Ruby thread ruby-ffi starts for the call);
# queued subscribers' blocks (subscribe(queue: n)) run one event at a time on
# a Ruby thread ruby-ffi starts for each call of the subscription's own
# delivery thread.
class AuditLogger
  DEFAULT_CAPACITY = 5000

  # Query criteria accepted by #query and #each.
  FILTERS = %i[actor action resource outcome min_severity max_severity since until after_seq limit].freeze

  # The library's version, "MAJOR.MINOR.PATCH".
  def self.version
    Native.text(Native.audit_version)
  end

  # Like new, but with a block: yields the logger and closes it afterwards.
  def self.open(**settings)
    logger = new(**settings)
    return logger unless block_given?

    begin
      yield logger
    ensure
      logger.close
    end
  end

  # capacity: the most events kept (the oldest are evicted first). The other
  # settings are byte and depth limits (nil keeps the library default):
  # max_field_bytes (each of actor, action, resource, outcome), max_details_bytes,
  # max_details_depth, max_total_bytes (all events held), max_document_bytes
  # (the largest document import_json and import_json_file accept).
  #
  # journal: a directory for a durable, sealed journal (see Journal): opening
  # it restores the newest `capacity` events and continues the seq; one
  # logger per directory (another open raises IoError). Its settings (nil
  # keeps the library default): fsync (:never, :batch or :always),
  # batch_events and batch_interval (seconds) for :batch, sync_critical,
  # epoch_events and epoch_interval (a checkpoint), segment_bytes and
  # segment_age (a new segment), retain_bytes, retain_segments and
  # retain_age (retention; 0: no limit). Times are in seconds.
  def initialize(capacity: DEFAULT_CAPACITY, max_field_bytes: nil, max_details_bytes: nil,
                 max_details_depth: nil, max_total_bytes: nil, max_document_bytes: nil, journal: nil, **journal_settings)
    settings = { capacity: capacity, max_field_bytes: max_field_bytes, max_details_bytes: max_details_bytes,
                 max_details_depth: max_details_depth, max_total_bytes: max_total_bytes,
                 max_document_bytes: max_document_bytes }.compact
    journal = Journal::Settings.new(journal, **journal_settings)
    @handle = FFI::AutoPointer.new(new_handle(settings, journal), Native.method(:audit_logger_free))
    @owner = Object.new # identifies this logger's subscriptions in Subscribers
    @lock = Mutex.new
    @idle = ConditionVariable.new
    @calls = 0
  end

  # Records an event and returns its sequence number. severity: :info,
  # :warning, :error, :critical (or their names as Strings, or 10, 20, 30,
  # 40). details: a Hash (written as JSON, key order kept), a String of JSON
  # text (passed as is), or nil for {}. Synchronous subscriber blocks run
  # before it returns; queued ones get the event through their queue.
  def log(actor:, action:, resource:, outcome:, severity: :info, details: nil)
    args = event_args(actor: actor, action: action, resource: resource, outcome: outcome,
                      severity: severity, details: details)
    out = FFI::MemoryPointer.new(:uint64)
    with_handle { |handle| Error.check(Native.audit_log(handle, *args, out)) }
    out.read_uint64
  end

  # Records an Array of events, each a Hash of log's keyword arguments, in
  # one call, and returns the Range of their sequence numbers: consecutive,
  # in order, with one timestamp, and no other event between them. All or
  # nothing: one bad event raises the error log would raise for it, its
  # message starting with "event <index>: ", and none is recorded.
  def log_batch(events)
    raise TypeError, "log_batch takes an Array of Hashes, not #{events.class}" unless events.is_a?(Array)

    array = FFI::MemoryPointer.new(Native::NewEvent, [events.size, 1].max)
    # The strings stay referenced here until the call returns.
    strings = events.each_with_index.map do |event, i|
      args = batch_event_args(event, i)
      slot = Native::NewEvent.new(array + (i * Native::NewEvent.size))
      %i[actor action resource outcome severity details_json].zip(args) { |field, value| slot[field] = value }
      args
    end
    out = FFI::MemoryPointer.new(:uint64)
    with_handle { |handle| Error.check(Native.audit_log_batch(handle, array, events.size, out)) }
    strings.clear
    first = out.read_uint64
    events.empty? ? (0...0) : (first...(first + events.size))
  end

  # The events matching every given criterion, oldest first, as an Array of
  # Event. Criteria (omitted or nil: not applied):
  #   actor, action, resource, outcome  exact match ("" matches only empty fields)
  #   min_severity, max_severity        inclusive; Symbol, String or Integer
  #   since, until                      inclusive; Time or Integer microseconds
  #   after_seq                         only events with a greater seq (a cursor)
  #   limit                             only the newest `limit` matches (0: none)
  def query(**filters)
    with_filter(filters) do |filter|
      with_handle { |handle| read_list { |out| Native.audit_query(handle, filter, out) } }
    end
  end

  # Yields each event of query(**filters); an Enumerator without a block.
  def each(**filters, &block)
    return enum_for(:each, **filters) unless block

    query(**filters).each(&block)
    self
  end

  # Like query(**filters), as a JSON document in the export format, written by the library.
  def query_json(**filters)
    with_filter(filters) do |filter|
      out = FFI::MemoryPointer.new(:pointer)
      with_handle { |handle| Error.check(Native.audit_query_json(handle, filter, out)) }
      Native.take_text(out.read_pointer)
    end
  end

  # The newest n events, oldest first (recent(0) is empty).
  def recent(n = 20)
    n = unsigned(n, 'n')
    with_handle { |handle| read_list { |out| Native.audit_recent(handle, n, out) } }
  end

  # The event with sequence number seq; NotFoundError if it was evicted or not yet logged.
  def get(seq)
    with_handle { |handle| read_list { |out| Native.audit_get(handle, unsigned(seq, 'seq'), out) } }.first
  end

  # The stored events as a pretty-printed JSON document (the export format).
  # With a path, also writes it there atomically (IoError on failure, the old
  # file then intact). An empty path ('') writes no file, as in the reference.
  def export_json(path = nil)
    path = File.path(path) if path
    path = nil if path&.empty?
    c_path = path && Strings.c_string(path, 'path')
    out = FFI::MemoryPointer.new(:pointer)
    with_handle { |handle| Error.check(Native.audit_export_json(handle, c_path, out), path: path) }
    Native.take_text(out.read_pointer)
  end

  # Appends the events of an exported document (a String, or an Array of
  # event Hashes) with their timestamps and new sequence numbers, without
  # passing them to subscribers. All or nothing. Returns how many were imported.
  def import_json(document)
    document = JSON.generate(document) if document.is_a?(Array)
    text = Strings.c_string(document, 'document')
    out = FFI::MemoryPointer.new(:size_t)
    with_handle { |handle| Error.check(Native.audit_import_json(handle, text, out)) }
    out.read(:size_t)
  end

  # Like import_json, reading the document from the file at path.
  def import_json_file(path)
    path = File.path(path)
    c_path = Strings.c_string(path, 'path')
    out = FFI::MemoryPointer.new(:size_t)
    with_handle { |handle| Error.check(Native.audit_import_json_file(handle, c_path, out), path: path) }
    out.read(:size_t)
  end

  # Events held now (at most the capacity).
  def count
    with_handle { |handle| Native.audit_logger_count(handle) }
  end

  # The most events held.
  def capacity
    with_handle { |handle| Native.audit_logger_capacity(handle) }
  end

  # Events evicted so far to respect the capacity or the byte budget.
  def evicted
    with_handle { |handle| Native.audit_logger_evicted(handle) }
  end

  # Events ever stored (count + evicted); also the newest event's seq.
  def appended
    with_handle { |handle| Native.audit_logger_appended(handle) }
  end

  # The journal's counters as a Journal::Stats (written_seq, durable_seq,
  # checkpoints, epoch, recovered_bytes_dropped, failing?); NotFoundError
  # when the logger has no journal.
  def journal_stats
    stats = Native::JournalStats.new
    stats[:struct_size] = Native::JournalStats.size
    with_handle { |handle| Error.check(Native.audit_journal_stats(handle, stats)) }
    Journal::Stats.new(written_seq: stats[:written_seq], durable_seq: stats[:durable_seq],
                       checkpoints: stats[:checkpoints], epoch: stats[:epoch],
                       recovered_bytes_dropped: stats[:recovered_bytes_dropped], failing: !stats[:failing].zero?,
                       fsyncs: stats[:fsyncs])
  end

  # Attaches a forwarder named `name` (1 to 64 of A-Z a-z 0-9 - _ .) and
  # returns its index (from 0). `target` is :syslog ("host:port"), :otlp (the
  # logs endpoint URL), :kafka (brokers, with topic:) or :jsonl (a file's
  # path); options: tls: { ca_file:, server_name:, client_cert:, client_key: },
  # format: (:canonical, :json_line, :ocsf), backlog:, overflow:,
  # block_timeout:, retry: [first, longest] (seconds), close_timeout:,
  # properties: (OTLP headers, Kafka properties). Without a journal it
  # forwards what is logged from now on; with one, everything the journal
  # holds after its cursor (kept beside the journal, resumed after a restart).
  def add_forwarder(name, target, destination, **options)
    c_name = Strings.c_string(name, 'name')
    index = FFI::MemoryPointer.new(:uint32)
    Forwarder.with_config(target, destination, options, method(:milliseconds)) do |config|
      with_handle { |handle| Error.check(Native.audit_logger_add_forwarder(handle, c_name, config, index)) }
    end
    index.read_uint32
  end

  # The counters of forwarder `index` as a Forwarder::Stats (its final ones once closed).
  def forwarder_stats(index)
    stats = Native::ForwarderStats.new
    stats[:struct_size] = Native::ForwarderStats.size
    message = FFI::MemoryPointer.new(:pointer)
    with_handle do |handle|
      Error.check(Native.audit_forwarder_stats(handle, index, stats))
      Error.check(Native.audit_forwarder_last_error(handle, index, message))
    end
    error = message.read_pointer
    last_error = nil
    unless error.null?
      last_error = error.read_string.force_encoding(Encoding::UTF_8)
      Native.audit_string_free(error)
    end
    Forwarder::Stats.new(
      **%i[offered delivered resent retries dropped rejected lag_events lag_seconds backlog in_flight
           last_acked_seq].to_h { |k| [k, stats[k]] },
      connected: !stats[:connected].zero?, last_error: last_error
    )
  end

  # Closes forwarder `index`, delivering what is left for up to `timeout`
  # seconds; returns a Forwarder::Report. #close closes every forwarder with
  # its own close timeout.
  def close_forwarder(index, timeout: 5)
    report = Native::ForwarderReport.new
    ms = milliseconds(timeout, 'timeout')
    with_handle { |handle| Error.check(Native.audit_forwarder_close(handle, index, ms, report)) }
    Forwarder::Report.new(delivered: report[:delivered], left: report[:left], timed_out: !report[:timed_out].zero?,
                          dropped: report[:dropped], last_acked_seq: report[:last_acked_seq])
  end

  # Verifies the journal in `dir` against the trust anchor: the path of an
  # anchor.pub file (keep a copy out of band) or the base64 public key.
  # Returns a Journal::Verification (verdict :valid, :unsealed_tail or
  # :tampered, and the parsed report; tampering is a verdict, not an error).
  # Raises InvalidArgumentError for an unusable anchor, IoError when `dir` is
  # not a readable journal. It takes no lock: a live logger may keep writing.
  def self.verify_journal(dir, anchor)
    verify(:audit_journal_verify, dir, 'dir', anchor)
  end

  # Writes to `path` (atomically) a proof bundle of the sealed events of the
  # journal in `dir` that the criteria of #query select (none: every event):
  # the signed checkpoint chain and each event with its inclusion proof, which
  # AuditLogger.verify_export (or anyone holding the trust anchor) checks
  # offline, without the journal. Returns how many selected events were left
  # out because no checkpoint seals them yet. Raises InvalidArgumentError
  # when nothing is sealed yet (or retention deleted the first segments),
  # IoError when `dir` is not a readable journal or `path` cannot be written.
  def self.export_journal_proofs(dir, path, **filters)
    dir = File.path(dir)
    path = File.path(path)
    skipped = FFI::MemoryPointer.new(:uint64)
    with_filter(filters) do |filter|
      Error.check(Native.audit_journal_export_proofs(Strings.c_string(dir, 'dir'), filter,
                                                     Strings.c_string(path, 'path'), nil, skipped), path: dir)
    end
    skipped.read_uint64
  end

  # Verifies the proof bundle at `path` (from export_journal_proofs or
  # `audit-logger export --proofs`) against the trust anchor alone, as
  # verify_journal does a journal (the report has no "log_id" or "segments").
  # Raises InvalidArgumentError for an unusable anchor or a file that is not
  # a proof bundle, IoError when it cannot be read.
  def self.verify_export(path, anchor)
    verify(:audit_export_verify, path, 'path', anchor)
  end

  # Runs the C verifier `function` (audit_journal_verify or
  # audit_export_verify) on `path` (the argument `name`) and `anchor`.
  def self.verify(function, path, name, anchor)
    path = File.path(path)
    anchor = anchor.is_a?(String) ? anchor : File.path(anchor)
    verdict = FFI::MemoryPointer.new(:uint32)
    out = FFI::MemoryPointer.new(:pointer)
    Error.check(Native.public_send(function, Strings.c_string(path, name), Strings.c_string(anchor, 'anchor'),
                                   verdict, out), path: path)
    report = JSON.parse(Native.take_text(out.read_pointer))
    Journal::Verification.new(verdict: Journal::VERDICTS.fetch(verdict.read_uint32, :unknown), report: report)
  end

  # An Integer >= 0, or TypeError / ArgumentError naming `name`.
  def self.unsigned(value, name)
    raise TypeError, "#{name} must be an Integer, not #{value.class}" unless value.is_a?(Integer)
    raise ArgumentError, "#{name} must not be negative (got #{value})" if value.negative?

    value
  end

  # Builds an AuditFilter from the criteria, yields it, and frees it.
  def self.with_filter(filters)
    unknown = filters.keys - FILTERS
    raise ArgumentError, "unknown filter #{unknown.first.inspect} (known: #{FILTERS.join(', ')})" if unknown.any?

    filter = Native.audit_filter_new
    raise PanicError, 'audit_filter_new failed' if filter.null?

    begin
      filters.each { |key, value| Error.check(set_criterion(filter, key, value)) unless value.nil? }
      yield filter
    ensure
      Native.audit_filter_free(filter)
    end
  end

  def self.set_criterion(filter, key, value)
    case key
    when :actor, :action, :resource, :outcome
      Native.public_send(:"audit_filter_set_#{key}", filter, Strings.c_string(value, key.to_s))
    when :min_severity, :max_severity
      Native.public_send(:"audit_filter_set_#{key}", filter, AuditLogger.severity_value(value))
    when :since, :until
      Native.public_send(:"audit_filter_set_#{key}", filter, AuditLogger.micros(value))
    when :after_seq, :limit
      Native.public_send(:"audit_filter_set_#{key}", filter, unsigned(value, key.to_s))
    end
  end

  private_class_method :verify, :unsigned, :with_filter, :set_criterion

  # Calls the block (or `callable`) with each Event logged from now on. The
  # block may log to this logger and unsubscribe; if it raises a
  # StandardError the error is counted as a failure (Subscription#stats,
  # #last_error) and logging goes on. Returns a Subscription.
  #
  # Synchronous (the default): the block runs on the thread that logs the
  # event, after it is stored, before #log returns.
  #
  # Queued (queue: the most events waiting): events reach the block through a
  # bounded queue, one at a time and in log order, on a thread of the
  # subscription's own, so a slow block does not hold up the threads that
  # log. When the queue is full, overflow: decides: :drop_oldest (the
  # default) or :drop_newest discard an event at once; :block makes the
  # producer wait up to block_timeout: seconds for room, then discards the
  # new event. Discarded events count as Subscription#stats.dropped.
  def subscribe(callable = nil, queue: nil, overflow: nil, block_timeout: nil, &block)
    handler = callable || block
    raise ArgumentError, 'subscribe needs a block or an object responding to #call' unless handler.respond_to?(:call)

    queue_args = queue_settings(queue, overflow, block_timeout)
    key = Subscribers.add(handler, @owner, queued: !queue_args.nil?)
    out = FFI::MemoryPointer.new(:uint64)
    begin
      with_handle do |handle|
        ctx = FFI::Pointer.new(key)
        Error.check(if queue_args
                      Native.audit_subscribe_queued(handle, Subscribers::CALLBACK, ctx, Subscribers::FREE_CTX,
                                                    *queue_args, out)
                    else
                      Native.audit_subscribe(handle, Subscribers::CALLBACK, ctx, Subscribers::FREE_CTX, out)
                    end)
      end
    rescue Exception # whatever failed, nothing was registered: drop the entry
      Subscribers.remove(key)
      raise
    end
    Subscription.new(self, out.read_uint64, key, !queue_args.nil?)
  end

  # Waits up to `timeout` seconds until every queued subscription has handed
  # all it holds to its block and the block has returned; raises
  # TimeoutError if they are still busy then. Use it before #close or
  # Subscription#unsubscribe, which discard what is still queued. Other
  # threads keep running meanwhile (the GVL is released). Raises
  # InvalidArgumentError inside a queued subscription's block, which would
  # wait for itself.
  def flush(timeout:)
    millis = milliseconds(timeout, 'timeout')
    if Subscribers.running_queued?
      raise InvalidArgumentError, 'flush cannot be called from a queued subscriber\'s block'
    end

    with_handle { |handle| Error.check(Native.audit_flush(handle, millis)) }
    nil
  end

  # Ends a subscription (a Subscription or its id). True if it was active,
  # false if it had already ended (or the logger is closed).
  def unsubscribe(subscription)
    id = subscription.is_a?(Subscription) ? subscription.id : subscription
    status = with_handle { |handle| Native.audit_unsubscribe(handle, unsigned(id, 'id')) }
    return false if status == NotFoundError::CODE

    Error.check(status)
    true
  rescue ClosedError
    false
  end

  # Ends a subscription (a Subscription or its id) like #unsubscribe and
  # returns its final Subscription::Stats (events still queued counted as
  # dropped), or nil if it had already ended (or the logger is closed).
  def unsubscribe_with_stats(subscription)
    id = subscription.is_a?(Subscription) ? subscription.id : subscription
    stats = Native::SubscriptionStats.new
    stats[:struct_size] = Native::SubscriptionStats.size
    status = with_handle { |handle| Native.audit_unsubscribe_with_stats(handle, unsigned(id, 'id'), stats) }
    return nil if status == NotFoundError::CODE

    Error.check(status)
    Subscription::Stats.new(delivered: stats[:delivered], failed: stats[:failed], dropped: stats[:dropped])
  rescue ClosedError
    nil
  end

  # The counters of a subscription (a Subscription or its id).
  def subscription_stats(subscription)
    id = subscription.is_a?(Subscription) ? subscription.id : subscription
    stats = Native::SubscriptionStats.new
    stats[:struct_size] = Native::SubscriptionStats.size
    with_handle { |handle| Error.check(Native.audit_subscription_stats(handle, unsigned(id, 'id'), stats)) }
    Subscription::Stats.new(delivered: stats[:delivered], failed: stats[:failed], dropped: stats[:dropped])
  end

  # Frees the logger: every subscription ends (their blocks are released).
  # Waits for calls in progress on other threads; later calls raise
  # ClosedError. Idempotent. Must not be called from one of its own subscribers.
  def close
    handle = @lock.synchronize do
      return nil if @handle.nil?
      raise Error, 'close called from a subscriber of this logger' if Subscribers.running?(@owner)

      taken = @handle
      @handle = nil
      @idle.wait(@lock) while @calls.positive?
      taken
    end
    handle.free
    nil
  end

  def closed?
    @lock.synchronize { @handle.nil? }
  end

  # The AuditLogger * handle, so the logger can be passed to other C code
  # attached with ruby-ffi (a :pointer argument). Valid until #close.
  def to_ptr
    @lock.synchronize { @handle or raise ClosedError, 'the logger is closed' }
  end

  def inspect
    closed? ? "#<#{self.class} closed>" : "#<#{self.class} count=#{count} capacity=#{capacity}>"
  end

  private

  # The arguments of audit_log for one event: four strings, the severity, the details.
  def event_args(actor:, action:, resource:, outcome:, severity: :info, details: nil)
    [Strings.c_string(actor, 'actor'), Strings.c_string(action, 'action'),
     Strings.c_string(resource, 'resource'), Strings.c_string(outcome, 'outcome'),
     AuditLogger.severity_value(severity), Strings.c_string(details_json(details), 'details')]
  end

  # event_args for event `i` of a batch, its index leading any error message.
  def batch_event_args(event, index)
    event = event.transform_keys(&:to_sym) if event.is_a?(Hash)
    raise TypeError, "a Hash, not #{event.class}" unless event.is_a?(Hash)

    event_args(**event)
  rescue Error, TypeError, ArgumentError => e
    raise e.class, "event #{index}: #{e.message}"
  end

  def new_handle(settings, journal)
    if settings.keys == [:capacity] && journal.none?
      out = FFI::MemoryPointer.new(:pointer)
      Error.check(Native.audit_logger_new(size_setting(:capacity, settings[:capacity]), out))
      return out.read_pointer
    end

    config = Native.audit_config_new
    raise PanicError, 'audit_config_new failed' if config.null?

    begin
      settings.each do |name, value|
        Error.check(Native.public_send(:"audit_config_set_#{name}", config, size_setting(name, value)))
      end
      journal.apply(config)
      out = FFI::MemoryPointer.new(:pointer)
      Error.check(Native.audit_logger_new_with_config(config, out), path: journal.dir)
      out.read_pointer
    ensure
      Native.audit_config_free(config)
    end
  end

  def size_setting(name, value)
    raise TypeError, "#{name} must be an Integer, not #{value.class}" unless value.is_a?(Integer)
    raise InvalidCapacityError, "#{name} must not be negative (got #{value})" if value.negative?

    value
  end

  # Runs the block with the live handle, counting the call so that close
  # waits for it; raises ClosedError after close.
  def with_handle
    handle = @lock.synchronize do
      raise ClosedError, 'the logger is closed' if @handle.nil?

      @calls += 1
      @handle
    end
    begin
      yield handle
    ensure
      @lock.synchronize { @idle.broadcast if (@calls -= 1).zero? }
    end
  end

  # [capacity, overflow, block_timeout_ms] for audit_subscribe_queued, or
  # nil for a synchronous subscription.
  def queue_settings(capacity, overflow, block_timeout)
    if capacity.nil?
      return nil if overflow.nil? && block_timeout.nil?

      raise ArgumentError, 'overflow: and block_timeout: apply only to queued subscriptions (give queue:)'
    end
    raise TypeError, "queue must be an Integer, not #{capacity.class}" unless capacity.is_a?(Integer)
    raise InvalidCapacityError, "queue must not be negative (got #{capacity})" if capacity.negative?

    overflow ||= :drop_oldest
    policy = Subscription::OVERFLOW.fetch(overflow) do
      raise ArgumentError, "overflow must be one of #{Subscription::OVERFLOW.keys.map(&:inspect).join(', ')}, " \
                           "not #{overflow.inspect}"
    end
    if overflow == :block && block_timeout.nil?
      raise ArgumentError, 'overflow: :block needs block_timeout: (seconds a producer may wait for room)'
    end

    [capacity, policy, block_timeout.nil? ? 0 : milliseconds(block_timeout, 'block_timeout')]
  end

  # Seconds (an Integer, Float or Rational) as whole milliseconds for a
  # uint32_t, rounded up.
  def milliseconds(seconds, name)
    unless seconds.is_a?(Numeric) && seconds.real?
      raise TypeError, "#{name} must be a number of seconds, not #{seconds.class}"
    end
    raise ArgumentError, "#{name} must not be negative (got #{seconds})" if seconds.negative?

    millis = (seconds * 1000).ceil
    raise ArgumentError, "#{name} is too long (got #{seconds} s)" if millis > 0xFFFF_FFFF

    millis
  rescue FloatDomainError
    raise ArgumentError, "#{name} must be a finite number of seconds (got #{seconds})"
  end

  def details_json(details)
    case details
    when nil, String then details
    when Hash then JSON.generate(details)
    else raise TypeError, "details must be a Hash, a String of JSON or nil, not #{details.class}"
    end
  rescue JSON::GeneratorError => e
    raise InvalidDetailsError, "details cannot be written as JSON: #{e.message}"
  end

  def unsigned(value, name)
    AuditLogger.send(:unsigned, value, name)
  end

  def with_filter(filters, &block)
    AuditLogger.send(:with_filter, filters, &block)
  end

  # Yields an out-pointer for an AuditEventList, then copies the list into
  # an Array of Event and frees it.
  def read_list
    out = FFI::MemoryPointer.new(:pointer)
    Error.check(yield(out))
    list = out.read_pointer
    begin
      Array.new(Native.audit_event_list_len(list)) { |i| Event.from_native(Native.audit_event_list_get(list, i)) }
    ensure
      Native.audit_event_list_free(list)
    end
  end
end
