# frozen_string_literal: true

require 'ffi'

class AuditLogger
  # The C functions of libaudit_logger (see include/audit_logger.h), attached
  # with ruby-ffi. Internal: use the AuditLogger class.
  #
  # GVL rule: every function that takes a logger is attached with
  # `blocking: true`, so Ruby releases the GVL for the length of the call.
  # audit_log, audit_unsubscribe and audit_logger_free can run subscriber
  # callbacks or free_ctx, which must take the GVL back (on this thread, or on
  # ruby-ffi's callback thread when a foreign thread logs); audit_flush, and
  # audit_log with a full `overflow: :block` queue, wait for queued
  # subscribers' blocks, which need the GVL to run; and a thread
  # waiting on a library lock must not hold the GVL that the lock's owner may
  # be waiting for. Functions that only read an event, a list, a filter or a
  # config are attached without it.
  module Native
    extend FFI::Library

    # Environment variable naming the shared library to load (it overrides
    # every other place).
    LIBRARY_ENV = 'AUDIT_LOGGER_LIB'
    # The name the system loader knows the library by (its SONAME).
    SYSTEM_NAME = 'libaudit_logger.so.0'

    # Where the library is looked for, in order, as [path or name, what it is]:
    # $AUDIT_LOGGER_LIB alone when it is set; else the copy inside the gem
    # (lib/audit_logger/native/), the repository build when this file is in a
    # checkout (target/release), then the system loader (ldconfig's cache,
    # LD_LIBRARY_PATH, /usr/lib...).
    def self.library_candidates
      from_env = ENV.fetch(LIBRARY_ENV, '')
      return [[from_env, "$#{LIBRARY_ENV}"]] unless from_env.empty?

      candidates = [[File.expand_path('native/libaudit_logger.so', __dir__), 'the copy inside the gem']]
      repo = File.expand_path('../../../..', __dir__)
      if File.file?(File.join(repo, 'Cargo.toml'))
        candidates << [File.join(repo, 'target/release/libaudit_logger.so'), 'the repository build']
      end
      candidates << [SYSTEM_NAME, 'the system loader']
    end

    # Loads the first candidate that exists (a bare name is handed to the
    # system loader); raises LoadError naming every place tried.
    def self.load_library
      tried = []
      library_candidates.each do |where, what|
        if where.include?('/') && !File.file?(where)
          tried << "#{what}: #{where} does not exist"
          next
        end
        begin
          ffi_lib where
          return where
        rescue LoadError => e
          tried << "#{what}: #{where}: #{e.message.lines.first.strip}"
        end
      end
      raise LoadError, "audit_logger: cannot load libaudit_logger (#{tried.join('; ')}); " \
                       "install the gem, set #{LIBRARY_ENV}, or run `cargo build --release` in the repository"
    end

    # The library in use: its path, or the name the system loader resolved.
    LIBRARY_PATH = load_library

    def self.library_path
      LIBRARY_PATH
    end

    typedef :uint32, :status
    typedef :pointer, :logger
    typedef :pointer, :event
    typedef :pointer, :event_list
    typedef :pointer, :filter
    typedef :pointer, :config

    callback :audit_callback, %i[pointer event], :int32
    callback :audit_free_ctx, %i[pointer], :void

    # struct AuditSubscriptionStats (size-tagged: struct_size is set before the call).
    class SubscriptionStats < FFI::Struct
      layout :struct_size, :uint64,
             :delivered, :uint64,
             :failed, :uint64,
             :dropped, :uint64
    end

    # struct AuditNewEvent: one event of audit_log_batch.
    class NewEvent < FFI::Struct
      layout :actor, :pointer,
             :action, :pointer,
             :resource, :pointer,
             :outcome, :pointer,
             :severity, :uint32,
             :details_json, :pointer
    end

    # struct AuditJournalStats (size-tagged: struct_size is set before the call).
    class JournalStats < FFI::Struct
      layout :struct_size, :uint64,
             :written_seq, :uint64,
             :durable_seq, :uint64,
             :checkpoints, :uint64,
             :epoch, :uint64,
             :recovered_bytes_dropped, :uint64,
             :failing, :uint64,
             :fsyncs, :uint64
    end

    # struct AuditForwarderStats (size-tagged: struct_size is set before the call).
    class ForwarderStats < FFI::Struct
      layout :struct_size, :uint64,
             :offered, :uint64,
             :delivered, :uint64,
             :resent, :uint64,
             :retries, :uint64,
             :dropped, :uint64,
             :rejected, :uint64,
             :lag_events, :uint64,
             :lag_seconds, :double,
             :backlog, :uint64,
             :in_flight, :uint64,
             :connected, :uint64,
             :last_acked_seq, :uint64,
             :has_error, :uint64
    end

    # struct AuditForwarderReport.
    class ForwarderReport < FFI::Struct
      layout :delivered, :uint64,
             :left, :uint64,
             :timed_out, :uint64,
             :dropped, :uint64,
             :last_acked_seq, :uint64
    end

    # Status, version, severity names: static strings, no logger.
    attach_function :audit_last_error_message, [], :pointer
    attach_function :audit_last_error_errno, [], :int32
    attach_function :audit_status_str, [:status], :pointer
    attach_function :audit_version, [], :pointer
    attach_function :audit_severity_name, [:uint32], :pointer
    attach_function :audit_severity_from_name, %i[pointer pointer], :status
    attach_function :audit_string_free, [:pointer], :void

    # Configuration builder.
    attach_function :audit_config_new, [], :config
    attach_function :audit_config_free, [:config], :void
    %i[capacity max_field_bytes max_details_bytes max_details_depth max_total_bytes
       max_document_bytes].each do |setting|
      attach_function :"audit_config_set_#{setting}", %i[config size_t], :status
    end
    attach_function :audit_config_set_journal, %i[config pointer], :status
    attach_function :audit_config_set_journal_fsync, %i[config uint32 uint32 uint32 int32], :status
    attach_function :audit_config_set_journal_epoch, %i[config uint64 uint32], :status
    attach_function :audit_config_set_journal_segments, %i[config uint64 uint64], :status
    attach_function :audit_config_set_journal_retention, %i[config uint64 uint64 uint64], :status

    # The journal: file I/O, so the GVL is released.
    attach_function :audit_journal_stats, %i[logger pointer], :status, blocking: true
    attach_function :audit_journal_verify, %i[pointer pointer pointer pointer], :status, blocking: true
    attach_function :audit_journal_export_proofs, %i[pointer pointer pointer pointer pointer], :status, blocking: true
    attach_function :audit_export_verify, %i[pointer pointer pointer pointer], :status, blocking: true

    # Forwarders: configuration builders, then attaching, stats and closing
    # (which take locks or wait, so the GVL is released).
    %i[syslog otlp jsonl].each do |target|
      attach_function :"audit_forwarder_config_new_#{target}", %i[pointer pointer], :status
    end
    attach_function :audit_forwarder_config_new_kafka, %i[pointer pointer pointer], :status
    attach_function :audit_forwarder_config_free, [:pointer], :void
    attach_function :audit_forwarder_config_set_tls, %i[pointer pointer pointer pointer pointer], :status
    attach_function :audit_forwarder_config_set_format, %i[pointer uint32], :status
    attach_function :audit_forwarder_config_set_backlog, %i[pointer size_t uint32 uint32], :status
    attach_function :audit_forwarder_config_set_retry, %i[pointer uint32 uint32], :status
    attach_function :audit_forwarder_config_set_close_timeout, %i[pointer uint32], :status
    attach_function :audit_forwarder_config_set_property, %i[pointer pointer pointer], :status
    attach_function :audit_logger_add_forwarder, %i[logger pointer pointer pointer], :status, blocking: true
    attach_function :audit_forwarder_stats, %i[logger uint32 pointer], :status, blocking: true
    attach_function :audit_forwarder_last_error, %i[logger uint32 pointer], :status, blocking: true
    attach_function :audit_forwarder_close, %i[logger uint32 uint32 pointer], :status, blocking: true

    # Query filter builder.
    attach_function :audit_filter_new, [], :filter
    attach_function :audit_filter_free, [:filter], :void
    %i[actor action resource outcome].each do |field|
      attach_function :"audit_filter_set_#{field}", %i[filter pointer], :status
    end
    attach_function :audit_filter_set_min_severity, %i[filter uint32], :status
    attach_function :audit_filter_set_max_severity, %i[filter uint32], :status
    attach_function :audit_filter_set_since, %i[filter int64], :status
    attach_function :audit_filter_set_until, %i[filter int64], :status
    attach_function :audit_filter_set_after_seq, %i[filter uint64], :status
    attach_function :audit_filter_set_limit, %i[filter size_t], :status

    # Events and event lists (borrowed pointers, read while the list lives).
    attach_function :audit_event_list_len, [:event_list], :size_t
    attach_function :audit_event_list_get, %i[event_list size_t], :event
    attach_function :audit_event_list_free, [:event_list], :void
    attach_function :audit_event_seq, [:event], :uint64
    attach_function :audit_event_timestamp, [:event], :int64
    attach_function :audit_event_severity, [:event], :uint32
    %i[actor action resource outcome details].each do |field|
      attach_function :"audit_event_#{field}", [:event], :pointer
    end
    attach_function :audit_event_to_json, %i[event pointer], :status

    # The logger: every call releases the GVL (see above).
    attach_function :audit_logger_new, %i[size_t pointer], :status, blocking: true
    attach_function :audit_logger_new_with_config, %i[config pointer], :status, blocking: true
    attach_function :audit_logger_free, [:logger], :void, blocking: true
    attach_function :audit_log,
                    %i[logger pointer pointer pointer pointer uint32 pointer pointer], :status,
                    blocking: true
    attach_function :audit_log_batch, %i[logger pointer size_t pointer], :status, blocking: true
    attach_function :audit_query, %i[logger filter pointer], :status, blocking: true
    attach_function :audit_query_json, %i[logger filter pointer], :status, blocking: true
    attach_function :audit_get, %i[logger uint64 pointer], :status, blocking: true
    attach_function :audit_recent, %i[logger size_t pointer], :status, blocking: true
    attach_function :audit_export_json, %i[logger pointer pointer], :status, blocking: true
    attach_function :audit_import_json, %i[logger pointer pointer], :status, blocking: true
    attach_function :audit_import_json_file, %i[logger pointer pointer], :status, blocking: true
    %i[count capacity evicted appended].each do |counter|
      attach_function :"audit_logger_#{counter}", [:logger], :uint64, blocking: true
    end
    attach_function :audit_subscribe, %i[logger audit_callback pointer audit_free_ctx pointer], :status, blocking: true
    attach_function :audit_subscribe_queued,
                    %i[logger audit_callback pointer audit_free_ctx size_t uint32 uint32 pointer], :status,
                    blocking: true
    # Waits for queued subscribers, whose blocks need the GVL to finish.
    attach_function :audit_flush, %i[logger uint32], :status, blocking: true
    attach_function :audit_unsubscribe, %i[logger uint64], :status, blocking: true
    attach_function :audit_unsubscribe_with_stats, %i[logger uint64 pointer], :status, blocking: true
    attach_function :audit_subscription_stats, %i[logger uint64 pointer], :status, blocking: true

    # A borrowed NUL-terminated C string as a UTF-8 Ruby String (nil for NULL).
    def self.text(pointer)
      pointer.null? ? nil : pointer.read_string.force_encoding(Encoding::UTF_8)
    end

    # Reads and releases a `char *` the library returned.
    def self.take_text(pointer)
      text(pointer)
    ensure
      audit_string_free(pointer)
    end
  end
end
