'use strict';
// CommonJS: require('audit-logger') from a fresh project.
const lib = require('audit-logger');
console.log(`audit-logger (require): ${lib.libraryPath()}`);
require('./scenario.cjs').main(lib, process.argv.slice(2));
