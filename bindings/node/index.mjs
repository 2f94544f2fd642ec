// ES module entry point: the same API as the CommonJS one (index.js), which
// it re-exports, by name and as the default export.
//
//   import { AuditLogger } from 'audit-logger';
import audit from './index.js';

export * from './index.js';
export default audit;
