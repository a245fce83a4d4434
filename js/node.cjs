// require('syncore'): the package is ES modules. Node >= 20.19 / 22.12 can require() them, which
// loads the very same module instance as `import`; older Node (or --no-experimental-require-module)
// cannot, and gets told how to import the package instead.
'use strict';
try {
  module.exports = require('./node.js');
} catch (err) {
  if (err?.code !== 'ERR_REQUIRE_ESM' && err?.code !== 'ERR_REQUIRE_ASYNC_MODULE') throw err;
  throw new Error(
    `syncore is an ES module package and this Node (${process.version}) cannot require() it: ` +
      "use `import { createSyncCore } from 'syncore'`, or from CommonJS " +
      "`const { createSyncCore } = await import('syncore')` (require('syncore') works on Node >= 20.19 and >= 22.12).",
    { cause: err },
  );
}
