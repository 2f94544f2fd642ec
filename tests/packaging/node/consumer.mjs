// ES module: import { AuditLogger } from 'audit-logger' in a fresh project.
import { AuditLogger, libraryPath } from 'audit-logger';
import scenario from './scenario.cjs';

console.log(`audit-logger (import): ${libraryPath()}`);
scenario.main({ AuditLogger }, process.argv.slice(2));
