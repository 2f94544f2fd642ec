# frozen_string_literal: true

require 'fileutils'
require 'json'
require_relative 'test_helper'

# Forwarders: a JSON Lines file receiving every event, the stats and the
# close report, an unwritable file in the stats, bad settings refused.
class ForwarderTest < Minitest::Test
  include TestHelper

  def setup
    @tmp = Dir.mktmpdir('audit-ruby-forward-')
  end

  def teardown
    FileUtils.rm_rf(@tmp)
  end

  def event(logger, i)
    logger.log(actor: 'alice', action: 'doc.read', resource: "doc:#{i}", outcome: 'ok')
  end

  def test_jsonl_receives_every_event
    out = File.join(@tmp, 'events.jsonl')
    logger = AuditLogger.new(capacity: 50)
    assert_equal 0, logger.add_forwarder('file', :jsonl, out, format: :json_line)
    110.times { |i| event(logger, i) }
    report = logger.close_forwarder(0, timeout: 20)
    assert_equal [110, 0, false, 110], [report.delivered, report.left, report.timed_out?, report.last_acked_seq]
    stats = logger.forwarder_stats(0)
    assert_equal [110, 110, 0], [stats.offered, stats.delivered, stats.lag_events]
    assert_nil stats.last_error
    logger.close
    lines = File.readlines(out).map { |l| JSON.parse(l) }
    assert_equal (1..110).to_a, lines.map { |l| l['seq'] }
    assert(lines.all? { |l| l['log_id'].is_a?(String) })
  end

  def test_unwritable_file_shows_in_stats
    bad = File.join(@tmp, 'missing', 'x.jsonl')
    logger = AuditLogger.new(capacity: 10)
    logger.add_forwarder('bad', :jsonl, bad, retry: [0.01, 0.05], close_timeout: 0.1)
    3.times { |i| event(logger, i) }
    deadline = Time.now + 10
    sleep 0.02 while logger.forwarder_stats(0).last_error.nil? && Time.now < deadline
    stats = logger.forwarder_stats(0)
    assert_includes stats.last_error, bad
    refute stats.connected?
    assert_equal 3, stats.lag_events
    report = logger.close_forwarder(0, timeout: 0.1)
    assert_equal 3, report.left
    assert report.timed_out?
  ensure
    logger&.close
  end

  def test_bad_settings_are_refused
    logger = AuditLogger.new(capacity: 10)
    file = File.join(@tmp, 'f')
    assert_raises(AuditLogger::InvalidArgumentError) { logger.add_forwarder('a/b', :jsonl, file) }
    assert_equal 0, logger.add_forwarder('f', :jsonl, file)
    assert_raises(AuditLogger::InvalidArgumentError) { logger.add_forwarder('f', :jsonl, file) }
    assert_raises(AuditLogger::InvalidArgumentError) { logger.add_forwarder('t', :pigeon, 'x') }
    assert_raises(AuditLogger::InvalidArgumentError) { logger.add_forwarder('b', :jsonl, file, backlog: 0) }
    assert_raises(AuditLogger::InvalidArgumentError) do
      logger.add_forwarder('s', :syslog, '127.0.0.1:1', format: :ocsf)
    end
    assert_raises(ArgumentError) { logger.add_forwarder('k', :jsonl, file, colour: :red) }
    assert_raises(AuditLogger::NotFoundError) { logger.forwarder_stats(5) }
    assert_raises(AuditLogger::NotFoundError) { logger.close_forwarder(5) }
  ensure
    logger&.close
  end
end
