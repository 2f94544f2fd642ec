# frozen_string_literal: true

class AuditLogger
  # Forwarders: a logger's events to a syslog relay (TCP or TLS), an
  # OpenTelemetry Collector (OTLP/HTTP), Kafka, or a JSON Lines file:
  # AuditLogger#add_forwarder, #forwarder_stats, #close_forwarder.
  module Forwarder
    # Targets and what their destination is.
    TARGETS = %i[syslog otlp kafka jsonl].freeze
    # Payload formats of Kafka and JSON Lines forwarders (AUDIT_FORMAT_*).
    FORMATS = { canonical: 1, json_line: 2, ocsf: 3 }.freeze
    KEYS = %i[topic tls format backlog overflow block_timeout retry close_timeout properties].freeze
    TLS_KEYS = %i[ca_file server_name client_cert client_key].freeze

    # A forwarder's counters and state.
    Stats = Struct.new(:offered, :delivered, :resent, :retries, :dropped, :rejected, :lag_events,
                       :lag_seconds, :backlog, :in_flight, :connected, :last_acked_seq, :last_error,
                       keyword_init: true) do
      alias_method :connected?, :connected
    end

    # What closing a forwarder achieved.
    Report = Struct.new(:delivered, :left, :timed_out, :dropped, :last_acked_seq, keyword_init: true) do
      alias_method :timed_out?, :timed_out
    end

    module_function

    # A native AuditForwarderConfig for `target` and `destination` with
    # `options`, passed to the block and freed after it. `millis` converts
    # seconds to milliseconds.
    def with_config(target, destination, options, millis)
      unknown = options.keys - KEYS
      raise ArgumentError, "unknown keyword#{'s' if unknown.size > 1}: #{unknown.map(&:inspect).join(', ')}" if unknown.any?

      out = FFI::MemoryPointer.new(:pointer)
      Error.check(make(target, destination, options[:topic], out))
      config = out.read_pointer
      begin
        apply(config, options, millis)
        yield config
      ensure
        Native.audit_forwarder_config_free(config)
      end
    end

    def make(target, destination, topic, out)
      dest = Strings.c_string(destination, 'destination')
      raise TypeError, 'destination must be a String' if dest.nil?

      case target
      when :syslog then Native.audit_forwarder_config_new_syslog(dest, out)
      when :otlp then Native.audit_forwarder_config_new_otlp(dest, out)
      when :jsonl then Native.audit_forwarder_config_new_jsonl(dest, out)
      when :kafka
        raise ArgumentError, 'a Kafka forwarder needs topic:' if topic.nil?

        Native.audit_forwarder_config_new_kafka(dest, Strings.c_string(topic, 'topic'), out)
      else
        raise InvalidArgumentError, "target must be one of #{TARGETS.map(&:inspect).join(', ')}, not #{target.inspect}"
      end
    end

    def apply(config, options, millis)
      if (tls = options[:tls])
        unknown = tls.keys - TLS_KEYS
        raise ArgumentError, "unknown tls key#{'s' if unknown.size > 1}: #{unknown.map(&:inspect).join(', ')}" if unknown.any?

        names = TLS_KEYS.map { |k| Strings.c_string(tls[k]&.to_s, "tls #{k}") }
        Error.check(Native.audit_forwarder_config_set_tls(config, *names))
      end
      if options.key?(:format)
        format = FORMATS.fetch(options[:format]) do
          raise InvalidArgumentError, "format must be one of #{FORMATS.keys.map(&:inspect).join(', ')}"
        end
        Error.check(Native.audit_forwarder_config_set_format(config, format))
      end
      if options.key?(:backlog) || options.key?(:overflow) || options.key?(:block_timeout)
        overflow = options.fetch(:overflow, :drop_oldest)
        policy = Subscription::OVERFLOW.fetch(overflow) do
          raise ArgumentError, "overflow must be one of #{Subscription::OVERFLOW.keys.map(&:inspect).join(', ')}"
        end
        backlog = options.fetch(:backlog, 10_000)
        raise TypeError, 'backlog must be an Integer' unless backlog.is_a?(Integer)

        Error.check(Native.audit_forwarder_config_set_backlog(
                      config, [backlog, 0].max, policy, millis.call(options.fetch(:block_timeout, 0), 'block_timeout')
                    ))
      end
      if (retry_delays = options[:retry])
        first, longest = retry_delays
        Error.check(Native.audit_forwarder_config_set_retry(config, millis.call(first, 'retry'),
                                                            millis.call(longest, 'retry')))
      end
      if options.key?(:close_timeout)
        Error.check(Native.audit_forwarder_config_set_close_timeout(
                      config, millis.call(options[:close_timeout], 'close_timeout')
                    ))
      end
      (options[:properties] || {}).each do |key, value|
        Error.check(Native.audit_forwarder_config_set_property(
                      config, Strings.c_string(key.to_s, 'property key'), Strings.c_string(value.to_s, 'property value')
                    ))
      end
    end
  end
end
