# frozen_string_literal: true

require 'fileutils'
require 'tmpdir'
require_relative 'test_helper'

# I/O errors are also Ruby's own Errno::* classes (with #errno), the status
# table follows the header, and the newer parts of the C API: TOO_DEEP,
# max_document_bytes, query_json, Event#to_json, export_json('').
class ErrnoTest < Minitest::Test
  include TestHelper

  def setup
    @logger = AuditLogger.new(capacity: 100)
    @dir = Dir.mktmpdir('audit-errno')
  end

  def teardown
    @logger.close
    FileUtils.remove_entry(@dir)
  end

  def test_a_missing_file_is_errno_enoent
    missing = File.join(@dir, 'no', 'such.json')
    error = assert_raises(Errno::ENOENT) { @logger.import_json_file(missing) }
    assert_kind_of SystemCallError, error
    assert_kind_of AuditLogger::IoError, error
    assert_kind_of AuditLogger::Error, error
    assert_equal Errno::ENOENT::Errno, error.errno
    assert_equal AuditLogger::IoError::CODE, error.code
    assert_equal missing, error.path
    assert_includes error.message, missing # the library's message, not "No such file or directory - ..."
    refute error.message.start_with?('No such file')
    assert_same AuditLogger::IoError::ENOENT, error.class
    # Every rescue a caller may write catches it.
    [Errno::ENOENT, SystemCallError, AuditLogger::IoError, AuditLogger::Error, StandardError].each do |klass|
      caught = begin
        @logger.import_json_file(missing)
      rescue klass => e
        e
      end
      assert_same error.class, caught.class, "rescue #{klass}"
    end
  end

  def test_export_under_a_file_is_errno_enotdir
    plain = File.join(@dir, 'plain')
    File.write(plain, 'x')
    error = assert_raises(Errno::ENOTDIR) { @logger.export_json(File.join(plain, 'audit.json')) }
    assert_equal Errno::ENOTDIR::Errno, error.errno
    assert_kind_of AuditLogger::IoError, error
  end

  def test_other_errors_are_not_system_call_errors
    error = assert_raises(AuditLogger::NotFoundError) { @logger.get(42) }
    refute_kind_of SystemCallError, error
    refute_kind_of AuditLogger::IoError, error
    refute AuditLogger::IoError === error # rubocop:disable Style/CaseEquality
    assert_same AuditLogger::IoError, AuditLogger::IoError.for_errno(0)
    assert_operator AuditLogger::IoError.for_errno(Errno::EACCES::Errno), :<, Errno::EACCES
  end

  def test_status_table_has_no_extra_or_missing_codes
    assert_equal TestHelper.status_codes.values.sort, AuditLogger::Error::BY_CODE.keys.sort
    assert_equal 13, TestHelper.status_codes.fetch('TOO_DEEP')
  end

  def test_logging_nested_too_deep
    errors = []
    @logger.subscribe do |event|
      @logger.log(actor: (Integer(event.actor) + 1).to_s, action: 'a', resource: 'r', outcome: 'o')
    rescue AuditLogger::TooDeepError => e
      errors << e
    end
    log_event(@logger, actor: '0')
    assert_equal 1, errors.size
    assert_equal 13, errors.first.code
    assert_equal 16, @logger.count
  end

  def test_max_document_bytes
    doc = '[{"actor":"a","action":"b","resource":"c","outcome":"d","severity":"INFO",' \
          '"details":{},"timestamp":"2026-01-01T00:00:00Z"}]'
    AuditLogger.open(max_document_bytes: 64) do |small|
      assert_status_error('TOO_LARGE') { small.import_json(doc) }
    end
    AuditLogger.open(max_document_bytes: doc.bytesize) { |exact| assert_equal 1, exact.import_json(doc) }
  end

  def test_query_json_and_event_json_come_from_the_library
    log_event(@logger, actor: 'alice')
    log_event(@logger, actor: 'bob', severity: :error)
    text = @logger.query_json(min_severity: :error)
    assert text.start_with?("[\n  {")
    events = @logger.query(min_severity: :error)
    assert_equal JSON.parse(text), events.map { |e| JSON.parse(e.json_line) }
    assert_equal JSON.parse(@logger.export_json), JSON.parse(JSON.generate(@logger.query))
    assert_equal @logger.query.first.json_line, @logger.query.first.to_json
  end

  def test_export_to_an_empty_path_writes_no_file
    log_event(@logger)
    Dir.chdir(@dir) do
      assert_equal 1, JSON.parse(@logger.export_json('')).size
      assert_empty Dir.children(@dir)
    end
  end
end
