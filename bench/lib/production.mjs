// Every library runs as in an app's production bundle, where the bundler replaces
// process.env.NODE_ENV with 'production': TanStack DB and Replicache skip their development checks
// (freezing, validation, index suggestions) then. Imported first by every bench entry point, before
// any library module is evaluated (ES modules evaluate their imports in order).
process.env.NODE_ENV ??= 'production';
