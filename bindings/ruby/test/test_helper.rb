# frozen_string_literal: true

require 'minitest/autorun'
require 'json'
require 'pathname'
require 'timeout'
require 'tmpdir'
require 'audit_logger'

# Paths and helpers shared by the tests.
module TestHelper
  REPO = File.expand_path('../../..', __dir__)
  HEADER = File.join(REPO, 'include', 'audit_logger.h')

  # Where the conformance vectors are: $AUDIT_VECTORS_DIR, else tests/vectors.
  def self.vectors_dir
    dir = ENV.fetch('AUDIT_VECTORS_DIR', '')
    dir.empty? ? File.join(REPO, 'tests', 'vectors') : dir
  end

  # AUDIT_OVERFLOW_* name => value, read from the C header.
  def self.overflow_policies
    File.read(HEADER).scan(/^#define AUDIT_OVERFLOW_(\w+) (\d+)$/).to_h { |n, v| [n, Integer(v)] }
  end

  # AUDIT_ERR_* name => value, read from the C header.
  def self.status_codes
    @status_codes ||= File.read(HEADER).scan(/^#define AUDIT_ERR_(\w+) (\d+)$/).to_h { |n, v| [n, Integer(v)] }
  end

  # Runs the block, failing the test if it takes longer than `seconds` (a deadlock fails fast).
  def within(seconds = 10, &block)
    Timeout.timeout(seconds, &block)
  end

  # Sleeps (so other threads, and queued subscribers' blocks, run) until the
  # block returns a truthy value; fails the test after `seconds`.
  def wait_for(what, seconds = 10)
    deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + seconds
    until yield
      flunk "still waiting for #{what} after #{seconds} s" if Process.clock_gettime(Process::CLOCK_MONOTONIC) > deadline
      sleep 0.005
    end
  end

  # Logs a simple event and returns its seq.
  def log_event(logger, actor: 'alice', action: 'login', resource: 'app', outcome: 'success', **rest)
    logger.log(actor: actor, action: action, resource: resource, outcome: outcome, **rest)
  end

  # Asserts that the block raises the error class for AUDIT_ERR_<name>, with
  # that status code and a non-empty message; returns the error.
  def assert_status_error(name, &block)
    klass = AuditLogger.const_get("#{name.split('_').map(&:capitalize).join}Error")
    error = assert_raises(klass, &block)
    assert_equal TestHelper.status_codes.fetch(name), error.code, "status code of #{klass}"
    refute_empty error.message
    error
  end
end
