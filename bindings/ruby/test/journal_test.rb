# frozen_string_literal: true

require 'fileutils'
require_relative 'test_helper'

# The durable, sealed journal: settings, counters, reopening, the lock, verification.
class JournalTest < Minitest::Test
  include TestHelper

  SEGMENT = '00000000000000000001.seg'

  def setup
    @tmp = Dir.mktmpdir('audit-ruby-journal-')
  end

  def teardown
    FileUtils.rm_rf(@tmp)
  end

  def event(logger, actor, resource = 'app')
    logger.log(actor: actor, action: 'login', resource: resource, outcome: 'success')
  end

  # Replaces the first `from` in the first segment with `to` (same length).
  def tamper(dir, from, to)
    assert_equal from.bytesize, to.bytesize
    file = File.join(dir, SEGMENT)
    data = File.binread(file)
    at = data.index(from)
    refute_nil at, "#{from} is not in #{file}"
    data[at, from.bytesize] = to
    File.binwrite(file, data)
  end

  def test_durable_reopened_locked_and_verified
    dir = File.join(@tmp, 'journal')
    logger = AuditLogger.new(capacity: 10, journal: dir, fsync: :always)
    seqs = 3.times.map { |i| event(logger, 'alice', "host:#{i}") }
    assert_equal [1, 2, 3], seqs
    stats = logger.journal_stats
    assert_kind_of AuditLogger::Journal::Stats, stats
    assert_operator stats.durable_seq, :>=, 3
    assert_includes 1..3, stats.fsyncs
    assert_operator stats.written_seq, :>=, 3
    refute stats.failing?
    assert_equal 0, stats.recovered_bytes_dropped
    assert File.file?(File.join(dir, 'anchor.pub'))

    # One writer per directory.
    err = assert_raises(AuditLogger::IoError) { AuditLogger.new(capacity: 10, journal: dir) }
    assert_match(/lock/, err.message)
    logger.close

    AuditLogger.open(capacity: 10, journal: Pathname.new(dir), fsync: 'always') do |again|
      assert_equal 3, again.count
      assert_equal 3, again.appended
      assert_equal %w[host:0 host:1 host:2], again.recent(3).map(&:resource)
      assert_equal 4, event(again, 'bob')
    end

    result = AuditLogger.verify_journal(dir, File.join(dir, 'anchor.pub'))
    assert_equal :valid, result.verdict
    assert result.valid?
    assert_equal 'valid', result.report['verdict']
    assert_equal 4, result.report['events_verified']
    assert_empty result.findings
  end

  def test_restores_only_the_newest_capacity_events
    AuditLogger.open(capacity: 10, journal: @tmp, fsync: :never) do |logger|
      5.times { |i| event(logger, 'alice', "doc:#{i}") }
    end
    AuditLogger.open(capacity: 2, journal: @tmp) do |logger|
      assert_equal 2, logger.count
      assert_equal 5, logger.appended
      assert_equal %w[doc:3 doc:4], logger.recent(5).map(&:resource)
    end
  end

  def test_one_flipped_byte_is_tampering
    AuditLogger.open(capacity: 10, journal: @tmp, fsync: :batch, batch_events: 2, batch_interval: 0.01) do |logger|
      %w[alice mallory carol].each { |actor| event(logger, actor) }
    end
    anchor = File.join(@tmp, 'anchor.pub')
    assert_equal :valid, AuditLogger.verify_journal(@tmp, anchor).verdict

    tamper(@tmp, 'mallory', 'malloqy')
    result = AuditLogger.verify_journal(Pathname.new(@tmp), Pathname.new(anchor))
    assert_equal :tampered, result.verdict
    assert result.tampered?
    assert_equal 'tampered', result.report['verdict']
    refute_empty result.findings
    assert(result.findings.any? { |f| f['class'] == 'modified' && f['seq'] == 2 }, result.findings.inspect)
  end

  def test_every_setting_is_passed_on
    AuditLogger.open(capacity: 100, journal: @tmp, fsync: :batch, batch_events: 10, batch_interval: 0.02,
                     sync_critical: false, epoch_events: 2, epoch_interval: 600, segment_bytes: 1 << 20,
                     segment_age: 3600, retain_bytes: 1 << 30, retain_segments: 10, retain_age: 365 * 86_400) do |logger|
      5.times { event(logger, 'alice') }
      # A checkpoint after 2 events (not 10,000, nor 10 minutes): the journal's thread seals one soon.
      wait_for('a checkpoint') { logger.journal_stats.checkpoints >= 1 }
    end
    assert_equal :valid, AuditLogger.verify_journal(@tmp, File.join(@tmp, 'anchor.pub')).verdict
  end

  def test_configuration_errors
    err = assert_raises(AuditLogger::InvalidArgumentError) { AuditLogger.new(journal: @tmp, fsync: :sometimes) }
    assert_match(/fsync/, err.message)
    assert_raises(AuditLogger::InvalidArgumentError) { AuditLogger.new(journal: @tmp, fsync: :batch, batch_events: 0) }
    assert_raises(AuditLogger::InvalidArgumentError) { AuditLogger.new(journal: @tmp, epoch_events: 0) }
    err = assert_raises(AuditLogger::InvalidArgumentError) { AuditLogger.new(fsync: :always) }
    assert_match(/journal/, err.message)
    assert_raises(ArgumentError) { AuditLogger.new(journal: @tmp, fsync_policy: :always) }
    assert_raises(TypeError) { AuditLogger.new(journal: @tmp, batch_events: '10') }
    # None of those opened (and locked) the directory.
    AuditLogger.open(journal: @tmp) { |logger| assert_equal 0, logger.journal_stats.written_seq }
  end

  def test_stats_without_a_journal_and_verify_errors
    AuditLogger.open(capacity: 10) do |logger|
      assert_raises(AuditLogger::NotFoundError) { logger.journal_stats }
    end
    AuditLogger.new(journal: @tmp).close
    assert_raises(AuditLogger::InvalidArgumentError) { AuditLogger.verify_journal(@tmp, 'not a key!') }
    assert_raises(AuditLogger::IoError) do
      AuditLogger.verify_journal(File.join(@tmp, 'missing'), File.join(@tmp, 'anchor.pub'))
    end
  end

  def test_export_with_proofs_verifies_offline_and_shows_a_change
    dir = File.join(@tmp, 'journal')
    logger = AuditLogger.new(capacity: 10, journal: dir, fsync: :never)
    bob_seq = nil
    12.times do |i|
      seq = event(logger, i % 3 == 0 ? 'bob' : 'alice', format('doc:%02d', i))
      bob_seq = seq if i == 6
    end
    logger.close
    anchor = File.join(dir, 'anchor.pub')
    bundle = File.join(@tmp, 'bob.json')
    assert_equal 0, AuditLogger.export_journal_proofs(dir, bundle, actor: 'bob')
    ok = AuditLogger.verify_export(bundle, anchor)
    assert ok.valid?
    assert_equal 4, ok.report['events_verified']
    assert_empty ok.findings

    File.write(bundle, File.read(bundle).sub('doc:06', 'doc:07'))
    bad = AuditLogger.verify_export(bundle, anchor)
    assert bad.tampered?
    assert_equal 'modified', bad.findings.first['class']
    assert_equal bob_seq, bad.findings.first['seq']

    assert_raises(AuditLogger::IoError) { AuditLogger.export_journal_proofs(File.join(@tmp, 'missing'), bundle) }
    assert_raises(ArgumentError) { AuditLogger.export_journal_proofs(dir, bundle, nope: 1) }
    assert_raises(AuditLogger::InvalidArgumentError) { AuditLogger.verify_export(bundle, 'not a key') }
  end
end
