import { PGlite } from '@electric-sql/pglite';
let t=Date.now();
const c = await PGlite.create('/tmp/i13s/pgdir'); console.log('reopen', Date.now()-t); t=Date.now();
const dump = await c.dumpDataDir('none'); console.log('dump', Date.now()-t, dump.size); t=Date.now();
const d = await PGlite.create({ loadDataDir: dump }); console.log('from dump', Date.now()-t); t=Date.now();
const e = await c.clone?.(); console.log('clone', Date.now()-t); t=Date.now();
