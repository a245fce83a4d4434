// Shared by the demo's scripts: "am I the script node was started with?" and the PORT setting.
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

export function runningDirectly(moduleUrl) {
  if (!process.argv[1]) return false;
  try {
    return moduleUrl === pathToFileURL(realpathSync(process.argv[1])).href;
  } catch {
    return false;
  }
}

export function portFromEnv(fallback = 5173) {
  const port = Number(process.env.PORT || fallback);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`PORT must be a port number, not '${process.env.PORT}'`);
    process.exit(1);
  }
  return port;
}
