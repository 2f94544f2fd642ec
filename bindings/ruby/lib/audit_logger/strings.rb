# frozen_string_literal: true

class AuditLogger
  # Strings into the library: NUL-terminated UTF-8 copies in native memory
  # (never Ruby's own buffers, which another thread could change while the
  # GVL is released).
  module Strings
    module_function

    # A native copy of `value`, a String or Symbol (nil gives NULL). Strings in another encoding
    # are converted to UTF-8; binary strings are passed as they are, so the
    # library can reject invalid UTF-8.
    def c_string(value, name)
      return nil if value.nil?

      value = value.to_s if value.is_a?(Symbol)
      raise TypeError, "#{name} must be a String, not #{value.class}" unless value.is_a?(String)

      bytes = utf8(value)
      raise InvalidArgumentError, "#{name} contains a NUL byte" if bytes.include?("\0")

      FFI::MemoryPointer.from_string(bytes)
    end

    def utf8(value)
      case value.encoding
      when Encoding::UTF_8, Encoding::BINARY, Encoding::US_ASCII then value
      else value.encode(Encoding::UTF_8)
      end
    end
  end
end
