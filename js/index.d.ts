// Types for the 'syncore' package (hand-written; the runtime is js/node.js or js/browser.js).
// The declarations live by area in js/types/ and are all exported from here.

export * from './types/errors.js';
export * from './types/data.js';
export * from './types/commits.js';
export * from './types/query.js';
export * from './types/core.js';
export * from './types/client.js';
export * from './types/storage.js';
export * from './types/transport.js';
export * from './types/history.js';
export * from './types/files.js';

export type {
  StandardSchemaV1, ValidationIssue, CollectionTypes, AnyCollectionTypes, UntypedCollection, CollectionMap,
  UntypedCollections, TypesOfEntity, CreateData, UpdateData, PatchData, DeepPatch, CollectionDefinition,
  CollectionsOption, TypesOfDefinition, CollectionTypesOf, RowOf, CollectionsOf, CollectionName, FieldPath,
  TypedPredicate, TypedSortKey, TypedQuery, TypesIn, Register, RegisteredCollections, RegisteredClient, RegisteredCore,
  HasCollectionTypes,
} from './collection_types.js';
