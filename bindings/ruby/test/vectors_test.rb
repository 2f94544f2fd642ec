# frozen_string_literal: true

require_relative 'test_helper'

# Runs every conformance scenario in the vectors directory (found at run time):
# one test per file.
class VectorsTest < Minitest::Test
  include TestHelper

  FILES = Dir[File.join(TestHelper.vectors_dir, '*.json')].sort

  def test_vectors_are_present
    refute_empty FILES, "no *.json vectors in #{TestHelper.vectors_dir}"
  end

  FILES.each do |path|
    define_method(:"test_vector_#{File.basename(path, '.json')}") do
      within(30) { run_scenario(JSON.parse(File.read(path))) }
    end
  end

  private

  def run_scenario(scenario)
    logger = AuditLogger.new(capacity: scenario.fetch('capacity'))
    @subscribers = {}
    scenario.fetch('steps').each_with_index do |step, index|
      expect = step.fetch('expect', {})
      where = "#{scenario['name']} step #{index} (#{step['op']})"
      if expect.key?('error')
        error = assert_status_error(expect['error']) { run_step(logger, step) }
        assert_kind_of AuditLogger::Error, error, where
      else
        check(step['op'], run_step(logger, step), expect, where)
      end
    end
  ensure
    logger&.close
  end

  # Performs one step and returns what it produced.
  def run_step(logger, step)
    case step.fetch('op')
    when 'create' then AuditLogger.new(capacity: step.fetch('capacity')).close
    when 'log'
      logger.log(actor: step['actor'], action: step['action'], resource: step['resource'],
                 outcome: step['outcome'], severity: step['severity'], details: step['details'])
    when 'query'
      logger.query(**step.fetch('filter').transform_keys(&:to_sym)).map(&:seq)
    when 'recent' then logger.recent(step.fetch('n')).map(&:seq)
    when 'event' then logger.get(step.fetch('seq'))
    when 'counters'
      { 'count' => logger.count, 'capacity' => logger.capacity, 'evicted' => logger.evicted,
        'appended' => logger.appended }
    when 'import' then logger.import_json(step.fetch('json'))
    when 'export' then logger.export_json
    when 'severity_from_name' then AuditLogger.severity_from_name(step.fetch('name'))
    when 'subscribe'
      received = []
      @subscribers[step.fetch('name')] = [logger.subscribe { |event| received << event.seq }, received]
    when 'unsubscribe' then @subscribers.fetch(step.fetch('name')).first.unsubscribe
    when 'received' then @subscribers.fetch(step.fetch('name')).last.dup
    else flunk "unknown op #{step['op'].inspect}"
    end
  end

  def check(op, result, expect, where)
    case op
    when 'log' then assert_equal expect.fetch('seq'), result, where
    when 'query', 'recent', 'received' then assert_equal expect.fetch('seqs'), result, where
    when 'counters' then assert_equal expect, result, where
    when 'import' then assert_equal expect.fetch('imported'), result, where
    when 'export' then assert_equal expect.fetch('json'), result, where
    when 'severity_from_name' then assert_equal expect.fetch('severity'), result, where
    when 'unsubscribe' then assert_equal expect.fetch('removed'), result, where
    when 'event' then check_event(result, expect, where)
    when 'create', 'subscribe' then nil
    else flunk "#{where}: no check for op #{op.inspect}"
    end
  end

  def check_event(event, expect, where)
    actual = { 'actor' => event.actor, 'action' => event.action, 'resource' => event.resource,
               'outcome' => event.outcome, 'severity' => AuditLogger::SEVERITIES.fetch(event.severity),
               'details' => event.details_json }
    actual['timestamp'] = event.timestamp_us if expect.key?('timestamp')
    assert_equal expect, actual, where
    assert_equal JSON.parse(expect['details']), event.details, where
    assert_equal AuditLogger.time_from_micros(event.timestamp_us), event.timestamp, where
  end
end
