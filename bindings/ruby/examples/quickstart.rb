# frozen_string_literal: true

# A tour of the Ruby binding: log, subscribe (synchronous and queued), query,
# export and import.
#   ruby -I bindings/ruby/lib bindings/ruby/examples/quickstart.rb
# (AUDIT_LOGGER_LIB selects the library; the default is the repository's release build.)

USAGE = <<~TEXT
  Usage: ruby quickstart.rb
  Logs, subscribes (synchronous and queued), queries, exports and imports a few
  audit events, printing what happens. Takes no arguments.
TEXT
if ARGV == ['--help'] || ARGV == ['-h']
  print USAGE
  exit 0
end
unless ARGV.empty?
  warn "quickstart.rb: unexpected argument '#{ARGV.first}'\n#{USAGE}"
  exit 2
end

require 'tmpdir'
require_relative '../lib/audit_logger'

puts "audit-logger #{AuditLogger.version}"

AuditLogger.open(capacity: 1000) do |audit|
  # Forward every event as it is logged (here: print it; a SIEM client in real life).
  forwarded = audit.subscribe do |event|
    puts "  -> #{event.severity.to_s.upcase} #{event.actor} #{event.action} #{event.resource} #{event.outcome}"
  end
  # A slow consumer (a network forwarder, say) gets a queue and a thread of its
  # own, so logging never waits for it; when the queue is full the oldest
  # waiting event is dropped.
  shipped = []
  shipper = audit.subscribe(queue: 100, overflow: :drop_oldest) do |event|
    sleep 0.01 # the network
    shipped << event.seq
  end

  audit.log(actor: 'alice', action: 'login', resource: 'app', outcome: 'success')
  audit.log(actor: 'admin', action: 'user.delete', resource: 'user:42', outcome: 'success',
            severity: :warning, details: { reason: 'GDPR request', ticket: 1234 })
  seq = audit.log(actor: 'mallory', action: 'file.read', resource: 'file:/etc/shadow', outcome: 'denied',
                  severity: :error, details: '{"path":"/etc/shadow"}')

  puts 'Events at :warning or above:'
  audit.query(min_severity: :warning).each do |event|
    puts "  ##{event.seq} #{event.timestamp.strftime('%FT%T.%6NZ')} #{event.actor} #{event.action} #{event.details}"
  end
  puts "Newest two: #{audit.recent(2).map(&:seq).inspect}; event #{seq} was by #{audit.get(seq).actor}"
  puts "Subscriber stats: #{forwarded.stats.to_h}"
  forwarded.unsubscribe
  audit.flush(timeout: 5) # wait until the queue has drained
  puts "Shipped through the queue: #{shipped.inspect}, stats #{shipper.stats.to_h}"
  shipper.unsubscribe

  Dir.mktmpdir do |dir|
    path = File.join(dir, 'audit.json')
    audit.export_json(path)
    AuditLogger.open do |restored|
      puts "Imported #{restored.import_json_file(path)} events from #{File.basename(path)}"
      puts "Same events: #{restored.query.map { |e| e.to_h.except(:seq) } == audit.query.map { |e| e.to_h.except(:seq) }}"
    end
  end

  begin
    audit.log(actor: 'x', action: 'y', resource: 'z', outcome: 'ok', severity: :fatal)
  rescue AuditLogger::InvalidSeverityError => e
    puts "Rejected (code #{e.code}): #{e.message}"
  end
  puts "count=#{audit.count} capacity=#{audit.capacity} evicted=#{audit.evicted} appended=#{audit.appended}"
end
