// Daphne serving server/django/example for the tests, with the conformance contract's users.
import { startDjango as start } from '../../server/django/launch.js';

export { freePort } from '../../server/django/launch.js';
export const startDjango = (options = {}) => start({ conformanceTokens: true, ...options });
