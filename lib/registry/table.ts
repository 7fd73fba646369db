/**
 * @module lib/registry/table
 * Table conversion (meta.k8s.io/v1 Table), the server-side printing kubectl asks for with
 * `Accept: application/json;as=Table;g=meta.k8s.io;v=v1`. Columns come from the resource
 * declaration; without any, the default convertor's Name + Created At (registry/rest/table.go).
 */
import type { KubeObject, ListMeta } from '../api/types.js'
import { ageCell } from './duration.js'
import type { ResourceDefinition, TableColumn } from './resource.js'

export type IncludeObject = 'None' | 'Metadata' | 'Object'

export interface TableColumnDefinition {
  name: string
  type: string
  format: string
  description: string
  priority: number
}

export interface TableRow {
  cells: unknown[]
  object?: KubeObject
}

export interface Table {
  kind: 'Table'
  apiVersion: 'meta.k8s.io/v1' | 'meta.k8s.io/v1beta1'
  metadata: ListMeta
  columnDefinitions: TableColumnDefinition[] | null
  rows: TableRow[]
}

const nameColumn: TableColumn = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description: 'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names',
  cell: (obj) => obj.metadata.name ?? '',
}

const createdAtColumn: TableColumn = {
  name: 'Created At',
  type: 'date',
  description: 'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata',
  cell: (obj) => obj.metadata.creationTimestamp ?? null,
}

/** metav1.ObjectMeta{}.SwaggerDoc()["creationTimestamp"], the Age column's description. */
export const creationTimestampDescription =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata'

/** The Age column nearly every printer ends with (translateTimestampSince). */
export const ageColumn: TableColumn = {
  name: 'Age',
  type: 'string',
  description: creationTimestampDescription,
  cell: (o, now) => ageCell(o.metadata.creationTimestamp, now),
}

/** The standard Name column, for declarations that place it themselves (events print it last, wide only). */
export const tableNameColumn: TableColumn = nameColumn

function columnsOf(def: ResourceDefinition): TableColumn[] {
  const declared = def.tableColumns ?? []
  if (declared.some((c) => c.format === 'name')) return declared
  return [nameColumn, ...(declared.length > 0 ? declared : [createdAtColumn])]
}

function columnDefinition(c: TableColumn): TableColumnDefinition {
  return { name: c.name, type: c.type === 'date' ? 'string' : c.type, format: c.format ?? (c.type === 'date' ? 'date' : ''), description: c.description ?? '', priority: c.priority ?? 0 }
}

/** The object a row carries: PartialObjectMetadata by default, as kube-apiserver sends it. */
function rowObject(obj: KubeObject, include: IncludeObject): KubeObject | undefined {
  if (include === 'None') return undefined
  if (include === 'Object') return obj
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata }
}

export interface TableOptions {
  includeObject: IncludeObject
  /** Watch events after the first carry no column definitions. */
  omitColumnDefinitions?: boolean
  apiVersion?: Table['apiVersion']
}

export function toTable(def: ResourceDefinition, objects: readonly KubeObject[], listMeta: ListMeta, opts: TableOptions): Table {
  const columns = columnsOf(def)
  const now = new Date()
  const rows = objects.map((obj) => {
    const row: TableRow = { cells: columns.map((c) => c.cell(obj, now)) }
    const o = rowObject(obj, opts.includeObject)
    if (o) row.object = o
    return row
  })
  return {
    kind: 'Table',
    apiVersion: opts.apiVersion ?? 'meta.k8s.io/v1',
    metadata: listMeta,
    columnDefinitions: opts.omitColumnDefinitions ? null : columns.map(columnDefinition),
    rows,
  }
}
