// Types that flow from a collection's definition to every read and write of it (re-exported by
// 'syncore'). A collection is typed by collection<Todo>() or by a Standard Schema; the client's
// collections map names to their types, so client.collection('todos') and the React hooks know
// the entity without a type argument. Hand-written; the runtime is js/schema.js.
import type { Entity, SyncClient, SyncCore, ClientCollectionOptions, PredicateOp } from './index.js';

// ---- Standard Schema (https://standardschema.dev) ---------------------------------------------
// The spec's own interface, copied as the spec asks (no dependency): zod 4, valibot 1, arktype 2
// and others implement it.

/** The Standard Schema interface, v1. */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly '~standard': StandardSchemaV1.Props<Input, Output>;
}

export declare namespace StandardSchemaV1 {
  export interface Props<Input = unknown, Output = Input> {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (value: unknown) => Result<Output> | Promise<Result<Output>>;
    readonly types?: Types<Input, Output> | undefined;
  }
  export type Result<Output> = SuccessResult<Output> | FailureResult;
  export interface SuccessResult<Output> {
    readonly value: Output;
    readonly issues?: undefined;
  }
  export interface FailureResult {
    readonly issues: ReadonlyArray<Issue>;
  }
  export interface Issue {
    readonly message: string;
    readonly path?: ReadonlyArray<PropertyKey | PathSegment> | undefined;
  }
  export interface PathSegment {
    readonly key: PropertyKey;
  }
  export interface Types<Input = unknown, Output = Input> {
    readonly input: Input;
    readonly output: Output;
  }
  export type InferInput<Schema extends StandardSchemaV1> = NonNullable<Schema['~standard']['types']>['input'];
  export type InferOutput<Schema extends StandardSchemaV1> = NonNullable<Schema['~standard']['types']>['output'];
}

/** One problem a schema found in a local write (SyncError VALIDATION's `issues`): the same shape for every library. */
export interface ValidationIssue {
  readonly message: string;
  /** Where: keys from the entity's root, e.g. ['tags', 1]. Empty for the entity as a whole. */
  readonly path: ReadonlyArray<PropertyKey>;
}

// ---- a collection's types ---------------------------------------------------------------------

/**
 * Everything the types know about one collection: the entity as read (`row`), as written
 * (`input`: a schema's input type; the entity type otherwise), the field holding its id, and the
 * fields the server fills in.
 */
export interface CollectionTypes<Row extends object = Entity, Input extends object = Row, IdField extends string = 'id', ServerFields extends string = never> {
  row: Row;
  input: Input;
  idField: IdField;
  serverFields: ServerFields;
}

export type AnyCollectionTypes = CollectionTypes<any, any, string, string>;

/** A collection nothing types: rows are JSON entities, writes take any object (as before types flowed). */
export type UntypedCollection = CollectionTypes<Entity, { readonly [key: string]: unknown }>;

/** Collection name -> its types. */
export type CollectionMap = { [name: string]: AnyCollectionTypes };
export type UntypedCollections = { [name: string]: UntypedCollection };

/**
 * The types of a collection given only its entity type (useEntity<Todo>(…), client.collection<Todo>(…)).
 * An entity type with an index signature (extends Entity) takes any object in writes, as before.
 */
export type TypesOfEntity<T extends object> = string extends keyof T ? CollectionTypes<T, { readonly [key: string]: unknown }> : CollectionTypes<T, T>;

type OmitKeys<T, K> = { [P in keyof T as P extends K ? never : P]: T[P] };
type Simplify<T> = { [P in keyof T]: T[P] } & {};

/**
 * What create() takes: the entity as written without the fields the server fills in; its id may
 * be left out (the collection assigns one).
 */
export type CreateData<C extends AnyCollectionTypes> = Simplify<
  OmitKeys<C['input'], C['idField'] | C['serverFields']> & { [P in C['idField'] & keyof C['input']]?: C['input'][P] }
>;

/** What update() takes: the whole edited entity (fields left out are removed); its id may be left out. */
export type UpdateData<C extends AnyCollectionTypes> = Simplify<
  OmitKeys<C['input'], C['idField']> & { [P in C['idField'] & keyof C['input']]?: C['input'][P] }
>;

/**
 * A JSON merge patch of T: every field optional, nested objects patched field by field, arrays
 * replaced whole, null removes an optional field.
 */
export type DeepPatch<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [P in keyof T]?: ({} extends Pick<T, P> ? null : never) | DeepPatch<Exclude<T[P], undefined>> }
    : T;

/** What patch() takes: a deep partial of the entity as written, without its id and the server's fields. */
export type PatchData<C extends AnyCollectionTypes> = DeepPatch<OmitKeys<C['input'], C['idField'] | C['serverFields']>>;

// ---- definitions: collection<Todo>() or a schema ---------------------------------------------

declare const collectionTypes: unique symbol;

/** A collection's options carrying its types (what collection<Todo>() returns). */
export interface CollectionDefinition<C extends AnyCollectionTypes = UntypedCollection> extends ClientCollectionOptions {
  /** Types only: never present at run time. */
  readonly [collectionTypes]?: C;
}

/** Carries a map of collection types (on SyncClient and SyncCore): types only. */
export interface HasCollectionTypes<M extends CollectionMap> {
  /** Types only: never present at run time. */
  readonly [collectionTypes]?: M;
}

/** The collections option as the client and core take it: plain options, definitions, schemas. */
export type CollectionsOption = { readonly [name: string]: ClientCollectionOptions };

type IdFieldOf<D> = D extends { idField: infer K extends string } ? (string extends K ? 'id' : K) : 'id';
type ServerFieldsOf<D> = D extends { serverFields: readonly (infer K extends string)[] } ? (string extends K ? never : K) : never;
type AsObject<T> = T extends object ? T : Entity;

/** The types of one entry of the collections option. */
export type TypesOfDefinition<D> =
  D extends { readonly [collectionTypes]?: infer C }
    ? C extends AnyCollectionTypes
      ? C
      : TypesOfOptions<D>
    : TypesOfOptions<D>;

type TypesOfOptions<D> = D extends { schema: infer S extends StandardSchemaV1 }
  ? CollectionTypes<AsObject<StandardSchemaV1.InferOutput<S>>, AsObject<StandardSchemaV1.InferInput<S>>, IdFieldOf<D>, ServerFieldsOf<D>>
  : UntypedCollection;

/** The collections option as a map of types. */
export type CollectionTypesOf<C> = { [K in keyof C & string]: TypesOfDefinition<C[K]> };

/** A collection's entity as read. */
export type RowOf<C extends AnyCollectionTypes> = C['row'];

/** The map of a client or core type. */
export type CollectionsOf<X> = X extends HasCollectionTypes<infer M> ? M : UntypedCollections;

/** The names of a map's collections (any string for SyncClient / SyncCore without a map). */
export type CollectionName<M> = 0 extends 1 & M ? string : keyof M & string;

/** The types of collection K of a map (untyped for SyncClient / SyncCore without a map). */
export type TypesIn<M, K> = 0 extends 1 & M ? UntypedCollection : K extends keyof M ? (M[K] extends AnyCollectionTypes ? M[K] : UntypedCollection) : UntypedCollection;

// ---- typed queries ---------------------------------------------------------------------------

type Digits = `${number}`;
type PathsOf<T, Depth extends unknown[] = []> = Depth['length'] extends 5
  ? string
  : T extends readonly (infer E)[]
    ? Digits | `${Digits}.${PathsOf<E, [...Depth, 1]>}`
    : T extends object
      ? string extends keyof T
        ? string
        : { [K in keyof T & string]: K | (NonNullable<T[K]> extends object ? `${K}.${PathsOf<NonNullable<T[K]>, [...Depth, 1]>}` : never) }[keyof T & string]
      : never;

/** The dotted paths of an entity type ('class.name', 'tags.0'); any string for an untyped one. */
export type FieldPath<T> = [PathsOf<T>] extends [never] ? string : PathsOf<T>;

/** A where clause of T: [path, op, value], the path one T has. */
export type TypedPredicate<T> =
  | [field: FieldPath<T>, op: PredicateOp, value: unknown]
  | { field: FieldPath<T>; op: PredicateOp; value: unknown };

export type TypedSortKey<T> = FieldPath<T> | [field: FieldPath<T>, dir?: 'asc' | 'desc'] | { field: FieldPath<T>; dir?: 'asc' | 'desc' };

/** A query of one collection of T (the collection is given apart). */
export interface TypedQuery<T> {
  /** All must hold. Fields are dotted paths of T: 'meta.owner', 'tags.0'. */
  where?: TypedPredicate<T>[];
  /** Ties are broken by id, so the order is total. */
  orderBy?: TypedSortKey<T>[];
  limit?: number;
  offset?: number;
}

// ---- registering the app's client for the React hooks ---------------------------------------

/**
 * Declare your client's type once and the hooks know its collections:
 *
 *   declare module 'syncore' { interface Register { client: typeof client } }
 *
 * (or `core: typeof core` for an app on a bare core). Without it, hooks take any collection name
 * and return untyped entities unless given a type argument.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface Register {}

/** The registered client's (or core's) collection map. */
export type RegisteredCollections = Register extends { client: infer C }
  ? CollectionsOf<C>
  : Register extends { core: infer C }
    ? CollectionsOf<C>
    : UntypedCollections;

/** The registered client type (SyncClient when none is). */
export type RegisteredClient = Register extends { client: infer C extends SyncClient<any> } ? C : SyncClient;
/** The registered core type (the registered client's core). */
export type RegisteredCore = Register extends { client: infer C }
  ? SyncCore<CollectionsOf<C>>
  : Register extends { core: infer C extends SyncCore<any> }
    ? C
    : SyncCore;

/** T, but not a place to infer T from (TypeScript 5.4's NoInfer, in a form 5.0 also reads). */
export type NoInference<T> = [T][T extends any ? 0 : never];

/** P, only when the type argument T was given (an overload for explicit types, e.g. useEntity<Todo>(…)). */
export type Explicit<T, P> = [NoInference<T>] extends [never] ? never : P;
