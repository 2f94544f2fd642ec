# frozen_string_literal: true

class AuditLogger
  # The version of this gem, the same as the library's (Cargo.toml); the ctest
  # entry package_versions checks that they agree.
  VERSION = '0.1.0'
end
