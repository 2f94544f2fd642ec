# frozen_string_literal: true

# The audit_logger gem. `rake gem` (see the Rakefile) copies the built
# libaudit_logger.so into lib/audit_logger/native/ and builds a gem for this
# platform with it inside; `gem build` alone gives a gem without the library,
# which then uses $AUDIT_LOGGER_LIB or the system's libaudit_logger.so.0.
require_relative 'lib/audit_logger/version'

Gem::Specification.new do |spec|
  spec.name = 'audit_logger'
  spec.version = AuditLogger::VERSION
  spec.summary = 'Embeddable, thread-safe audit log: a Ruby binding of libaudit_logger'
  spec.description = 'Records who did what to which resource, with what outcome and severity; ' \
                     'keeps the newest events in memory, queries, exports and imports them as JSON, ' \
                     'and hands every event to subscribers (synchronous or queued). ' \
                     'A ruby-ffi binding over the audit-logger C ABI.'
  spec.authors = ['The audit-logger contributors']
  spec.homepage = 'https://github.com/audit-logger/audit-logger'
  spec.licenses = ['MIT', 'Apache-2.0']
  spec.metadata = {
    'source_code_uri' => 'https://github.com/audit-logger/audit-logger/tree/main/bindings/ruby',
    'changelog_uri' => 'https://github.com/audit-logger/audit-logger/blob/main/CHANGELOG.md',
    'rubygems_mfa_required' => 'true'
  }
  spec.required_ruby_version = '>= 3.0'

  native = File.join(__dir__, 'lib/audit_logger/native/libaudit_logger.so')
  spec.files = Dir.chdir(__dir__) do
    Dir['lib/**/*.rb'] + %w[README.md] + Dir['LICENSE-*'] +
      (File.file?(native) ? ['lib/audit_logger/native/libaudit_logger.so'] : [])
  end
  # A gem that carries the compiled library is for this platform only.
  spec.platform = Gem::Platform::CURRENT if File.file?(native)
  spec.require_paths = ['lib']

  spec.add_dependency 'ffi', '~> 1.15'
end
