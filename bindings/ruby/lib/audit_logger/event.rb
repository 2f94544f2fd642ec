# frozen_string_literal: true

require 'json'

class AuditLogger
  # A recorded audit event: a frozen copy, safe to keep after the query or
  # callback that produced it.
  #
  #   seq           Integer, from 1, increasing per logger
  #   timestamp     Time (UTC, microsecond precision)
  #   timestamp_us  Integer microseconds since the Unix epoch
  #   actor, action, resource, outcome   String (UTF-8)
  #   severity      :info, :warning, :error or :critical
  #   details       Hash (frozen, keys in the order logged)
  #   details_json  String, details as the library stores it (compact JSON)
  #   json_line     String, the whole event as the library writes it
  #                 (audit_event_to_json): an element of the export, compact;
  #                 #to_json returns it, so JSON.generate(events) is the export's content
  Event = Struct.new(:seq, :timestamp, :timestamp_us, :actor, :action, :resource, :outcome,
                     :severity, :details, :details_json, :json_line, keyword_init: true) do
    # Copies the event behind a borrowed `const AuditEvent *`.
    def self.from_native(pointer)
      micros = Native.audit_event_timestamp(pointer)
      details_json = field(Native.audit_event_details(pointer))
      new(seq: Native.audit_event_seq(pointer),
          timestamp: AuditLogger.time_from_micros(micros),
          timestamp_us: micros,
          actor: field(Native.audit_event_actor(pointer)),
          action: field(Native.audit_event_action(pointer)),
          resource: field(Native.audit_event_resource(pointer)),
          outcome: field(Native.audit_event_outcome(pointer)),
          severity: AuditLogger.severity_symbol(Native.audit_event_severity(pointer)),
          details: JSON.parse(details_json, freeze: true),
          details_json: details_json,
          json_line: line(pointer)).freeze
    end

    # The library's JSON for the event (JSON.generate calls this).
    def to_json(*_args)
      json_line
    end

    def self.line(pointer)
      out = FFI::MemoryPointer.new(:pointer)
      Error.check(Native.audit_event_to_json(pointer, out))
      Native.take_text(out.read_pointer).freeze
    end
    private_class_method :line

    def self.field(pointer)
      Native.text(pointer).freeze
    end
    private_class_method :field
  end

  # A Time (UTC) for microseconds since the Unix epoch.
  def self.time_from_micros(micros)
    Time.at(micros / 1_000_000, micros % 1_000_000, :usec).utc
  end

  # Microseconds since the Unix epoch for a Time or an Integer (taken as microseconds).
  def self.micros(time)
    case time
    when Integer then time
    when Time then (time.to_r * 1_000_000).floor
    else raise TypeError, "expected a Time or Integer microseconds, not #{time.class}"
    end
  end
end
