# frozen_string_literal: true

class AuditLogger
  # The durable, sealed journal: AuditLogger.new(journal: dir, ...),
  # AuditLogger#journal_stats and AuditLogger.verify_journal.
  module Journal
    # Fsync policies (AUDIT_FSYNC_*).
    FSYNC = { never: 1, batch: 2, always: 3 }.freeze
    # Verdicts of AuditLogger.verify_journal (AUDIT_VERIFY_*).
    VERDICTS = { 0 => :valid, 1 => :unsealed_tail, 2 => :tampered }.freeze

    # A journal's counters: the newest seq handed to the OS and the newest
    # known to be on disk, checkpoints sealed since the logger was made, the
    # current epoch, bytes cut off as a torn tail at open, and whether the
    # journal cannot write now (#log then raises), and the fdatasync calls
    # since it was opened (under fsync :always concurrent #log calls share one).
    Stats = Struct.new(:written_seq, :durable_seq, :checkpoints, :epoch, :recovered_bytes_dropped, :failing, :fsyncs,
                       keyword_init: true) do
      alias_method :failing?, :failing
    end

    # What verify_journal found: the verdict (:valid, :unsealed_tail or
    # :tampered) and the library's report, parsed ("verdict", "log_id",
    # "segments", "events_verified", "events_unsealed", "checkpoints",
    # "epochs", "findings").
    Verification = Struct.new(:verdict, :report, keyword_init: true) do
      def valid?
        verdict == :valid
      end

      def tampered?
        verdict == :tampered
      end

      # The report's findings: Hashes with "class", "seq", "segment", "offset", "detail", ...
      def findings
        report.fetch('findings', [])
      end
    end

    # The journal keyword arguments of AuditLogger.new, checked and applied
    # to a config. Internal.
    class Settings
      KEYS = %i[fsync batch_events batch_interval sync_critical epoch_events epoch_interval
                segment_bytes segment_age retain_bytes retain_segments retain_age].freeze

      attr_reader :dir

      def initialize(dir, **options)
        unknown = options.keys - KEYS
        raise ArgumentError, "unknown keyword#{'s' if unknown.size > 1}: #{unknown.map(&:inspect).join(', ')}" if unknown.any?

        @dir = dir && File.path(dir)
        @options = options.compact
        return if @dir || @options.empty?

        raise InvalidArgumentError, "#{@options.keys.join(', ')} need a journal directory (journal:)"
      end

      def none?
        @dir.nil?
      end

      def apply(config)
        return if none?

        Error.check(Native.audit_config_set_journal(config, Strings.c_string(@dir, 'journal')))
        o = @options
        if o.key?(:fsync) || o.key?(:batch_events) || o.key?(:batch_interval) || o.key?(:sync_critical)
          Error.check(Native.audit_config_set_journal_fsync(
                        config, policy(o.fetch(:fsync, :batch)), u32(o.fetch(:batch_events, 1000), :batch_events),
                        millis(o.fetch(:batch_interval, 0.05), :batch_interval),
                        o.fetch(:sync_critical, true) ? 1 : 0
                      ))
        end
        if o.key?(:epoch_events) || o.key?(:epoch_interval)
          Error.check(Native.audit_config_set_journal_epoch(
                        config, u64(o.fetch(:epoch_events, 10_000), :epoch_events),
                        millis(o.fetch(:epoch_interval, 60), :epoch_interval)
                      ))
        end
        if o.key?(:segment_bytes) || o.key?(:segment_age)
          Error.check(Native.audit_config_set_journal_segments(
                        config, u64(o.fetch(:segment_bytes, 64 << 20), :segment_bytes),
                        seconds(o.fetch(:segment_age, 86_400), :segment_age)
                      ))
        end
        return unless o.key?(:retain_bytes) || o.key?(:retain_segments) || o.key?(:retain_age)

        Error.check(Native.audit_config_set_journal_retention(
                      config, u64(o.fetch(:retain_bytes, 0), :retain_bytes),
                      u64(o.fetch(:retain_segments, 0), :retain_segments), seconds(o.fetch(:retain_age, 0), :retain_age)
                    ))
      end

      private

      def policy(value)
        FSYNC.fetch(value.is_a?(String) ? value.downcase.to_sym : value) do
          raise InvalidArgumentError, "fsync must be one of #{FSYNC.keys.map(&:inspect).join(', ')} (got #{value.inspect})"
        end
      end

      def u64(value, name)
        raise TypeError, "#{name} must be an Integer, not #{value.class}" unless value.is_a?(Integer)
        raise ArgumentError, "#{name} must be between 0 and 2**64 - 1 (got #{value})" unless value.between?(0, (2**64) - 1)

        value
      end

      def u32(value, name)
        u64(value, name)
        raise ArgumentError, "#{name} must be at most #{0xFFFF_FFFF} (got #{value})" if value > 0xFFFF_FFFF

        value
      end

      def number(value, name)
        raise TypeError, "#{name} must be a number of seconds, not #{value.class}" unless value.is_a?(Numeric) && value.real?
        raise ArgumentError, "#{name} must not be negative (got #{value})" if value.negative?

        value
      end

      def millis(value, name)
        u32((number(value, name) * 1000).ceil, name)
      rescue FloatDomainError
        raise ArgumentError, "#{name} must be a finite number of seconds (got #{value})"
      end

      def seconds(value, name)
        u64(number(value, name).ceil, name)
      rescue FloatDomainError
        raise ArgumentError, "#{name} must be a finite number of seconds (got #{value})"
      end
    end
  end
end
