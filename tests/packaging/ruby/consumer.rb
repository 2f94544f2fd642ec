# frozen_string_literal: true

# The packaging scenario (tests/packaging/README.md) through the installed gem.
#   ruby consumer.rb FIXTURE OUTDIR NAME
require 'audit_logger'

abort 'Usage: consumer.rb FIXTURE OUTDIR NAME' unless ARGV.size == 3
fixture, outdir, name = ARGV
puts "audit_logger gem #{AuditLogger::VERSION}: #{AuditLogger::Native.library_path}"

def line(e, with_time)
  time = with_time ? "#{e.timestamp_us} " : ''
  "#{e.seq} #{time}#{e.severity.to_s.upcase} #{e.actor} #{e.action} #{e.resource} #{e.outcome} #{e.details_json}\n"
end

out = +''
section = lambda do |title, events, with_time = true|
  out << "#{title}\n"
  events.each { |e| out << line(e, with_time) }
end

AuditLogger.open(capacity: 100) do |fixed|
  out << "imported #{fixed.import_json(File.read(fixture, encoding: 'UTF-8'))}\n"
  section.call('query actor=alice', fixed.query(actor: 'alice'))
  section.call('query min_severity=ERROR', fixed.query(min_severity: :error))
  section.call('query since=1767225602000000 until=1767225605000000',
               fixed.query(since: 1_767_225_602_000_000, until: 1_767_225_605_000_000))
  section.call('query outcome=failure limit=1', fixed.query(outcome: 'failure', limit: 1))
  section.call('recent 2', fixed.recent(2))
  File.binwrite(File.join(outdir, "#{name}.json"), fixed.export_json)
end

queued = +"queued\n"
AuditLogger.open(capacity: 100) do |live|
  out << "live\n"
  sync = live.subscribe { |e| out << line(e, false) }
  shipper = live.subscribe(queue: 16, overflow: :drop_oldest) { |e| queued << line(e, false) }
  live.log(actor: 'alice', action: 'login', resource: 'app', outcome: 'success', severity: :info,
           details: '{"b":1,"a":[true,null]}')
  live.log(actor: 'bob', action: 'user.update', resource: 'user:7', outcome: 'success', severity: :warning,
           details: '{"field":"email"}')
  live.log(actor: 'mallory', action: 'login', resource: 'app', outcome: 'failure', severity: :error, details: '{}')
  live.log(actor: 'svc', action: 'key.rotate', resource: 'kms:1', outcome: 'failure', severity: :critical,
           details: '{"n":1.50}')
  out << "unsubscribe #{sync.unsubscribe}\n"
  last = live.log(actor: 'alice', action: 'logout', resource: 'app', outcome: 'success', severity: :info,
                  details: '{}')
  out << "logged #{last}\n"
  section.call('query outcome=failure', live.query(outcome: 'failure'), false)
  out << "count #{live.count}\n"

  live.flush(timeout: 10)
  stats = shipper.stats
  queued << "delivered #{stats.delivered} failed #{stats.failed} dropped #{stats.dropped}\n"
  queued << "unsubscribe #{shipper.unsubscribe}\n"
end

File.binwrite(File.join(outdir, "#{name}.txt"), out)
File.binwrite(File.join(outdir, "#{name}.queued.txt"), queued)
