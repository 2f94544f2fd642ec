# frozen_string_literal: true

require_relative 'test_helper'

# The Ruby API: logging, queries, export/import, configuration, close.
class LoggerTest < Minitest::Test
  include TestHelper

  def setup
    @logger = AuditLogger.new(capacity: 10)
  end

  def teardown
    @logger.close
  end

  def test_log_returns_seq_and_event_is_a_frozen_copy
    details = { 'z' => 1, 'a' => { 'b' => [1, 'x', nil] }, 'ü' => 'ünï' }
    assert_equal 1, log_event(@logger, actor: 'bob', severity: :warning, details: details)
    assert_equal 2, log_event(@logger)
    details['z'] = 2 # the record must not follow the caller's Hash

    event = @logger.get(1)
    assert_equal [1, 'bob', 'login', 'app', 'success', :warning],
                 [event.seq, event.actor, event.action, event.resource, event.outcome, event.severity]
    assert_equal '{"z":1,"a":{"b":[1,"x",null]},"ü":"ünï"}', event.details_json
    assert_equal %w[z a ü], event.details.keys
    assert_equal Encoding::UTF_8, event.details['ü'].encoding
    assert event.frozen? && event.actor.frozen? && event.details.frozen? && event.details['a'].frozen?
    assert_raises(FrozenError) { event.details['new'] = 1 }
  end

  def test_timestamp_is_utc_time_with_microseconds
    before = Time.now
    log_event(@logger)
    after = Time.now
    event = @logger.get(1)
    assert event.timestamp.utc?
    assert_equal event.timestamp_us, event.timestamp.tv_sec * 1_000_000 + event.timestamp.usec
    assert_operator event.timestamp_us, :>=, AuditLogger.micros(before) - 1_000_000
    assert_operator event.timestamp_us, :<=, AuditLogger.micros(after) + 1_000_000
  end

  def test_severity_as_symbol_string_or_integer
    [:info, 'WARNING', 'error', 40, :Critical].each { |severity| log_event(@logger, severity: severity) }
    assert_equal %i[info warning error critical critical], @logger.query.map(&:severity)
    assert_equal 20, AuditLogger.severity_from_name(:warning)
  end

  def test_bad_severity_is_rejected_and_nothing_recorded
    [:fatal, 'WARN', '', 0, 15, 99, -1, 2**40].each do |severity|
      assert_status_error('INVALID_SEVERITY') { log_event(@logger, severity: severity) }
    end
    assert_raises(TypeError) { log_event(@logger, severity: nil) }
    assert_equal 0, @logger.count
  end

  def test_details_text_is_passed_verbatim_and_stored_compact
    log_event(@logger, details: " {\n \"b\" : [ 1 , 2 ], \"a\" : {} }\n")
    assert_equal '{"b":[1,2],"a":{}}', @logger.get(1).details_json
    log_event(@logger, details: nil)
    assert_equal({}, @logger.get(2).details)
  end

  def test_bad_details_are_rejected_and_nothing_recorded
    ['[1]', '"x"', '{bad', '', 'null', '{"a":1,"a":2}'].each do |text|
      assert_status_error('INVALID_DETAILS') { log_event(@logger, details: text) }
    end
    assert_status_error('INVALID_DETAILS') { log_event(@logger, details: { 'a' => 1, a: 2 }) }
    assert_status_error('INVALID_DETAILS') { log_event(@logger, details: { 'x' => Float::NAN }) }
    assert_raises(TypeError) { log_event(@logger, details: [1]) }
    assert_equal 0, @logger.appended
  end

  def test_string_arguments
    assert_match(/actor/, assert_status_error('NULL_ARGUMENT') { log_event(@logger, actor: nil) }.message)
    assert_status_error('INVALID_UTF8') { log_event(@logger, actor: "\xFF\xFE".b) }
    assert_status_error('INVALID_ARGUMENT') { log_event(@logger, resource: "a\0b") }
    assert_raises(TypeError) { log_event(@logger, outcome: 42) }
    assert_equal 0, @logger.count

    log_event(@logger, actor: 'é'.encode(Encoding::ISO_8859_1), action: :sym, resource: '')
    event = @logger.get(1)
    assert_equal ['é', 'sym', ''], [event.actor, event.action, event.resource]
  end

  def test_configuration
    assert_status_error('INVALID_CAPACITY') { AuditLogger.new(capacity: 0) }
    assert_status_error('INVALID_CAPACITY') { AuditLogger.new(capacity: -1) }
    assert_status_error('INVALID_CAPACITY') { AuditLogger.new(max_details_depth: 0) }
    assert_raises(TypeError) { AuditLogger.new(capacity: '10') }

    AuditLogger.open(max_field_bytes: 8, max_details_bytes: 16) do |small|
      assert_equal AuditLogger::DEFAULT_CAPACITY, small.capacity
      log_event(small, actor: 'x' * 8)
      assert_status_error('TOO_LARGE') { log_event(small, actor: 'x' * 9) }
      assert_status_error('TOO_LARGE') { log_event(small, details: { 'k' => 'x' * 20 }) }
      assert_equal 1, small.count
    end
  end

  def test_query_filters
    log_event(@logger, actor: 'alice', severity: :info)
    log_event(@logger, actor: '', severity: :error)
    log_event(@logger, actor: 'bob', severity: :critical, outcome: 'denied')
    seqs = ->(**filters) { @logger.query(**filters).map(&:seq) }

    assert_equal [1, 2, 3], seqs.call
    assert_equal [2], seqs.call(actor: '')
    assert_equal [1, 2, 3], seqs.call(actor: nil)
    assert_equal [3], seqs.call(outcome: 'denied')
    assert_equal [2, 3], seqs.call(min_severity: :error)
    assert_equal [1, 2], seqs.call(max_severity: 'ERROR')
    assert_equal [3], seqs.call(after_seq: 2)
    assert_equal [2, 3], seqs.call(limit: 2)
    assert_equal [], seqs.call(limit: 0)

    first = @logger.get(1)
    assert_equal [1, 2, 3], seqs.call(since: first.timestamp)
    assert_equal [1], seqs.call(until: first.timestamp_us)
    assert_equal [], seqs.call(until: first.timestamp - 1)

    assert_raises(ArgumentError) { @logger.query(bogus: 1) }
    assert_raises(ArgumentError) { @logger.query(limit: -1) }
    assert_status_error('INVALID_SEVERITY') { @logger.query(min_severity: 25) }
  end

  def test_each_and_recent
    3.times { |i| log_event(@logger, actor: "a#{i}") }
    seen = []
    assert_same @logger, @logger.each(actor: 'a1') { |event| seen << event.seq }
    assert_equal [2], seen
    assert_kind_of Enumerator, @logger.each
    assert_equal %w[a0 a1 a2], @logger.each.map(&:actor)
    assert_equal [], @logger.recent(0)
    assert_equal [2, 3], @logger.recent(2).map(&:seq)
    assert_equal [1, 2, 3], @logger.recent(100).map(&:seq)
    assert_raises(ArgumentError) { @logger.recent(-1) }
  end

  def test_eviction_counters_and_get
    AuditLogger.open(capacity: 3) do |small|
      5.times { log_event(small) }
      assert_equal [3, 3, 2, 5], [small.count, small.capacity, small.evicted, small.appended]
      assert_equal [3, 4, 5], small.query.map(&:seq)
      assert_equal 4, small.get(4).seq
      assert_status_error('NOT_FOUND') { small.get(1) }
      assert_status_error('NOT_FOUND') { small.get(6) }
    end
  end

  def test_export_to_file_and_import_round_trip
    log_event(@logger, actor: "mallory\nINFO forged", severity: :critical, details: { 'text' => "a\u2028b" })
    log_event(@logger, actor: '日本', details: { 'n' => [1.5, -2, true] })
    Dir.mktmpdir do |dir|
      path = File.join(dir, 'audit.json')
      document = @logger.export_json(path)
      assert_equal document, File.read(path, encoding: 'UTF-8')
      assert_equal document, @logger.export_json
      refute_includes document, "mallory\n" # the line break is escaped
      assert_equal 2, JSON.parse(document).size

      AuditLogger.open do |copy|
        assert_equal 2, copy.import_json_file(Pathname(path))
        assert_equal 2, copy.import_json(document)
        assert_equal 1, copy.import_json(JSON.parse(document).first(1))
        originals = @logger.query.map { |e| e.to_h.except(:seq, :json_line) }
        assert_equal originals * 2 + originals.first(1), copy.query.map { |e| e.to_h.except(:seq, :json_line) }
        assert_equal [1, 2, 3, 4, 5], copy.query.map(&:seq)
      end
    end
  end

  def test_import_is_all_or_nothing
    log_event(@logger)
    good = { actor: 'a', action: 'b', resource: 'c', outcome: 'd', severity: 'INFO', details: {},
             timestamp: '2026-01-01T00:00:00Z' }
    assert_status_error('INVALID_DOCUMENT') { @logger.import_json([good, { actor: 1 }]) }
    assert_status_error('INVALID_DOCUMENT') { @logger.import_json('{}') }
    assert_equal 1, @logger.appended
    assert_equal 1, @logger.import_json([good])
    assert_equal Time.utc(2026), @logger.get(2).timestamp
  end

  def test_io_errors_name_the_path
    Dir.mktmpdir do |dir|
      missing = File.join(dir, 'no', 'such', 'dir', 'audit.json')
      error = assert_status_error('IO') { @logger.export_json(missing) }
      assert_includes error.message, File.dirname(missing)
      refute_kind_of ::IOError, error
      assert_status_error('IO') { @logger.import_json_file(missing) }
    end
  end

  def test_close_is_idempotent_and_later_calls_raise
    logger = AuditLogger.new
    log_event(logger)
    refute logger.closed?
    assert_nil logger.close
    assert_nil logger.close
    assert logger.closed?
    error = assert_raises(AuditLogger::ClosedError) { log_event(logger) }
    assert_kind_of AuditLogger::Error, error
    assert_nil error.code
    assert_raises(AuditLogger::ClosedError) { logger.query }
    assert_raises(AuditLogger::ClosedError) { logger.count }
    assert_match(/closed/, logger.inspect)
  end

  def test_close_waits_for_calls_on_other_threads
    logger = AuditLogger.new(capacity: 100)
    logged = Queue.new
    writer = Thread.new do
      n = 0
      loop do
        log_event(logger, details: { 'n' => n })
        logged << (n += 1)
      end
    rescue AuditLogger::ClosedError
      n
    end
    within(10) do
      logged.pop
      logger.close
      assert_operator writer.value, :>=, 1
    end
  end

  def test_error_classes_follow_the_header
    TestHelper.status_codes.each do |name, code|
      klass = AuditLogger::Error::BY_CODE.fetch(code)
      assert_equal "#{name.split('_').map(&:capitalize).join}Error", klass.name.split('::').last
      assert_operator klass, :<, AuditLogger::Error
      assert_equal code, klass.new('x').code
    end
    assert_operator AuditLogger::Error, :<, StandardError
    refute_operator AuditLogger::IoError, :<, ::IOError
  end

  def test_version_matches_the_header
    assert_equal File.read(TestHelper::HEADER)[/#define AUDIT_LOGGER_VERSION "([^"]+)"/, 1], AuditLogger.version
  end
end

# log_batch: one call, consecutive seqs, one timestamp, all or nothing.
class LogBatchTest < Minitest::Test
  def test_log_batch_records_consecutive_seqs_with_one_timestamp
    AuditLogger.open(capacity: 100) do |logger|
      logger.log(actor: 'before', action: 'a', resource: 'r', outcome: 'ok')
      base = { action: 'login', resource: 'app', outcome: 'success' }
      seqs = logger.log_batch([base.merge(actor: 'a', details: { 'k' => 1 }),
                               base.merge(actor: 'b', severity: :critical),
                               base.merge(actor: 'c', details: '{"n": [1, 2]}')])
      assert_equal (2...5), seqs
      events = seqs.map { |s| logger.get(s) }
      assert_equal %w[a b c], events.map(&:actor)
      assert_equal :critical, events[1].severity
      assert_equal '{"k":1}', events[0].details_json
      assert_equal '{"n":[1,2]}', events[2].details_json
      assert_equal 1, events.map(&:timestamp).uniq.size
      assert_equal (0...0), logger.log_batch([])
    end
  end

  def test_one_bad_event_refuses_the_batch
    AuditLogger.open(capacity: 100) do |logger|
      good = { actor: 'ok', action: 'a', resource: 'r', outcome: 'ok' }
      err = assert_raises(AuditLogger::InvalidDetailsError) { logger.log_batch([good, good.merge(details: '[1]')]) }
      assert_match(/\Aevent 1: /, err.message)
      err = assert_raises(AuditLogger::InvalidArgumentError) { logger.log_batch([good.merge(actor: "n\0l")]) }
      assert_match(/\Aevent 0: /, err.message)
      err = assert_raises(ArgumentError) { logger.log_batch([good, { actor: 'x' }]) }
      assert_match(/\Aevent 1: /, err.message)
      assert_equal 0, logger.appended
      assert_equal (1...3), logger.log_batch([good, good])
    end
  end
end
