// client.collection(name): one collection's reads (from the core) and writes (client.mutate).

export function collectionHandle(client, name) {
  const { core } = client;
  return {
    name,
    get: (id) => core.get(name, id),
    list: () => core.list(name),
    count: () => core.count(name),
    query: (spec = {}) => core.query({ ...spec, collection: name }),
    subscribe: (fn) => core.subscribe(name, fn),
    subscribeEntity: (id, fn) => core.subscribeEntity(name, id, fn),
    create: (data, opts = {}) => client.mutate({ ...opts, collection: name, op: 'create', data }),
    update: (id, data, opts = {}) => client.mutate({ ...opts, collection: name, op: 'update', id, data }),
    patch: (id, patch, opts = {}) => client.mutate({ ...opts, collection: name, op: 'update', id, patch }),
    delete: (id, opts = {}) => client.mutate({ ...opts, collection: name, op: 'delete', id }),
  };
}
